import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { LlmspellError, isLlmspellError } from '@llmspell/core';
import { cancelChannel, cancelFlagKey } from './control-keys.js';
import { CANCELLED_PREFIX } from './job-info.js';
import { JobPayloadSchema, type JobPayload } from './job-payload.js';
import type { JobProgress } from './job-queue.js';
import { probeRedis, redisTarget, resilientConnection, scrub } from './redis-connection.js';
import { KEY_PREFIX, MAX_RATE_LIMIT_DELAY_MS, type QueueSettings } from './queue-settings.js';

/** One job as a worker's runner sees it. */
export interface RunningJob {
  id: string;
  /** `script` or `workflow-unit`. */
  kind: string;
  payload: JobPayload;
  /** This run's number (1 for the first) and the runs allowed. */
  attempt: number;
  attempts: number;
  /** Aborts when the job is cancelled, or returned to the queue because the worker stops. */
  signal: AbortSignal;
  /** Reports progress to whoever watches the job (`llmspell submit --wait`). Never rejects. */
  progress(progress: JobProgress): Promise<void>;
  /** Adds a line to the job's log (`llmspell jobs show`). Never throws. */
  log(line: string): void;
}

/** Runs one job and resolves its result (any JSON value); a rejection is the job's error. */
export type JobRunner = (job: RunningJob) => Promise<unknown>;

export interface QueueWorkerOptions {
  settings: QueueSettings;
  run: JobRunner;
  /** Shown as the job's worker (`llmspell jobs show`); default `<hostname>:<pid>`. */
  name?: string;
  /** What the worker does, one line each (job started, finished, failed, returned). */
  onActivity?: (line: string) => void;
}

export interface QueueWorker {
  readonly name: string;
  /** Jobs running now. */
  running(): number;
  /**
   * Stops taking jobs and resolves once the running ones are done. With `returnAfterMs`, jobs
   * still running then are stopped and put back in the queue, without using an attempt.
   */
  close(options?: { returnAfterMs?: number }): Promise<void>;
  /** Stops the running jobs now and puts them back in the queue (a second Ctrl-C). */
  returnJobs(): void;
}

/** Errors that would fail the same way on any worker, at any time: no further attempts. */
const UNRECOVERABLE = new Set(['SCRIPT_SYNTAX_ERROR', 'INVALID_ARGUMENT']);
/** Lines of a job's output kept in its log; the rest is summarised. */
const MAX_LOG_LINES = 1000;

