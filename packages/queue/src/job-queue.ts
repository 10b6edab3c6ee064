import { QueueEvents, type Job, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { LlmspellError } from '@llmspell/core';
import { CONTROL_TTL_SECONDS, cancelChannel, cancelFlagKey, tombstoneKey } from './control-keys.js';
import { CANCELLED_PREFIX, FINISHED, jobInfo, statusOf, type JobInfo, type JobStatus } from './job-info.js';
import { checkPayload, type JobPayload } from './job-payload.js';
import { hasControlCharacters } from './job-text.js';
import { probeRedis, redisTarget, resilientConnection, toQueueError, type RedisTarget } from './redis-connection.js';
import { KEY_PREFIX, QUEUE_DEFAULTS, type QueueSettings } from './queue-settings.js';
import { TolerantQueue } from './stored-job.js';

export interface SubmitOptions {
  /** Runs before the job ends failed (default: the queue's `attempts`). */
  attempts?: number;
  /** `script` (default) or `workflow-unit`: shown by `llmspell jobs`. */
  kind?: string;
}

/** A job's progress as workers report it (`event` says what happened). */
export interface JobProgress {
  event: string;
  worker?: string;
  attempt?: number;
  text?: string;
  [key: string]: unknown;
}

export interface WatchOptions {
  /** Called for every progress report, stall and retry of a watched job. */
  onProgress?: (id: string, progress: JobProgress) => void;
  /** Stops watching (the generator then ends). */
  signal?: AbortSignal;
}

const LISTED: JobType[] = ['active', 'waiting', 'prioritized', 'delayed', 'failed', 'completed'];

/**
 * The producer and inspector side of an llmspell queue (BullMQ on Redis): submits jobs,
 * shows them, retries and cancels them, and follows them to the end. It only carries
 * jobs; running them is a worker's business (`startQueueWorker`).
 */
export class JobQueue {
  readonly settings: QueueSettings;
  readonly target: string;
  readonly #redis: RedisTarget;
  readonly #queue: TolerantQueue<JobPayload>;
  readonly #control: Redis;
  /** Connections handed to BullMQ: it does not close what it did not open. */
  readonly #connections: Redis[] = [];
  #events: QueueEvents | undefined;
  #closed = false;

  private constructor(settings: QueueSettings, redis: RedisTarget) {
    this.settings = settings;
    this.#redis = redis;
    this.target = redis.target;
    this.#queue = new TolerantQueue<JobPayload>(settings.name, { connection: this.connection(), prefix: KEY_PREFIX });
    this.#queue.on('error', () => undefined);
    this.#control = resilientConnection(redis);
  }

  /** Checks that Redis answers, then opens the queue. */
  static async open(settings: Pick<QueueSettings, 'url'> & Partial<QueueSettings>): Promise<JobQueue> {
    const full: QueueSettings = { ...QUEUE_DEFAULTS, ...settings };
    const redis = redisTarget(full.url);
    await probeRedis(redis, `cannot open queue '${full.name}'`);
    return new JobQueue(full, redis);
  }

  private connection(): Redis {
    const c = resilientConnection(this.#redis);
    this.#connections.push(c);
    return c;
  }

  private fail(error: unknown, action: string): LlmspellError {
    return toQueueError(error, this.#redis, action);
  }

  private jobOptions(options: SubmitOptions) {
    const attempts = options.attempts ?? this.settings.attempts;
    if (!Number.isInteger(attempts) || attempts < 1) throw new LlmspellError('INVALID_ARGUMENT', `attempts must be a positive integer, got ${attempts}`, { details: { parameter: 'attempts' } });
    // The kind is printed by `llmspell jobs`: no control characters, as for a script's file name.
    if (options.kind !== undefined && (options.kind === '' || options.kind.length > 64 || hasControlCharacters(options.kind))) {
      throw new LlmspellError('INVALID_ARGUMENT', 'kind must be 1-64 characters without control characters', { details: { parameter: 'kind' } });
    }
    return {
      attempts,
      backoff: { type: 'exponential', delay: this.settings.backoffMs },
      removeOnComplete: { count: this.settings.keepCompleted },
      removeOnFail: { count: this.settings.keepFailed },
    };
  }

  /** Enqueues one job; resolves its id. */
  async submit(payload: JobPayload, options: SubmitOptions = {}): Promise<string> {
    return (await this.submitMany([payload], options))[0];
  }

  /** Enqueues jobs in one round trip; resolves their ids in order. */
  async submitMany(payloads: JobPayload[], options: SubmitOptions = {}): Promise<string[]> {
    const checked = payloads.map((p) => checkPayload(p));
    const opts = this.jobOptions(options);
    const name = options.kind ?? 'script';
    try {
      const jobs = await this.#queue.addBulk(checked.map((data) => ({ name, data, opts })));
      return jobs.map((j) => String(j.id));
    } catch (error) {
      throw this.fail(error, 'cannot submit jobs');
    }
  }

  private async tombstone(id: string): Promise<JobInfo | undefined> {
    const text = await this.#control.get(tombstoneKey(this.settings.name, id));
    if (!text) return undefined;
    try {
      return JSON.parse(text) as JobInfo;
    } catch {
      // Only a record of a job removed before it ran: unreadable, it is as good as expired.
      return undefined;
    }
  }

  private async fetch(id: string): Promise<{ job?: Job<JobPayload>; info?: JobInfo }> {
    try {
      // The state first, then the data: a job that finishes in between is read as finished
      // with its result, never as finished without one.
      const state = await this.#queue.getJobState(id);
      const job = (await this.#queue.getJob(id)) as Job<JobPayload> | undefined;
      if (job) return { job, info: jobInfo(job, state === 'unknown' ? await job.getState() : state) };
      const info = await this.tombstone(id);
      return info ? { info } : {};
    } catch (error) {
      throw this.fail(error, `cannot read job ${id}`);
    }
  }

  /** The job, or undefined when the queue does not know it (never existed, or removed by retention). */
  async get(id: string): Promise<JobInfo | undefined> {
    return (await this.fetch(id)).info;
  }

  private async require(id: string): Promise<{ job?: Job<JobPayload>; info: JobInfo }> {
    const found = await this.fetch(id);
    if (!found.info) throw new LlmspellError('NOT_FOUND', `no job '${id}' in queue '${this.settings.name}' (${this.target})`, { details: { id } });
    return found as { job?: Job<JobPayload>; info: JobInfo };
  }

  /** The lines the job's script printed (and the worker's notes), oldest first. */
  async logs(id: string): Promise<string[]> {
    try {
      return (await this.#queue.getJobLogs(id, 0, -1, true)).logs;
    } catch (error) {
      throw this.fail(error, `cannot read the log of job ${id}`);
    }
  }

  /** Jobs newest first, optionally only those in some states. */
  async list(options: { statuses?: JobStatus[]; limit?: number } = {}): Promise<JobInfo[]> {
    const limit = options.limit ?? 50;
    const wanted = options.statuses && options.statuses.length > 0 ? new Set(options.statuses) : undefined;
    const types: JobType[] = wanted
      ? LISTED.filter((t) => wanted.has(statusOf(t)) || (t === 'failed' && wanted.has('cancelled')))
      : LISTED;
    try {
      const jobs = (await this.#queue.getJobs(types, 0, Math.max(limit * 2, limit + 50), false)) as Array<Job<JobPayload>>;
      // Each job is read again for its current state; one that cannot be (whatever is wrong with
      // it) is listed as the listing read it, rather than failing the whole list.
      const infos = await Promise.all(jobs.filter(Boolean).map(async (j) => {
        const again = await this.fetch(String(j.id)).catch(() => undefined);
        return again?.info ?? jobInfo(j, await j.getState());
      }));
      return infos
        .filter((i) => !wanted || wanted.has(i.status))
        .sort((a, b) => b.created_at.localeCompare(a.created_at) || Number(b.id) - Number(a.id))
        .slice(0, limit);
    } catch (error) {
      throw this.fail(error, 'cannot list jobs');
    }
  }

  /** Counts by status (waiting counts prioritized jobs too). */
  async counts(): Promise<Record<string, number>> {
    try {
      const c = await this.#queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed');
      return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 };
    } catch (error) {
      throw this.fail(error, 'cannot count jobs');
    }
  }

  /** Runs a failed (or cancelled, or completed) job again, with all its attempts. */
  async retry(id: string): Promise<JobInfo> {
    const { job, info } = await this.require(id);
    if (!job) throw new LlmspellError('INVALID_ARGUMENT', `job ${id} was cancelled before it started and is no longer in the queue: submit it again`);
    if (info.corrupt) throw new LlmspellError('INVALID_ARGUMENT', `job ${id} cannot run again: ${info.corrupt}; remove it (\`llmspell jobs cancel ${id}\`) and submit it again`, { details: { id } });
    if (!FINISHED.has(info.status)) throw new LlmspellError('INVALID_ARGUMENT', `job ${id} is ${info.status}: only a failed, cancelled or completed job can be retried`);
    try {
      await this.#control.del(cancelFlagKey(this.settings.name, id));
      await job.retry(info.status === 'completed' ? 'completed' : 'failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (error) {
      throw this.fail(error, `cannot retry job ${id}`);
    }
    return (await this.get(id))!;
  }

  /**
   * Cancels a job: one still waiting is removed from the queue (and remembered as cancelled);
   * one running is stopped by its worker, wherever it runs, and ends `cancelled` without
   * further attempts. A job whose data is corrupt (`JobInfo.corrupt`) is removed whatever its
   * status, unless a worker holds it (it then fails it). Resolves how it went.
   */
  async cancel(id: string): Promise<{ id: string; outcome: 'removed' | 'stopping' | 'already finished'; status: JobStatus; corrupt?: string }> {
    const { job, info } = await this.require(id);
    if (!job || (FINISHED.has(info.status) && !info.corrupt)) return { id, outcome: 'already finished', status: info.status };
    const name = this.settings.name;
    try {
      if (!FINISHED.has(info.status)) await this.#control.set(cancelFlagKey(name, id), '1', 'EX', CONTROL_TTL_SECONDS);
      if (info.status === 'waiting' || info.status === 'delayed' || info.corrupt) {
        try {
          await job.remove();
          const why = info.corrupt ? `removed: ${info.corrupt}` : 'cancelled before it started';
          const record: JobInfo = { ...info, status: 'cancelled', error: `${CANCELLED_PREFIX} ${why}`, finished_at: new Date().toISOString() };
          await this.#control.set(tombstoneKey(name, id), JSON.stringify(record), 'EX', CONTROL_TTL_SECONDS);
          return { id, outcome: 'removed', status: 'cancelled', ...(info.corrupt ? { corrupt: info.corrupt } : {}) };
        } catch {
          // A worker took it meanwhile (it is locked): stop it where it runs.
        }
      }
      if (FINISHED.has(info.status)) return { id, outcome: 'already finished', status: info.status };
      await this.#control.publish(cancelChannel(name), id);
      return { id, outcome: 'stopping', status: info.status };
    } catch (error) {
      throw this.fail(error, `cannot cancel job ${id}`);
    }
  }

  /**
   * Starts listening to the queue's events now, so a `watch` begun after submitting misses no
   * progress report made in between (call it before `submit` when you will watch).
   */
  async listen(): Promise<void> {
    await this.events();
  }

  private async events(): Promise<QueueEvents> {
    if (!this.#events) {
      this.#events = new QueueEvents(this.settings.name, { connection: this.connection(), prefix: KEY_PREFIX });
      this.#events.on('error', () => undefined);
      // Every concurrent watch listens here (a distributed loop may follow dozens of units).
      this.#events.setMaxListeners(0);
      await this.#events.waitUntilReady();
    }
    return this.#events;
  }

  /**
   * Follows jobs until each has finished, yielding each one once, as it finishes (completed,
   * failed after its last attempt, or cancelled). Progress, stalls and retries go to
   * `onProgress`. Events give the news at once; a sweep of the jobs' states every second or
   * so catches anything an event could not tell (a job finished before watching began).
   */
  async *watch(ids: string[], options: WatchOptions = {}): AsyncGenerator<JobInfo> {
    const pending = new Set(ids);
    const ready: JobInfo[] = [];
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const settle = (info: JobInfo) => {
      if (!pending.delete(info.id)) return;
      ready.push(info);
      notify();
    };
    const check = async (id: string) => {
      if (!pending.has(id)) return;
      const info = await this.get(id);
      if (!info) settle({ id, kind: 'script', status: 'unknown', script: '(unknown)', attempts_made: 0, attempts: 0, rate_limited: 0, stalled: 0, created_at: new Date(0).toISOString(), error: 'NOT_FOUND: the queue no longer knows this job (removed, or beyond queue.keep_completed / keep_failed)' });
      else if (FINISHED.has(info.status)) settle(info);
    };
    const events = await this.events();
    const listeners: Array<[string, (...a: any[]) => void]> = [
      ['completed', ({ jobId }: { jobId: string }) => void check(jobId).catch(() => undefined)],
      ['failed', ({ jobId }: { jobId: string }) => void check(jobId).catch(() => undefined)],
      ['removed', ({ jobId }: { jobId: string }) => void check(jobId).catch(() => undefined)],
      ['progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
        if (pending.has(jobId) && data && typeof data === 'object') options.onProgress?.(jobId, data as JobProgress);
      }],
      ['stalled', ({ jobId }: { jobId: string }) => {
        if (pending.has(jobId)) options.onProgress?.(jobId, { event: 'stalled', text: 'its worker stopped answering (killed?); the job goes back to the queue' });
      }],
    ];
    for (const [name, fn] of listeners) events.on(name as 'completed', fn);
    const onAbort = () => notify();
    options.signal?.addEventListener('abort', onAbort);
    let sweeping = false;
    const sweep = async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        const ids = [...pending];
        for (let i = 0; i < ids.length; i += 100) await Promise.all(ids.slice(i, i + 100).map(check));
      } catch {
        // a failed sweep is tried again at the next tick
      } finally {
        sweeping = false;
      }
    };
    const timer = setInterval(() => void sweep(), Math.max(1000, Math.min(10_000, pending.size * 2)));
    try {
      await sweep();
      while (pending.size > 0 || ready.length > 0) {
        if (ready.length > 0) {
          yield ready.shift()!;
          continue;
        }
        if (options.signal?.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      clearInterval(timer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const [name, fn] of listeners) events.off(name as 'completed', fn);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#events?.close().catch(() => undefined);
    await this.#queue.close().catch(() => undefined);
    this.#control.disconnect();
    for (const c of this.#connections) c.disconnect();
  }
}
