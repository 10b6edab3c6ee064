import {
  DEFAULT_SCRIPT_LIMITS, LlmspellError, z,
  type ScriptContext, type ScriptContextOptions, type ScriptEngine, type ScriptLimits, type ScriptOutput,
  type ScriptRunOptions, type ScriptSyntaxProblem, type ScriptValue,
} from '@llmspell/core';
import { JsVm, probeSource } from './js-vm.js';
import { loadQuickJS } from './quickjs-module.js';

/**
 * QuickJS counts its own stack in the WASM shadow stack, but the WASM frames run on
 * Node's native stack, which is about 2.5x bigger per QuickJS byte. Above ~350 KiB a
 * deep recursion overflows Node's stack before QuickJS notices, which would leave the
 * engine in an unknown state; 256 KiB leaves room for the host frames around a call.
 */
export const DEFAULT_JS_STACK_BYTES = 256 * 1024;
export const MAX_JS_STACK_BYTES = 320 * 1024;

export interface JsEngineOptions {
  /** QuickJS stack cap when `limits.stackBytes` is not given (default 256 KiB, at most 320 KiB). */
  stackBytes?: number;
}

const EngineOptionsSchema = z.object({
  stackBytes: z.number().int().min(16 * 1024).max(MAX_JS_STACK_BYTES).optional(),
}).strict();

const LimitsSchema = z.object({
  memoryBytes: z.number().int().min(1024 * 1024, 'memoryBytes must be at least 1 MiB'),
  timeoutMs: z.number().positive(),
  stackBytes: z.number().int().positive().optional(),
});

function invalid(parameter: string, message: string): LlmspellError {
  return new LlmspellError('INVALID_ARGUMENT', `${parameter}: ${message}`, { details: { parameter } });
}

class JsScriptContext implements ScriptContext {
  private vm: JsVm | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly globals: Record<string, ScriptValue>,
    private readonly limits: ScriptLimits,
    private readonly output: ScriptOutput,
    private readonly stackBytes: number,
  ) {}

  async ensureVm(): Promise<JsVm> {
    if (this.vm) return this.vm;
    const module = await loadQuickJS();
    if (this.disposed) throw new LlmspellError('SCRIPT_ERROR', 'the JavaScript context is disposed');
    this.vm = new JsVm(module, { globals: this.globals, limits: this.limits, output: this.output, stackBytes: this.stackBytes });
    return this.vm;
  }

  run(source: string, options: ScriptRunOptions): Promise<ScriptValue> {
    if (typeof source !== 'string') return Promise.reject(invalid('source', 'must be a string'));
    if (!options || typeof options.filename !== 'string' || options.filename === '') {
      return Promise.reject(invalid('filename', 'must be a non-empty string'));
    }
    if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && options.timeoutMs > 0)) {
      return Promise.reject(invalid('timeoutMs', 'must be a positive number'));
    }
    // Runs share one engine; they take turns like REPL lines.
    const next = this.queue.then(() => this.runNow(source, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(source: string, options: ScriptRunOptions): Promise<ScriptValue> {
    if (this.disposed) throw new LlmspellError('SCRIPT_ERROR', 'the JavaScript context is disposed');
    const vm = await this.ensureVm();
    try {
      return await vm.run(source, {
        filename: options.filename,
        timeoutMs: options.timeoutMs ?? this.limits.timeoutMs,
        signal: options.signal,
      });
    } finally {
      // After a timeout, cancel or memory failure the engine may hold half-run code:
      // throw it away; the next run starts from a fresh one with the same globals.
      if ((vm.fatal || vm.poisoned) && this.vm === vm) {
        this.vm = undefined;
        vm.dispose();
      }
    }
  }

  async checkSyntax(source: string, filename: string): Promise<ScriptSyntaxProblem | null> {
    if (typeof source !== 'string') throw invalid('source', 'must be a string');
    if (typeof filename !== 'string' || filename === '') throw invalid('filename', 'must be a non-empty string');
    return checkSyntax(source, filename);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.vm?.dispose();
    this.vm = undefined;
  }
}

/** Compiles in a throwaway runtime so checking never leaves anything behind in a context. */
async function checkSyntax(source: string, filename: string): Promise<ScriptSyntaxProblem | null> {
  const module = await loadQuickJS();
  const runtime = module.newRuntime();
  try {
    runtime.setMaxStackSize(DEFAULT_JS_STACK_BYTES);
    runtime.setMemoryLimit(DEFAULT_SCRIPT_LIMITS.memoryBytes);
    const context = runtime.newContext();
    try {
      const probe = probeSource(context, source, filename);
      if ('mode' in probe) return null;
      return { file: filename, line: probe.line, message: probe.name && probe.name !== 'SyntaxError' ? `${probe.name}: ${probe.message}` : probe.message };
    } finally {
      context.dispose();
    }
  } finally {
    runtime.dispose();
  }
}

/** The "javascript" ScriptEngine: QuickJS compiled to WASM, one runtime per context. */
export class JsEngine implements ScriptEngine {
  readonly name = 'javascript';
  readonly aliases: readonly string[] = ['javascript', 'js'];
  readonly fileExtensions: readonly string[] = ['.js', '.mjs'];
  private readonly stackBytes: number;

  constructor(options: JsEngineOptions = {}) {
    const parsed = EngineOptionsSchema.safeParse(options);
    if (!parsed.success) throw invalid(`options.${String(parsed.error.issues[0]?.path.join('.') ?? '')}`, parsed.error.issues[0]?.message ?? 'invalid');
    this.stackBytes = parsed.data.stackBytes ?? DEFAULT_JS_STACK_BYTES;
  }

  async createContext(options: ScriptContextOptions): Promise<ScriptContext> {
    if (!options || typeof options.globals !== 'object' || options.globals === null) throw invalid('globals', 'must be an object');
    if (!options.output || typeof options.output.stdout !== 'function' || typeof options.output.stderr !== 'function') {
      throw invalid('output', 'must have stdout(text) and stderr(text) functions');
    }
    const limits = LimitsSchema.safeParse({ ...DEFAULT_SCRIPT_LIMITS, ...options.limits });
    if (!limits.success) {
      const issue = limits.error.issues[0];
      throw invalid(`limits.${String(issue?.path.join('.') ?? '')}`, issue?.message ?? 'invalid');
    }
    const stackBytes = Math.min(limits.data.stackBytes ?? this.stackBytes, MAX_JS_STACK_BYTES);
    const context = new JsScriptContext(options.globals, limits.data, options.output, stackBytes);
    await context.ensureVm();
    return context;
  }
}

export function createJsEngine(options: JsEngineOptions = {}): JsEngine {
  return new JsEngine(options);
}
