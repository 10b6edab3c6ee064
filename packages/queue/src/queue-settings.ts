import { LlmspellError } from '@llmspell/core';

/** BullMQ's key prefix for llmspell queues: keys are `llmspell:<queue name>:…`. */
export const KEY_PREFIX = 'llmspell';

/** How a queue behaves; the defaults are the `[queue]` config section's. */
export interface QueueSettings {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  name: string;
  /** Runs of a job before it ends failed. */
  attempts: number;
  /** Wait before a failed job runs again; doubles after each failure. */
  backoffMs: number;
  /** Jobs one worker runs at once. */
  concurrency: number;
  /** How long a worker's claim on a job lasts without renewal. */
  lockDurationMs: number;
  /** How often workers look for jobs whose worker died. */
  stalledIntervalMs: number;
  /** Recoveries from a dead worker before a job ends failed. */
  maxStalledCount: number;
  /** First wait after a provider's rate limit; doubles each time, capped at 10 minutes. */
  rateLimitDelayMs: number;
  /** Rate-limit waits a job may take before it ends failed with RATE_LIMITED. */
  maxRateLimitDelays: number;
  /** Finished jobs kept (the oldest beyond these are removed). */
  keepCompleted: number;
  keepFailed: number;
}

export const QUEUE_DEFAULTS: Omit<QueueSettings, 'url'> = {
  name: 'llmspell',
  attempts: 3,
  backoffMs: 1000,
  concurrency: 1,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 1,
  rateLimitDelayMs: 30_000,
  maxRateLimitDelays: 20,
  keepCompleted: 1000,
  keepFailed: 5000,
};

/** The longest a rate-limited job waits between runs. */
export const MAX_RATE_LIMIT_DELAY_MS = 10 * 60_000;

const KEYS: Record<keyof Omit<QueueSettings, 'url' | 'name'>, string> = {
  attempts: 'attempts',
  backoffMs: 'backoff_ms',
  concurrency: 'concurrency',
  lockDurationMs: 'lock_duration_ms',
  stalledIntervalMs: 'stalled_interval_ms',
  maxStalledCount: 'max_stalled_count',
  rateLimitDelayMs: 'rate_limit_delay_ms',
  maxRateLimitDelays: 'max_rate_limit_delays',
  keepCompleted: 'keep_completed',
  keepFailed: 'keep_failed',
};

/**
 * Settings from a `[queue]` config section (snake_case keys), with `url` given separately
 * when a flag or `LLMSPELL_QUEUE_URL` names it. Throws CONFIG_INVALID naming a bad key.
 */
export function queueSettings(section: Record<string, unknown> = {}, url?: string): QueueSettings {
  const resolved = url ?? section.url;
  if (typeof resolved !== 'string' || resolved.trim() === '') {
    throw new LlmspellError('CONFIG_INVALID', 'no queue configured: pass --queue redis://HOST:PORT, set LLMSPELL_QUEUE_URL, or [queue] url in llmspell.toml', { details: { parameter: 'queue.url' } });
  }
  const settings: QueueSettings = { ...QUEUE_DEFAULTS, url: resolved.trim() };
  if (section.name !== undefined) {
    if (typeof section.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(section.name)) {
      throw new LlmspellError('CONFIG_INVALID', 'queue.name must be 1-64 letters, digits, _ . or -', { details: { parameter: 'queue.name' } });
    }
    settings.name = section.name;
  }
  for (const [field, key] of Object.entries(KEYS) as Array<[keyof typeof KEYS, string]>) {
    const value = section[key];
    if (value === undefined) continue;
    const positive = field === 'attempts' || field === 'concurrency' || field === 'lockDurationMs' || field === 'stalledIntervalMs' || field === 'rateLimitDelayMs';
    if (typeof value !== 'number' || !Number.isInteger(value) || value < (positive ? 1 : 0)) {
      throw new LlmspellError('CONFIG_INVALID', `queue.${key} must be a${positive ? ' positive' : ' non-negative'} integer, got ${JSON.stringify(value)}`, { details: { parameter: `queue.${key}` } });
    }
    settings[field] = value;
  }
  return settings;
}