function codeOf(error: unknown): string | undefined {
  if (isLlmspellError(error)) return error.code;
  const text = error instanceof Error ? error.message : String(error);
  return /^([A-Z][A-Z_]+): /.exec(text)?.[1];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Active {
  controller: AbortController;
  reason?: 'cancel' | 'return';
}

/**
 * Takes jobs from the queue and runs each through `run`, `concurrency` at a time. BullMQ
 * keeps a renewed lock on each running job: if this process dies (even by SIGKILL) the lock
 * lapses and another worker runs the job again (stalled-job recovery). A provider's rate
 * limit (an error coded RATE_LIMITED) puts the job back as delayed, without using an attempt;
 * other errors use an attempt and are retried with exponential backoff until none remain.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { settings, run } = options;
  const redis = redisTarget(settings.url);
  await probeRedis(redis, `worker cannot reach queue '${settings.name}'`);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const say = (line: string) => options.onActivity?.(scrub(line, redis.secrets));
  const connections: Redis[] = [];
  const connection = () => {
    const c = resilientConnection(redis);
    connections.push(c);
    return c;
  };
  const control = connection();
  const active = new Map<string, Active>();

  const processor = async (job: Job<JobPayload>, token?: string): Promise<unknown> => {
    const id = String(job.id);
    const parsed = JobPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`INVALID_ARGUMENT: job ${id} is not an llmspell job (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
    }
    if (await control.exists(cancelFlagKey(settings.name, id))) throw new UnrecoverableError(`${CANCELLED_PREFIX} cancelled by \`llmspell jobs cancel\``);
    const attempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    const entry: Active = { controller: new AbortController() };
    active.set(id, entry);
    let logged = 0;
    const running: RunningJob = {
      id,
      kind: job.name,
      payload: parsed.data,
      attempt,
      attempts,
      signal: entry.controller.signal,
      progress: (p) => job.updateProgress({ ...p, worker: name, attempt }).catch(() => undefined),
      log: (line) => {
        logged++;
        if (logged <= MAX_LOG_LINES) void job.log(line).catch(() => undefined);
        else if (logged === MAX_LOG_LINES + 1) void job.log(`… output beyond ${MAX_LOG_LINES} lines is not kept`).catch(() => undefined);
      },
    };
    say(`job ${id} (${parsed.data.script.filename}) started, attempt ${attempt}/${attempts}`);
    await running.progress({ event: 'started', text: `started on ${name} (attempt ${attempt}/${attempts})` });
    try {
      const result = await run(running);
      say(`job ${id} completed`);
      return result ?? null;
    } catch (error) {
      if (entry.reason === 'return') {
        await job.moveToWait(token);
        say(`job ${id} returned to the queue (worker stopping)`);
        throw new WaitingError();
      }
      if (entry.reason === 'cancel') {
        say(`job ${id} cancelled`);
        throw new UnrecoverableError(`${CANCELLED_PREFIX} cancelled by \`llmspell jobs cancel\` while running on ${name}`);
      }
      const code = codeOf(error);
      const message = scrub(messageOf(error), redis.secrets);
      if (code === 'RATE_LIMITED') {
        const count = (parsed.data.rate_limited ?? 0) + 1;
        if (count <= settings.maxRateLimitDelays) {
          const delay = Math.min(MAX_RATE_LIMIT_DELAY_MS, settings.rateLimitDelayMs * 2 ** (count - 1));
          await job.updateData({ ...parsed.data, rate_limited: count });
          await running.progress({ event: 'rate_limited', delay_ms: delay, text: `rate limited, runs again in ${delay} ms (${count}/${settings.maxRateLimitDelays})` });
          await job.moveToDelayed(Date.now() + delay, token);
          say(`job ${id} rate limited: runs again in ${delay} ms`);
          throw new DelayedError();
        }
        throw new UnrecoverableError(`${message} (still rate limited after ${count - 1} delayed retries)`);
      }
      if (code && UNRECOVERABLE.has(code)) {
        say(`job ${id} failed: ${message}`);
        throw new UnrecoverableError(message);
      }
      if (attempt < attempts) {
        const delay = settings.backoffMs * 2 ** (attempt - 1);
        await running.progress({ event: 'retrying', delay_ms: delay, text: `attempt ${attempt}/${attempts} failed: ${message}; runs again in ${delay} ms` });
        say(`job ${id} attempt ${attempt}/${attempts} failed: ${message}`);
      } else {
        say(`job ${id} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${message}`);
      }
      throw new Error(message);
    } finally {
      active.delete(id);
    }
  };

  const worker = new Worker<JobPayload>(settings.name, processor, {
    connection: connection(),
    prefix: KEY_PREFIX,
    name,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
    removeOnComplete: { count: settings.keepCompleted },
    removeOnFail: { count: settings.keepFailed },
    autorun: false,
  });
  worker.on('error', (error) => say(`queue error: ${messageOf(error)}`));

  const stop = (id: string, reason: 'cancel' | 'return') => {
    const entry = active.get(id);
    if (!entry || entry.reason) return;
    entry.reason = reason;
    entry.controller.abort(new LlmspellError('CANCELLED', reason === 'cancel' ? 'job cancelled' : 'worker stopping: job returned to the queue'));
  };
  // Cancels reach the worker running the job at once through a channel; the flag check below
  // catches any message missed while the subscription reconnected.
  const subscriber = connection();
  await subscriber.subscribe(cancelChannel(settings.name));
  subscriber.on('message', (_channel: string, id: string) => stop(id, 'cancel'));
  const flagCheck = setInterval(() => {
    for (const id of active.keys()) {
      void control.exists(cancelFlagKey(settings.name, id)).then((n) => n && stop(id, 'cancel'), () => undefined);
    }
  }, 2000);
  flagCheck.unref();

  void worker.run().catch((error: unknown) => say(`worker stopped: ${messageOf(error)}`));
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  const returnJobs = () => {
    for (const id of active.keys()) stop(id, 'return');
  };
  return {
    name,
    running: () => active.size,
    returnJobs,
    close(closeOptions = {}) {
      if (!closing) {
        closing = (async () => {
          const timer = closeOptions.returnAfterMs !== undefined ? setTimeout(returnJobs, closeOptions.returnAfterMs) : undefined;
          try {
            await worker.close();
          } finally {
            clearTimeout(timer);
            clearInterval(flagCheck);
            for (const c of connections) c.disconnect();
          }
        })();
      }
      return closing;
    },
  };
}
