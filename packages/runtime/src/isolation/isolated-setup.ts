import type { ScriptEngine } from '@llmspell/core';
import type { LlmspellRuntime } from '../runtime.js';

/** What an isolated host hands the setup module's `setup` function. */
export interface IsolatedSetupContext {
  /** The `setupData` given to `runIsolatedScript` / `openIsolatedSession` (structured-cloned). */
  data: unknown;
  /** The engine the caller asked for ("lua", "javascript", or whatever your setup understands). */
  engine: string;
  /**
   * Raw text for the caller's stdout/stderr, for what the setup itself writes (a logger);
   * script output goes through the runtime's output and needs nothing from here.
   */
  write: { stdout(text: string): void; stderr(text: string): void };
  /** Sends an event (e.g. from the runtime's event bus) to the caller's `onEvent`. */
  emit(type: string, data: unknown): void;
}

/** What `setup` returns: the runtime and engine a script runs on inside the host. */
export interface IsolatedSetup {
  runtime: LlmspellRuntime;
  engine: ScriptEngine;
  /**
   * Called before a run that brings `prepare` data (IsolatedRunOptions.prepare): a host started
   * before its job was known (IsolatedHostPool) learns of the job here, e.g. to set services
   * the script's globals read.
   */
  beforeRun?(data: unknown): Promise<void> | void;
  /** Called after `runtime.close()` when the host ends normally. */
  close?(): Promise<void> | void;
}

/**
 * The `setup` export (or default export) of a setup module. A live runtime cannot move into
 * another thread or process, so the host composes its own from this: load config, tools and
 * state exactly as you would in-process.
 */
export type IsolatedSetupFunction = (context: IsolatedSetupContext) => Promise<IsolatedSetup> | IsolatedSetup;
