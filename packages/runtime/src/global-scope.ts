import type { ExecutionContext, ScriptOutput, ScriptValue } from '@llmspell/core';
import type { HandleTable } from './handles.js';
import type { LlmspellRuntime, ScriptArgs } from './runtime.js';

/** The script a `runScript` call runs (what a distributed workflow sends its workers). */
export interface RunningScript {
  source: string;
  filename: string;
  engine: string;
  args: ScriptArgs;
}

/** Everything a global factory needs to build one script's globals. */
export interface GlobalScope {
  readonly runtime: LlmspellRuntime;
  /** "lua" or "javascript": a few globals differ (JS keeps its native JSON). */
  readonly language: string;
  readonly handles: HandleTable;
  readonly output: ScriptOutput;
  /** A fresh execution context for one host call made by this script. */
  context(): ExecutionContext;
  /** The signal of the current script run (cancels host calls when the run ends). */
  readonly signal: AbortSignal;
  /** The script being run, when it runs through `runScript` (not in a REPL session). */
  readonly script?: RunningScript;
  /**
   * Ends the current run now: `runScript` resolves with `value`, and the script, stopped like
   * a cancelled one, cannot catch it. Only with `runScript`.
   */
  finish?(value: ScriptValue): void;
}

export type GlobalFactory = (scope: GlobalScope) => Record<string, ScriptValue>;

/** A feature plugs a package (state, hooks, agents, workflows) into the runtime. */
export interface RuntimeFeature {
  readonly name: string;
  /** Creates the feature's services; runs once when the runtime is created. */
  setup?(runtime: LlmspellRuntime): void | Promise<void>;
  /** The script globals this feature adds. */
  globals?: GlobalFactory;
  /** Releases resources when the runtime closes. */
  close?(runtime: LlmspellRuntime): void | Promise<void>;
}
