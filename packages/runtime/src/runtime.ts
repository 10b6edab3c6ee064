import { setMaxListeners } from 'node:events';
import {
  ComponentRegistry, DEFAULT_SCRIPT_LIMITS, LlmspellError, SecurityPolicy, createExecutionContext, createLogger, urlCredentials,
  type Component, type ComponentLookup, type EventSink, type ExecutionContext, type HookExecutor, type Logger,
  type ScriptContext, type ScriptContextOptions, type ScriptEngine, type ScriptLimits, type ScriptOutput, type ScriptValue, type StateAccess,
  type StateStore, type Tool,
} from '@llmspell/core';
import { LlmspellConfigSchema, normalizeProviders, type LlmspellConfig } from './config/config-schema.js';
import { builtinFeatures } from './features/index.js';
import type { GlobalScope, RunningScript, RuntimeFeature, RuntimeHost, ScriptArgs } from './global-scope.js';
import { coreGlobals } from './globals/index.js';
import { HandleTable } from './handles.js';
import { LineJoiningOutput } from './line-joining-output.js';
import { SCRIPT_PRELUDES } from './preludes/index.js';
import { policyFromConfig, scriptLimitsFromConfig } from './config/derive.js';


export interface RuntimeOptions {
  /** Parsed config, or raw data validated here. Default: every default. */
  config?: LlmspellConfig | Record<string, unknown>;
  /** Tools to register (built-ins and plugins). */
  tools?: Tool[];
  /** The state backend; default an in-memory store. */
  stateStore?: StateStore;
  policy?: SecurityPolicy;
  logger?: Logger;
  cwd?: string;
  /** Config files that were read (`LoadedConfig.source`): the derived policy keeps tools away from them. */
  configFiles?: string[];
  /** Features to install; default every built-in one. */
  features?: RuntimeFeature[];
}

export interface RunScriptOptions {
  filename: string;
  args?: ScriptArgs;
  output?: ScriptOutput;
  signal?: AbortSignal;
  limits?: Partial<ScriptLimits>;
}

/**
 * The services map, with a plain-object copy for execution contexts that is made once per
 * change instead of once per call (every tool call from a script creates a context).
 */
class ServiceMap extends Map<string, unknown> {
  private copy?: Readonly<Record<string, unknown>>;

  override set(key: string, value: unknown): this {
    this.copy = undefined;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.copy = undefined;
    return super.delete(key);
  }

  override clear(): void {
    this.copy = undefined;
    super.clear();
  }

  snapshot(): Readonly<Record<string, unknown>> {
    this.copy ??= Object.freeze(Object.fromEntries(this));
    return this.copy;
  }
}

const consoleOutput: ScriptOutput = {
  stdout: (t) => process.stdout.write(t + '\n'),
  stderr: (t) => process.stderr.write(t + '\n'),
};

/**
 * One llmspell runtime: registries, policy, state, hooks and events, and the script API
 * built from them. Engine-neutral: a ScriptEngine (bridge-lua, bridge-js) runs scripts
 * against the globals this builds. Two runtimes in a process share nothing.
 */
export class LlmspellRuntime implements RuntimeHost {
  readonly config: LlmspellConfig;
  readonly policy: SecurityPolicy;
  readonly logger: Logger;
  readonly cwd: string;
  readonly tools = new ComponentRegistry<Tool>('tool', 'TOOL_NOT_FOUND');
  readonly agents = new ComponentRegistry<Component>('agent', 'AGENT_NOT_FOUND');
  readonly workflows = new ComponentRegistry<Component>('workflow', 'WORKFLOW_NOT_FOUND');
  /** Services added by features, by name (e.g. "stateManager", "hookRegistry"). */
  readonly services: Map<string, unknown> = new ServiceMap();
  readonly features: readonly RuntimeFeature[];
  stateStore?: StateStore;
  hooks?: HookExecutor;
  events?: EventSink;
  state?: StateAccess;
  private closed = false;

