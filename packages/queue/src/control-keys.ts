import { KEY_PREFIX } from './queue-settings.js';

/*
 * The few Redis keys llmspell keeps beside BullMQ's own, for cancelling across machines: a
 * flag a worker checks before and while it runs a job, a channel that tells the worker
 * running it at once, and a record of a job cancelled before it started (removed from the
 * queue, so BullMQ no longer knows it).
 */

/** Kept as long as a cancelled job's record: a week. */
export const CONTROL_TTL_SECONDS = 7 * 24 * 3600;

export const cancelFlagKey = (queue: string, id: string) => `${KEY_PREFIX}:${queue}:llmspell:cancel:${id}`;
export const tombstoneKey = (queue: string, id: string) => `${KEY_PREFIX}:${queue}:llmspell:cancelled:${id}`;
export const cancelChannel = (queue: string) => `${KEY_PREFIX}:${queue}:llmspell:cancel`;
