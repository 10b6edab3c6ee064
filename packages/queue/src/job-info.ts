import type { Job } from 'bullmq';
import type { JobPayload } from './job-payload.js';
import { corruptionOf } from './stored-job.js';

/** Where a job stands, in words a user reads (BullMQ's states, plus `cancelled`). */
export type JobStatus = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'cancelled' | 'unknown';

export const FINISHED: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

/** A job as `llmspell jobs` shows it: never its script text (that may be long), never its data beyond this. */
export interface JobInfo {
  id: string;
  /** `script` (from `llmspell submit`) or `workflow-unit` (a distributed workflow's branch or iteration). */
  kind: string;
  status: JobStatus;
  script: string;
  run_id?: string;
  /**
   * Runs that ended (failed, or completed: a job done on its first run shows 1), and the runs
   * allowed. Rate-limit waits and runs returned by a stopping worker do not count.
   */
  attempts_made: number;
  attempts: number;
  /** Times a provider's rate limit put the job back to wait (these are not failed attempts). */
  rate_limited: number;
  /** Times its worker died (or stopped answering) while running it. */
  stalled: number;
  progress?: unknown;
  result?: unknown;
  error?: string;
  worker?: string;
  /**
   * Why the job's data in Redis cannot be read (it is not JSON): no worker can run it (one that
   * takes it fails it with INVALID_ARGUMENT), and `cancel` removes it whatever its status.
   */
  corrupt?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
}

/** What a job's failure reason starts with when `llmspell jobs cancel` stopped it. */
export const CANCELLED_PREFIX = 'CANCELLED:';

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);

export function statusOf(state: string, failedReason?: string): JobStatus {
  switch (state) {
    case 'waiting': case 'prioritized': case 'waiting-children': case 'wait': case 'paused': return 'waiting';
    case 'active': return 'active';
    case 'delayed': return 'delayed';
    case 'completed': return 'completed';
    case 'failed': return failedReason?.startsWith(CANCELLED_PREFIX) ? 'cancelled' : 'failed';
    default: return 'unknown';
  }
}

export function jobInfo(job: Job<JobPayload>, state: string): JobInfo {
  const data = (job.data ?? {}) as Partial<JobPayload>;
  const status = statusOf(state, job.failedReason);
  const corrupt = corruptionOf(job);
  const info: JobInfo = {
    id: String(job.id),
    kind: job.name,
    status,
    script: corrupt ? '(corrupt)' : data.script?.filename ?? '(unknown)',
    attempts_made: job.attemptsMade ?? 0,
    attempts: job.opts?.attempts ?? 1,
    rate_limited: data.rate_limited ?? 0,
    stalled: job.stalledCounter ?? 0,
    created_at: iso(job.timestamp) ?? new Date(0).toISOString(),
  };
  if (corrupt) info.corrupt = corrupt;
  if (data.run_id) info.run_id = data.run_id;
  if (job.progress !== undefined && job.progress !== 0) info.progress = job.progress;
  if (status === 'completed') info.result = job.returnvalue ?? null;
  if ((status === 'failed' || status === 'cancelled') && job.failedReason) info.error = job.failedReason;
  else if (job.failedReason && status !== 'completed') info.error = job.failedReason;
  if (job.processedBy) info.worker = job.processedBy;
  const started = iso(job.processedOn);
  if (started) info.started_at = started;
  const finished = iso(job.finishedOn);
  if (finished && FINISHED.has(status)) info.finished_at = finished;
  return info;
}
