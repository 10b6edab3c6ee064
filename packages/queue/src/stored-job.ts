import { Job, Queue, Worker } from 'bullmq';

/** Why a job read from Redis has no usable data; only jobs read through the classes below. */
const corruption = new WeakMap<Job, string>();

/** Why the job's stored data could not be read (not JSON), or undefined when it could. */
export function corruptionOf(job: Job): string | undefined {
  return corruption.get(job);
}

/**
 * A job whose stored data is not JSON (written by hand, or by something other than llmspell)
 * is read with empty data and the reason on the side. BullMQ would throw instead: a listing
 * that meets such a job fails as a whole, and a worker that takes it throws before any
 * processor runs, so the job stays active until the stalled check hands it back, for ever.
 */
class StoredJob extends Job {
  static override fromJSON<T = any, R = any, N extends string = string>(...[queue, json, jobId]: Parameters<typeof Job.fromJSON>): Job<T, R, N> {
    try {
      return super.fromJSON<T, R, N>(queue, json, jobId);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      const job = super.fromJSON<T, R, N>(queue, { ...json, data: '{}' }, jobId);
      corruption.set(job, `its data in Redis is not valid JSON (${error.message})`);
      return job;
    }
  }
}

/** A BullMQ queue whose reads survive a job with corrupt data (see `corruptionOf`). */
export class TolerantQueue<T> extends Queue<T> {
  protected override get Job(): typeof Job {
    return StoredJob as typeof Job;
  }
}

/** A BullMQ worker that hands a job with corrupt data to its processor (see `corruptionOf`). */
export class TolerantWorker<T> extends Worker<T> {
  protected override get Job(): typeof Job {
    return StoredJob as typeof Job;
  }
}
