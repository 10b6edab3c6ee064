import type {
  Component, ComponentLookup, ComponentRegistry, EventSink, ExecutionContext, HookExecutor, Logger, ScriptLimits, ScriptOutput, ScriptValue,
  SecurityPolicy, StateAccess, StateStore, Tool,
} from '@llmspell/core';
import type { LlmspellConfig } from './config/config-schema.js';
import type { HandleTable } from './handles.js';

/** A script's command-line arguments (`llmspell run script.lua -- a b --key value`). */
export interface ScriptArgs {
  positional: string[];
  named: Record<string, string>;
}

/**
 * What globals and features use of a runtime. `LlmspellRuntime` implements it; depending on
 * this rather than on the class keeps the runtime's files importing one way (runtime.ts →
 * features → globals), never back.
 */
export interface RuntimeHost {
  readonly config: LlmspellConfig;
  readonly policy: SecurityPolicy;
  readonly logger: Logger;
  readonly cwd: string;
  readonly tools: ComponentRegistry<Tool>;
  readonly agents: ComponentRegistry<Component>;
  readonly workflows: ComponentRegistry<Component>;
  /** Services added by features, by name (e.g. "stateManager", "hookRegistry"). */
  readonly services: Map<string, unknown>;
  /** Lookup handed to components so they can find each other by name. */
  readonly lookup: ComponentLookup;
  readonly scriptLimits: ScriptLimits;
  stateStore?: StateStore;
  hooks?: HookExecutor;
  events?: EventSink;
  state?: StateAccess;
  service<T>(name: string): T | undefined;
  registerTool(tool: Tool, options?: { replace?: boolean }): void;
  /** An execution context for one top-level call. */
  createContext(options?: { language?: string; signal?: AbortSignal; settings?: Record<string, unknown> }): ExecutionContext;
}

/** The script a `runScript` call runs (what a distributed workflow sends its workers). */
export interface RunningScript {
  source: string;
  filename: string;
  engine: string;
  args: ScriptArgs;
}

/** What a script run is, as `aroundRun` sees it. */
export interface ScriptRunInfo {
  /** The name errors show (`hello.lua`, `<exec>.lua`). */
  filename: string;
  /** The engine: "lua" or "javascript". */
  language: string;
}

/** Everything a global factory needs to build one script's globals. */
export interface GlobalScope {
  readonly runtime: RuntimeHost;
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
  setup?(runtime: RuntimeHost): void | Promise<void>;
  /** The script globals this feature adds. */
  globals?: GlobalFactory;
  /**
   * Wraps each `runScript` (context set-up, the run, disposal), e.g. in a trace span. Must
   * call `run` once and return or throw what it does.
   */
  aroundRun?(run: () => Promise<ScriptValue>, info: ScriptRunInfo, runtime: RuntimeHost): Promise<ScriptValue>;
  /** Releases resources when the runtime closes. */
  close?(runtime: RuntimeHost): void | Promise<void>;
}
