import { ErrorCodes, LlmspellError, type ErrorCode, type ScriptValue } from '@llmspell/core';
import { scriptLimitsFromConfig } from '@llmspell/runtime';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { startScriptJobPool } from '../script-job.js';
import { defaultEngineOf } from '../engines.js';
import { loadQueue, positiveIntFlag, queueSettingsFor } from './queue-common.js';

function isFailedUnit(value: unknown): value is { success: false; error?: string | null } {
  return typeof value === 'object' && value !== null && typeof (value as { llmspell_unit?: unknown }).llmspell_unit === 'string' && (value as { success?: unknown }).success === false;
}

function unitError(text: string | null | undefined): LlmspellError {
  const message = text ?? 'the unit failed';
  const code = /^([A-Z][A-Z_]+): /.exec(message)?.[1];
  return code && (ErrorCodes as readonly string[]).includes(code)
    ? new LlmspellError(code as ErrorCode, message.slice(code.length + 2))
    : new LlmspellError('WORKFLOW_ERROR', message);
}

/**
 * Output of one job forwarded as progress, in lines and bytes (all of it, up to its log's
 * limits, goes to its log): each report also sits in the queue's event stream in Redis.
 */
const MAX_PROGRESS_LINES = 200;
const MAX_PROGRESS_BYTES = 256 * 1024;

/**
 * `llmspell worker [--queue URL] [--concurrency N] [--name NAME]`: takes jobs from the queue
 * and runs each like `llmspell run`, with this machine's config, keys, limits and policy
 * (the job brings only its script, arguments and run id). The first SIGTERM or Ctrl-C stops
 * taking jobs and lets the running ones finish; a second puts them back in the queue.
 */
export async function workerCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError(`unexpected argument '${args.positionals[1]}': llmspell worker [--queue URL] [--concurrency N] [--name NAME]`);
  const { settings, loaded } = await queueSettingsFor(args, io);
  const concurrency = positiveIntFlag(args, 'concurrency');
  if (concurrency !== undefined) settings.concurrency = concurrency;
  const name = args.options.name;
  if (name === true || (typeof name === 'string' && !/^[\w.:@-]{1,100}$/.test(name))) throw new UsageError('--name needs a name of letters, digits and _ . : @ -');
  const workerLimitMs = scriptLimitsFromConfig(loaded.config).timeoutMs;
  const { startQueueWorker, describeRedisUrl, clipText } = await loadQueue(io.cwd);
  let worker: Awaited<ReturnType<typeof startQueueWorker>> | undefined;
  const note = (line: string) => {
    if (!args.flags.quiet) io.stderr(`[worker ${worker?.name ?? name ?? ''}] ${line}\n`);
  };
  // Signals are handled from the start: one that arrives while the worker connects must
  // still stop it cleanly, not kill the process before its handler exists.
  let stops = 0;
  let closed!: () => void;
  const stopped = new Promise<void>((resolve) => (closed = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    stops++;
    if (!worker) return;
    if (stops === 1) {
      const running = worker.running();
      note(`${signal}: taking no more jobs${running ? `, finishing ${running} running (${signal} again puts them back in the queue)` : ''}`);
      void worker.close().then(closed, closed);
    } else {
      note(`${signal} again: putting running jobs back in the queue`);
      worker.returnJobs();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const flags = args.flags;
  // Each job runs in a script host of its own, set up before the job arrives (one waiting per
  // slot, for each engine in use): a job's own distributed workflows run in place, since a
  // job waiting on units that need this worker's slots could wait for ever.
  const hosts = startScriptJobPool(flags, { ...io, env: { ...io.env, LLMSPELL_DISTRIBUTE_WORKFLOWS: 'false' } }, settings.concurrency);
  hosts.warm(defaultEngineOf(loaded));
  try {
    worker = await startQueueWorker({
      settings,
      name: typeof name === 'string' ? name : undefined,
      onActivity: note,
      run: async (job) => {
        // A job may ask for less time than this worker allows, never for more.
        const asked = job.payload.options?.timeout_seconds;
        // At least 1 ms: a job from a submitter that let a smaller value through then ends
        // SCRIPT_TIMEOUT, as a job out of time should, not with a complaint about the limit.
        const timeoutMs = asked === undefined ? undefined : Math.max(1, Math.round(Math.min(asked, flags.timeoutSeconds ?? Infinity, workerLimitMs / 1000) * 1000));
        let lines = 0;
        let bytes = 0;
        const forward = (stream: 'stdout' | 'stderr') => (text: string) => {
          job.log(stream === 'stderr' ? `[stderr] ${text}` : text);
          if (lines > MAX_PROGRESS_LINES) return;
          const shown = clipText(text);
          bytes += Buffer.byteLength(shown);
          if (++lines <= MAX_PROGRESS_LINES && bytes <= MAX_PROGRESS_BYTES) {
            void job.progress({ event: 'output', stream, text: shown });
          } else {
            lines = MAX_PROGRESS_LINES + 1;
            void job.progress({ event: 'output_not_forwarded', text: `further output is not forwarded (over ${MAX_PROGRESS_LINES} lines or ${MAX_PROGRESS_BYTES / 1024} KiB); \`llmspell jobs show ${job.id}\` shows the job's log` });
          }
        };
        const { script, args: scriptArgs, run_id } = job.payload;
        const result: ScriptValue = await hosts.run(
          { source: script.source, filename: script.filename, engine: script.engine, args: scriptArgs, ...(run_id ? { resumeRunId: run_id } : {}) },
          { output: { stdout: forward('stdout'), stderr: forward('stderr') }, signal: job.signal, timeoutMs },
        );
        // A distributed workflow's unit whose steps failed is a failed job: it gets the job's
        // retries (its completed steps are checkpointed, so a retry starts at the failed one).
        if (job.kind === 'workflow-unit' && isFailedUnit(result)) throw unitError(result.error);
        return result;
      },
    });
    if (stops > 0) void worker.close().then(closed, closed);
    else note(`ready: taking jobs from queue '${settings.name}' at ${describeRedisUrl(settings.url)}, ${settings.concurrency} at a time`);
    await stopped;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    await hosts.close();
  }
  note('stopped');
  return 0;
}