  private constructor(options: RuntimeOptions) {
    // jitless, as loadConfig parses it: once per runtime, where building zod's compiled fast
    // path for this schema cost more than the parse (about 5 ms of a cold start)
    this.config = LlmspellConfigSchema.parse(normalizeProviders(options.config ?? {}), { jitless: true });
    this.cwd = options.cwd ?? process.cwd();
    this.policy = options.policy ?? policyFromConfig(this.config, this.cwd, { configFiles: options.configFiles });
    this.logger = options.logger ?? createLogger({ level: 'warn', redact: (t) => this.policy.redact(t) });
    this.stateStore = options.stateStore;
    this.features = options.features ?? builtinFeatures;
    for (const provider of Object.values(this.config.providers.providers)) {
      this.policy.secrets.add(provider.api_key);
      if (provider.api_key_env) this.policy.secrets.add(process.env[provider.api_key_env]);
    }
    // Passwords in configured connection strings (shared state, the job queue) never print.
    for (const url of [this.config.runtime.state_persistence.url, this.config.queue.url]) {
      if (url && /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(url)) for (const secret of urlCredentials(url)) this.policy.secrets.add(secret);
    }
    // Every credential in the environment (by name or value shape) never prints.
    this.policy.secrets.addFromEnvironment(process.env);
    for (const tool of options.tools ?? []) this.registerTool(tool);
  }

  static async create(options: RuntimeOptions = {}): Promise<LlmspellRuntime> {
    const runtime = new LlmspellRuntime(options);
    for (const feature of runtime.features) await feature.setup?.(runtime);
    return runtime;
  }

  registerTool(tool: Tool, options: { replace?: boolean } = {}): void {
    this.tools.register(tool, { aliases: tool.aliases, replace: options.replace });
  }

  /** Lookup handed to components so they can find each other by name. */
  readonly lookup: ComponentLookup = {
    tool: (name) => this.tools.get(name),
    agent: (name) => this.agents.get(name),
    workflow: (name) => this.workflows.get(name),
    tools: () => this.tools.list(),
  };

  service<T>(name: string): T | undefined {
    return this.services.get(name) as T | undefined;
  }

  /** An execution context for one top-level call. */
  createContext(options: { language?: string; signal?: AbortSignal; settings?: Record<string, unknown> } = {}): ExecutionContext {
    return createExecutionContext({
      signal: options.signal,
      policy: this.policy,
      logger: this.logger,
      language: options.language ?? 'native',
      hooks: this.hooks,
      events: this.events,
      state: this.state,
      components: this.lookup,
      settings: options.settings,
      services: (this.services as ServiceMap).snapshot(),
    });
  }

  /** Script limits from config (memory, wall time); the memory limit of Lua's engine settings. */
  get scriptLimits(): ScriptLimits {
    return scriptLimitsFromConfig(this.config);
  }

  /** Script limits from config for one engine (`lua`, `javascript`): its own memory setting. */
  scriptLimitsFor(engine: string): ScriptLimits {
    return scriptLimitsFromConfig(this.config, engine);
  }

  /** Builds the globals for one script context. */
  buildGlobals(options: {
    language: string;
    output?: ScriptOutput;
    /** Cancels host calls; a function is asked on every call (the REPL swaps it per input). */
    signal?: AbortSignal | (() => AbortSignal);
    args?: ScriptArgs;
    /** The script this context runs, and how to end it early (set by runScript). */
    script?: RunningScript;
    finish?: (value: ScriptValue) => void;
  }): Record<string, ScriptValue> {
    const fixed = options.signal ?? unlimitedListeners(new AbortController().signal);
    const current = typeof fixed === 'function' ? fixed : () => fixed;
    const handles = new HandleTable();
    const runtime = this;
    const scope: GlobalScope = {
      runtime: this,
      language: options.language,
      handles,
      output: options.output ?? consoleOutput,
      get signal() {
        return current();
      },
      context: () => runtime.createContext({ language: options.language, signal: current() }),
      script: options.script,
      finish: options.finish,
    };
    const globals: Record<string, ScriptValue> = {};
    Object.assign(globals, coreGlobals(scope, options.args ?? { positional: [], named: {} }));
    for (const feature of this.features) {
      if (feature.globals) Object.assign(globals, feature.globals(scope));
    }
    return globals;
  }

