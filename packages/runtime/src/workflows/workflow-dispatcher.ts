import { LlmspellError, type ErrorCode, ErrorCodes } from '@llmspell/core';
import { encodeUnitRunId, type UnitDispatcher, type UnitOutcome, type WorkUnit } from '@llmspell/workflows';
import type { RunningScript, RuntimeHost } from '../global-scope.js';

type QueueModule = typeof import('@llmspell/queue');
type JobQueue = import('@llmspell/queue').JobQueue;

/** The runtime service holding the queue a runtime's distributed workflows dispatch to. */
const QUEUE_SERVICE = 'workflowUnitQueue';

/** Opens (once per runtime) the queue of `[queue]`, listening for job events. */
async function unitQueue(runtime: RuntimeHost): Promise<JobQueue> {
  let pending = runtime.service<Promise<JobQueue>>(QUEUE_SERVICE);
  if (!pending) {
    pending = (async () => {
      let mod: QueueModule;
      try {
        mod = await import('@llmspell/queue');
      } catch (error) {
        throw new LlmspellError('PACKAGE_NOT_INSTALLED', 'distributed workflows need the package @llmspell/queue: install it, or remove [queue] url / LLMSPELL_QUEUE_URL to run them here', { cause: error });
      }
      const queue = await mod.JobQueue.open(mod.queueSettings(runtime.config.queue as Record<string, unknown>));
      await queue.listen();
      return queue;
    })();
    runtime.services.set(QUEUE_SERVICE, pending);
    pending.catch(() => runtime.services.delete(QUEUE_SERVICE));
  }
  return pending;
}

/** Closes the runtime's unit queue, if one was opened. */
export async function closeUnitQueue(runtime: RuntimeHost): Promise<void> {
  const pending = runtime.service<Promise<JobQueue>>(QUEUE_SERVICE);
  runtime.services.delete(QUEUE_SERVICE);
  if (pending) await (await pending.catch(() => undefined))?.close();
}

function codeOf(text: string | undefined): ErrorCode {
  const code = /^([A-Z][A-Z_]+): /.exec(text ?? '')?.[1];
  return code && (ErrorCodes as readonly string[]).includes(code) ? (code as ErrorCode) : 'WORKFLOW_ERROR';
}

/**
 * Sends a distributed workflow's units to queue workers as jobs: the running script's text
 * and arguments, with a run id that names the unit (nothing else: each worker uses its own
 * config, keys and policy). Waits for each job's end; aborting cancels the job.
 */
export function queueUnitDispatcher(runtime: RuntimeHost, script: RunningScript, scriptRun: string): UnitDispatcher {
  return {
    async run(unit: WorkUnit, signal: AbortSignal): Promise<UnitOutcome> {
      if (signal.aborted) throw signal.reason instanceof LlmspellError ? signal.reason : new LlmspellError('CANCELLED', `${unit.unit} cancelled`);
      const queue = await unitQueue(runtime);
      const engine = script.engine === 'javascript' ? 'javascript' : 'lua';
      const id = await queue.submit(
        { script: { source: script.source, filename: script.filename, engine }, args: script.args, run_id: encodeUnitRunId({ ...unit, script_run: scriptRun }) },
        { kind: 'workflow-unit' },
      );
      runtime.logger.debug(`workflow '${unit.workflow}': ${unit.unit} of run '${unit.run_id}' queued as job ${id}`);
      const onAbort = () => void queue.cancel(id).catch(() => undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const info of queue.watch([id], { signal })) {
          if (info.status === 'completed') return info.result as UnitOutcome;
          throw new LlmspellError(codeOf(info.error), `${unit.unit} of workflow '${unit.workflow}' (job ${id}) ${info.status}: ${(info.error ?? 'no reason given').replace(/^[A-Z][A-Z_]+: /, '')}`, {
            details: { job: id, unit: unit.unit, run_id: unit.run_id },
          });
        }
        throw signal.reason instanceof LlmspellError ? signal.reason : new LlmspellError('CANCELLED', `${unit.unit} of workflow '${unit.workflow}' cancelled (job ${id})`);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
