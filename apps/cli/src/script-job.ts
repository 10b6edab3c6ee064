import { LlmspellError, isLlmspellError, type ScriptValue } from '@llmspell/core';
import type { ScriptArgs } from '@llmspell/runtime';
import { composeRuntime } from './compose-runtime.js';
import { loadEngine, preloadEngine } from './engines.js';
import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';
import { startProgress } from './progress.js';

/** One script to run: what `run`, `exec`, `resume`, queue workers and `mcp serve` hand over. */
export interface ScriptJob {
  source: string;
  /** Shown in errors: `hello.lua:3: message`. */
  filename: string;
  engine: 'lua' | 'javascript';
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
}

/**
 * Runs one script under the configured runtime, policy and limits, and resolves with its
 * result. Errors are LlmspellErrors with secrets redacted. Every path that runs a user's
 * script goes through here, so the sandbox is the same for all of them.
 */
export async function runScriptJob(job: ScriptJob, flags: GlobalFlags, io: CliIo, options: ScriptJobOptions): Promise<ScriptValue> {
  preloadEngine(job.engine);
  const { runtime } = await composeRuntime(flags, io);
  if (job.file) runtime.services.set('scriptInfo', { file: job.file, engine: job.engine, args: job.args });
  if (job.resumeRunId) runtime.services.set('resumeRunId', job.resumeRunId);
  const progress = options.progress ? startProgress(runtime, io, flags) : { clear() {}, stop() {} };
  try {
    const engine = await loadEngine(job.engine);
    const result = await runtime.runScript(engine, job.source, {
      filename: job.filename,
      args: job.args,
      signal: options.signal,
      output: {
        stdout: (t) => {
          progress.clear();
          options.output.stdout(runtime.policy.redact(t));
        },
        stderr: (t) => {
          progress.clear();
          options.output.stderr(runtime.policy.redact(t));
        },
      },
    });
    progress.stop();
    return runtime.policy.redactValue(result) as ScriptValue;
  } catch (error) {
    // Error text can quote what a tool or provider saw; secrets must not reach stderr.
    if (isLlmspellError(error)) {
      throw new LlmspellError(error.code, runtime.policy.redact(error.detail), { details: runtime.policy.redactValue(error.details), cause: error });
    }
    throw new Error(runtime.policy.redact(error instanceof Error ? error.message : String(error)));
  } finally {
    progress.stop();
    await runtime.close();
  }
}
