import type { ScriptValue } from './script-values.js';

export interface ScriptLimits {
  /** Engine heap cap in bytes (default 64 MiB). */
  memoryBytes: number;
  /** Wall time for one `run`, in milliseconds (default 300 s). */
  timeoutMs: number;
  /** Native stack cap in bytes where the engine supports one. */
  stackBytes?: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = {
  memoryBytes: 64 * 1024 * 1024,
  timeoutMs: 300_000,
};

export interface ScriptOutput {
  /** A line printed by `print` / `console.log`, without the trailing newline. */
  stdout(text: string): void;
  /** `console.error` / `io.stderr`-like output. */
  stderr(text: string): void;
  /**
   * Text without a line end of its own (Lua's `io.write`): it joins the next line printed.
   * Without it, such text is printed as a line of its own.
   */
  write?(text: string): void;
}

export interface ScriptContextOptions {
  /** The globals to install, as the runtime built them. */
  globals: Record<string, ScriptValue>;
  limits: ScriptLimits;
  output: ScriptOutput;
}

export interface ScriptRunOptions {
  /** Shown in error messages: `hello.lua:3: message`. */
  filename: string;
  signal?: AbortSignal;
  /** Overrides limits.timeoutMs for this run. */
  timeoutMs?: number;
}

export interface ScriptSyntaxProblem {
  file: string;
  line: number | null;
  message: string;
}

/**
 * A live script context: one engine instance with the globals installed. Runs may be
 * repeated (the REPL keeps one context; globals set by one chunk are seen by the next).
 */
export interface ScriptContext {
  /**
   * Runs source code. Resolves with the script's result as plain data (Lua: top-level
   * `return`; JS: `export default` or the last expression). Rejects with an
   * LlmspellError: SCRIPT_ERROR / SCRIPT_SYNTAX_ERROR / SCRIPT_TIMEOUT /
   * SCRIPT_MEMORY_LIMIT / SCRIPT_STACK_OVERFLOW / CANCELLED, message `file:line: text`,
   * details `{file, line}`.
   */
  run(source: string, options: ScriptRunOptions): Promise<ScriptValue>;
  /** Parses without running; null when the source is valid. */
  checkSyntax(source: string, filename: string): Promise<ScriptSyntaxProblem | null>;
  dispose(): void;
}

export interface ScriptEngine {
  /** Canonical name: "lua" or "javascript". */
  readonly name: string;
  readonly aliases: readonly string[];
  /** File extensions (with dot) this engine runs: [".lua"]. */
  readonly fileExtensions: readonly string[];
  createContext(options: ScriptContextOptions): Promise<ScriptContext>;
}
