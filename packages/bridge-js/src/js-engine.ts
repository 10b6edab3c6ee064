import {
  DEFAULT_SCRIPT_LIMITS, LlmspellError, z,
  type ScriptContext, type ScriptContextOptions, type ScriptEngine, type ScriptLimits, type ScriptOutput,
  type ScriptRunOptions, type ScriptSyntaxProblem, type ScriptValue,
} from '@llmspell/core';
import { evaluateSource, syntaxText } from './js-evaluate.js';
import { JsVm } from './js-vm.js';
import type { QuickJSWASMModule } from 'quickjs-emscripten-core';
import { newQuickJSInstance } from './quickjs-module.js';

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
    if (this.vm && (this.vm.fatal || this.vm.poisoned)) {
      // A callback call hit a limit since the last run: start from a fresh engine.
      this.vm.dispose();
      this.vm = undefined;
    }
    if (this.vm) return this.vm;
    const module = await newQuickJSInstance(this.limits.memoryBytes);
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

/**
 * Parses in a throwaway runtime that has no globals and interrupts at its first check,
 * so checking never leaves anything behind in a context and cannot act on anything.
 */
let checker: Promise<QuickJSWASMModule> | undefined;

async function checkSyntax(source: string, filename: string): Promise<ScriptSyntaxProblem | null> {
  const pending = checker ??= newQuickJSInstance(DEFAULT_SCRIPT_LIMITS.memoryBytes);
  let module: QuickJSWASMModule;
  try {
    module = await pending;
  } catch (error) {
    if (checker === pending) checker = undefined;
    throw error;
  }
  const runtime = module.newRuntime();
  try {
    runtime.setMaxStackSize(DEFAULT_JS_STACK_BYTES);
    runtime.setMemoryLimit(8 * 1024 * 1024);
    runtime.setInterruptHandler(() => true);
    runtime.setModuleLoader((name) => ({ error: new Error(`cannot import '${name}'`) }));
    const context = runtime.newContext();
    try {
      const outcome = evaluateSource(context, source, filename);
      if (outcome.kind === 'ok') outcome.value.dispose();
      if (outcome.kind === 'thrown') outcome.error.dispose();
      if (outcome.kind !== 'syntax') return null;
      return { file: filename, line: outcome.problem.line, message: syntaxText(outcome.problem) };
    } finally {
      context.dispose();
    }
  } catch (error) {
    if (checker === pending) checker = undefined; // never reuse an instance that failed
    throw error;
  } finally {
    try {
      runtime.dispose();
    } catch {
      if (checker === pending) checker = undefined;
    }
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