  /** Runs one script to completion in a fresh context of `engine`. */
  async runScript(engine: ScriptEngine, source: string, options: RunScriptOptions): Promise<ScriptValue> {
    if (this.closed) throw new LlmspellError('INTERNAL', 'runtime is closed');
    let run = () => this.runScriptOnce(engine, source, options);
    for (const feature of this.features) {
      if (!feature.aroundRun) continue;
      const inner = run;
      run = () => feature.aroundRun!(inner, { filename: options.filename, language: engine.name }, this);
    }
    return run();
  }

  private async runScriptOnce(engine: ScriptEngine, source: string, options: RunScriptOptions): Promise<ScriptValue> {
    const controller = new AbortController();
    // Every pending host call of the run (20 parallel sleeps, tool calls, receives) listens on
    // this one signal: many listeners are the design, not a leak, and Node's warning about
    // them would land on the user's stderr.
    setMaxListeners(0, controller.signal);
    const onAbort = () => controller.abort(options.signal?.reason);
    // A signal that fired while the caller was still setting up (a job cancelled as it
    // started) stops the run before it begins: an aborted signal fires no more events.
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const output = new LineJoiningOutput(options.output ?? consoleOutput);
    const limits = { ...DEFAULT_SCRIPT_LIMITS, ...this.scriptLimitsFor(engine.name), ...options.limits };
    const args = options.args ?? { positional: [], named: {} };
    let finished: { value: ScriptValue } | undefined;
    const finish = (value: ScriptValue) => {
      if (finished) return;
      finished = { value };
      controller.abort(new LlmspellError('CANCELLED', 'script finished early'));
    };
    const context = await this.createScriptContext(engine, {
      globals: this.buildGlobals({
        language: engine.name, output, signal: controller.signal, args, script: { source, filename: options.filename, engine: engine.name, args }, finish,
      }),
      limits,
      output,
    });
    try {
      const value = await context.run(source, { filename: options.filename, signal: controller.signal, timeoutMs: limits.timeoutMs });
      return finished ? finished.value : value;
    } catch (error) {
      if (finished) return finished.value;
      throw error;
    } finally {
      // Host calls still in flight (a timed-out script's tool call) are told to stop.
      controller.abort(new LlmspellError('CANCELLED', 'script finished'));
      options.signal?.removeEventListener('abort', onAbort);
      output.flush();
      context.dispose();
    }
  }

  /**
   * A script context with the script-side part of the API (Streaming) defined. Everything
   * that runs user code in an engine should get its context here.
   */
  async createScriptContext(engine: ScriptEngine, options: ScriptContextOptions): Promise<ScriptContext> {
    // Whole-file reads are for the script: none larger than it could hold (the host's heap is
    // sized from the same limit, and max_file_bytes may be set far above it).
    this.policy.files.setScriptMemoryLimit(options.limits.memoryBytes);
    if (engine.name === 'lua') {
      // io.write's way out; the prelude takes it and removes the global
      const { output } = options;
      options.globals.__llmspell_write = (text: ScriptValue) => (output.write ? output.write(String(text)) : output.stdout(String(text)), null);
    }
    const context = await engine.createContext(options);
    const prelude = SCRIPT_PRELUDES[engine.name];
    if (prelude) {
      try {
        await context.run(prelude, { filename: '<llmspell-prelude>' });
      } catch (error) {
        context.dispose();
        throw error;
      }
    }
    return context;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const feature of [...this.features].reverse()) {
      try {
        await feature.close?.(this);
      } catch (error) {
        this.logger.warn(`closing ${feature.name} failed`, { error: String(error) });
      }
    }
    await this.stateStore?.close();
  }
}

/** A signal every pending host call of a script may listen on (see runScriptOnce). */
function unlimitedListeners(signal: AbortSignal): AbortSignal {
  setMaxListeners(0, signal);
  return signal;
}
