import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { LlmspellError, isLlmspellError } from '@llmspell/core';
import { cancelChannel, cancelFlagKey } from './control-keys.js';
import { CANCELLED_PREFIX } from './job-info.js';
import { openJobLog } from './job-log.js';
import { JobPayloadSchema, type JobPayload } from './job-payload.js';
import { MAX_LINE_BYTES, MAX_RESULT_BYTES, clipText, printable } from './job-text.js';
import type { JobProgress } from './job-queue.js';
import { probeRedis, redisTarget, resilientConnection, scrub } from './redis-connection.js';
import { KEY_PREFIX, MAX_RATE_LIMIT_DELAY_MS, type QueueSettings } from './queue-settings.js';
import { TolerantWorker, corruptionOf } from './stored-job.js';

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
  /** Reports progress to whoever watches the job (`llmspell submit --wait`); its `text` is cut to 8 KiB. Never rejects. */
  progress(progress: JobProgress): Promise<void>;
  /**
   * Adds a line to the job's log (`llmspell jobs show`), cut to 8 KiB; the log keeps at most
   * 1000 lines and 1 MiB over all the job's runs, then says how much it dropped. Never throws.
   */
  log(line: string): void;
}

/**
 * Runs one job and resolves its result (any JSON value, at most 1 MiB as JSON: a larger one
 * fails the job with SIZE_LIMIT_EXCEEDED); a rejection is the job's error.
 */
export type JobRunner = (job: RunningJob) => Promise<unknown>;

export interface QueueWorkerOptions {
  settings: QueueSettings;
  run: JobRunner;
  /** Shown as the job's worker (`llmspell jobs show`); default `<hostname>:<pid>`. */
  name?: string;
  /** What the worker does, one line each (job started, finished, failed, returned), control characters escaped. */
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

function codeOf(error: unknown): string | undefined {
  if (isLlmspellError(error)) return error.code;
  const text = error instanceof Error ? error.message : String(error);
  return /^([A-Z][A-Z_]+): /.exec(text)?.[1];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A result as Redis will store it, or a SIZE_LIMIT_EXCEEDED message when it is too large to. */
function oversizedResult(id: string, result: unknown): string | undefined {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(result));
  } catch {
    return undefined; // not JSON: BullMQ says so
  }
  if (size <= MAX_RESULT_BYTES) return undefined;
  return `SIZE_LIMIT_EXCEEDED: job ${id}'s result is ${size} bytes of JSON; a job's result is kept in Redis and may be at most ${MAX_RESULT_BYTES} bytes: save a large result elsewhere (State, a file) and return where it is`;
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
  // Lines carry a job's file name and error text, which its submitter chose: escaped, they
  // cannot recolour a terminal or forge a line of the worker's own.
  const say = (line: string) => options.onActivity?.(printable(scrub(line, redis.secrets)));
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
    const corrupt = corruptionOf(job);
    const parsed = JobPayloadSchema.safeParse(job.data);
    if (corrupt || !parsed.success) {
      // Every worker would fail it alike: fail it now rather than let it come back.
      const message = clipText(corrupt
        ? `INVALID_ARGUMENT: job ${id} cannot run: ${corrupt}`
        : `INVALID_ARGUMENT: job ${id} is not an llmspell job (${parsed.error!.issues[0]?.path.join('.')}: ${parsed.error!.issues[0]?.message})`, MAX_LINE_BYTES);
      say(`job ${id} failed: ${message}`);
      throw new UnrecoverableError(message);
    }
    if (await control.exists(cancelFlagKey(settings.name, id))) throw new UnrecoverableError(`${CANCELLED_PREFIX} cancelled by \`llmspell jobs cancel\``);
    const attempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    const log = await openJobLog(control, `${KEY_PREFIX}:${settings.name}:${id}:logs`, (line) => job.log(line));
    const entry: Active = { controller: new AbortController() };
    active.set(id, entry);
    const running: RunningJob = {
      id,
      kind: job.name,
      payload: parsed.data,
      attempt,
      attempts,
      signal: entry.controller.signal,
      // Progress goes to the job (its last report) and to the queue's event stream: bounded too.
      progress: (p) => job.updateProgress({ ...p, ...(typeof p.text === 'string' ? { text: clipText(p.text, MAX_LINE_BYTES) } : {}), worker: name, attempt }).catch(() => undefined),
      log: (line) => log.write(line),
    };
    say(`job ${id} (${parsed.data.script.filename}) started, attempt ${attempt}/${attempts}`);
    let tooLarge: string | undefined;
    await running.progress({ event: 'started', text: `started on ${name} (attempt ${attempt}/${attempts})` });
    try {
      const result = await Promise.resolve().then(() => run(running)).finally(() => log.close());
      tooLarge = oversizedResult(id, result ?? null);
      if (tooLarge) {
        say(`job ${id} failed: ${tooLarge}`);
        throw new UnrecoverableError(tooLarge);
      }
      say(`job ${id} completed`);
      return result ?? null;
    } catch (error) {
      if (tooLarge) throw error;
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
      // The message is stored with the job (and in its progress) for as long as the job is kept.
      const message = clipText(scrub(messageOf(error), redis.secrets), MAX_LINE_BYTES);
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

  const worker = new TolerantWorker<JobPayload>(settings.name, processor, {
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
