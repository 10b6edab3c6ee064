import type { ScriptValue } from '@llmspell/core';
import { isLlmspellError, type LlmspellError } from '@llmspell/core/errors';
import type { ScriptArgs } from '@llmspell/runtime';
import { IsolatedHostPool, runIsolatedScript, type IsolationKind } from '@llmspell/runtime/isolation';
import type { EngineName } from './engines.js';
import { type GlobalFlags } from './parse-args.js';
import { UsageError } from './usage-error.js';
import { scriptHostEntry } from './script-host-path.js';
import type { CliIo } from './io.js';
import { takePrestartedHost } from './host-prestart.js';
import { CONFIG_WARNING_EVENT, sayWarning } from './config-warnings.js';
import { startProgress } from './progress.js';
import { startMark } from './start-marks.js';
import type { ScriptHostData, ScriptHostJob } from './script-host.js';

/** One script to run: what `run`, `exec`, `resume`, queue workers and `mcp serve` hand over. */
export interface ScriptJob {
  source: string;
  /** Shown in errors: `hello.lua:3: message`; a function names it from the engine in use (`<exec>.js`). */
  filename: string | ((engine: string) => string);
  /** Unset: the config's `default_engine` decides, in the host (which reads the config anyway). */
  engine?: EngineName;
  args: ScriptArgs;
  /** Absolute path of a script file (recorded with durable workflow runs). */
  file?: string;
  /** Set by `llmspell resume` (and queued workflow work): workflows continue this run. */
  resumeRunId?: string;
}

export interface ScriptJobOptions {
  /** Where the script's print/console lines go, already redacted, without newlines. */
  output: { stdout(text: string): void; stderr(text: string): void };
  /** Cancels the run (Ctrl-C, a cancelled queue job). */
  signal?: AbortSignal;
  /** Show the stderr progress line (only the interactive CLI commands do). */
  progress?: boolean;
  /** Told the engine the script runs on, once its host is ready. */
  onEngine?: (engine: EngineName) => void;
}

/** A failure the supervisor made by ending the host (killed at its limit, Ctrl-C, crashed). */
function hostWasEnded(error: unknown): boolean {
  return isLlmspellError(error) && (error.details as { hostEnded?: unknown } | undefined)?.hostEnded === true;
}

/** The script host's module, beside this one in the build. */
export const SCRIPT_HOST_MODULE = new URL('./script-host.js', import.meta.url);

export { scriptHostEntry } from './script-host-path.js';

/** `LLMSPELL_ISOLATION`: `process` (default) or `worker` (cheaper, weaker: see the runtime README). */
export function isolationKind(env: NodeJS.ProcessEnv): IsolationKind {
  const value = env.LLMSPELL_ISOLATION?.trim().toLowerCase();
  if (!value || value === 'process') return 'process';
  if (value === 'worker') return 'worker';
  throw new UsageError(`LLMSPELL_ISOLATION must be process or worker, got '${env.LLMSPELL_ISOLATION}'`);
}

/** Limits the flags force (the host reads the rest from the config). */
export function flagLimits(flags: GlobalFlags): { timeoutMs?: number; memoryBytes?: number } {
  const limits: { timeoutMs?: number; memoryBytes?: number } = {};
  if (flags.timeoutSeconds !== undefined) limits.timeoutMs = Math.round(flags.timeoutSeconds * 1000);
  if (flags.maxMemoryMb !== undefined) limits.memoryBytes = Math.round(flags.maxMemoryMb * 1024 * 1024);
  return limits;
}

/**
 * Runs one script under the configured runtime, policy and limits, and resolves with its
 * result. Errors are LlmspellErrors with secrets redacted. Every path that runs a user's
 * script goes through here, so the sandbox is the same for all of them: the script and the
 * tools it calls run in a child process this side kills at the time limit (plus a second),
 * so nothing a script does, native code and host-side memory included, can keep the CLI
 * from ending with a coded error.
 */
export async function runScriptJob(job: ScriptJob, flags: GlobalFlags, io: CliIo, options: ScriptJobOptions): Promise<ScriptValue> {
  const progress = options.progress ? startProgress(io, flags) : undefined;
  const clearing = (write: (text: string) => void) => (text: string) => {
    progress?.clear();
    write(text);
  };
  const data: ScriptHostData = {
    flags, cwd: io.cwd, isTTY: io.isTTY, file: job.file, args: job.args, resumeRunId: job.resumeRunId, progress: Boolean(progress?.active),
  };
  /** The history record of this run, announced by the host before the script starts. */
  let runId: string | undefined;
  try {
    startMark('main: starting host');
    return await runIsolatedScript({
      setupModule: SCRIPT_HOST_MODULE,
      hostEntry: scriptHostEntry(io.env),
      // started by bin.ts for `run` and `exec`; used only when started with these very settings
      prestarted: takePrestartedHost(),
      setupData: data,
      engine: job.engine ?? '',
      onEngine: options.onEngine as ((engine: string) => void) | undefined,
      source: job.source,
      filename: job.filename,
      args: job.args,
      signal: options.signal,
      limits: flagLimits(flags),
      isolation: isolationKind(io.env),
      env: io.env,
      cwd: io.cwd,
      output: { stdout: clearing(options.output.stdout), stderr: clearing(options.output.stderr) },
      write: { stdout: clearing(io.stdout), stderr: clearing(io.stderr) },
      onEvent: (type, value) => {
        // Sent by the host's telemetry itself (never forwarded from the script's event bus).
        if (type === 'run.started') runId ??= String((value as { run_id?: unknown } | null)?.run_id ?? '') || undefined;
        else if (type === CONFIG_WARNING_EVENT) sayWarning({ ...io, stderr: clearing(io.stderr) }, String(value));
        else if (progress?.active) progress.event(type, value);
      },
    }) as ScriptValue;
  } catch (error) {
    startMark('main: host done (error)');
    if (runId && hostWasEnded(error)) {
      const { recordStoppedRun } = await import('./commands/runs-stopped.js');
      await recordStoppedRun(flags, io, runId, error as LlmspellError);
    }
    throw error;
  } finally {
    startMark('main: host done');
    progress?.stop();
  }
}

/** Runs jobs from script hosts started ahead of them (see IsolatedHostPool): a queue worker's. */
export interface ScriptJobPool {
  /** Like runScriptJob, with the job's own (shorter) time limit. */
  run(job: ScriptJob, options: ScriptJobOptions & { timeoutMs?: number }): Promise<ScriptValue>;
  /** Starts hosts for an engine before its first job. */
  warm(engine: EngineName): void;
  close(): Promise<void>;
}

/**
 * Script hosts set up ahead of the jobs they will run, `spares` waiting per engine: a job's
 * run no longer waits for a host to start (config, tools, state, WASM), yet every job still
 * has a host process of its own, closed after it, exactly as `runScriptJob` gives it. What
 * differs between jobs reaches the host before the run: arguments, file, run id, time limit.
 */
export function startScriptJobPool(flags: GlobalFlags, io: CliIo, spares: number): ScriptJobPool {
  const data: ScriptHostData = { flags, cwd: io.cwd, isTTY: io.isTTY, progress: false };
  const pool = new IsolatedHostPool({
    setupModule: SCRIPT_HOST_MODULE,
    hostEntry: scriptHostEntry(io.env),
    setupData: data,
    limits: flagLimits(flags),
    isolation: isolationKind(io.env),
    env: io.env,
    cwd: io.cwd,
    write: { stdout: io.stdout, stderr: io.stderr },
    spares,
  });
  return {
    async run(job, options) {
      const prepare: ScriptHostJob = { file: job.file, args: job.args, resumeRunId: job.resumeRunId };
      return (await pool.run(job.source, {
        engine: job.engine ?? '', filename: job.filename, args: job.args, signal: options.signal, output: options.output, prepare, timeoutMs: options.timeoutMs,
      })) as ScriptValue;
    },
    warm: (engine) => pool.warm(engine),
    close: () => pool.close(),
  };
}
