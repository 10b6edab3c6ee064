import { LlmspellError, isLlmspellError, toLlmspellError, type ErrorCode } from '@llmspell/core/errors';

const SCRIPT_CALLBACK = Symbol.for('llmspell.scriptCallback');

/**
 * Messages between the supervising thread (the caller of `runIsolatedScript` /
 * `openIsolatedSession`) and the isolated script host (a child process or a worker thread).
 * Everything crossing is structured-clonable plain data.
 */

export interface IsolationLimits {
  /** Wall time of one run, in milliseconds. */
  timeoutMs: number;
  /** The script engine's memory cap, in bytes (it also sizes the host's heap). */
  memoryBytes: number;
}

export interface ScriptArgsMessage {
  positional: string[];
  named: Record<string, string>;
}

export type ToHost =
  | {
      t: 'setup';
      /** URL (href) of the module whose `setup` export composes the runtime and engine. */
      setupModule: string;
      setupData: unknown;
      engine: string;
      /** Limits the caller forces over what the setup's runtime configures. */
      limits: Partial<IsolationLimits>;
      /** The heap (MiB) this host was started with; the host asks for more when its limits need it. */
      heapMb: number;
      /** Forward runtime events (progress) to the supervisor. */
      events: boolean;
    }
  | {
      t: 'run';
      id: number;
      source: string;
      filename: string;
      args?: ScriptArgsMessage;
      /** true: one fresh context for this run (a script); false: the session's shared context (a REPL). */
      fresh: boolean;
      /** For the setup's `beforeRun` (what a host started ahead of its job learns of the job). */
      prepare?: unknown;
      /** A shorter wall-time limit for this run than the host's. */
      timeoutMs?: number;
    }
  | { t: 'check'; id: number; source: string; filename: string }
  | { t: 'globals'; id: number }
  | { t: 'cancel'; id: number; reason: string }
  | { t: 'close' };

export interface OutputItem {
  /** 1 stdout, 2 stderr. */
  s: 1 | 2;
  text: string;
  /** A script output line (no newline) rather than raw text a setup's logger wrote. */
  line: boolean;
}

export interface WireError {
  code: ErrorCode;
  detail: string;
  details: Record<string, unknown>;
}

export type FromHost =
  | { t: 'ready'; limits: IsolationLimits; engine: string }
  /** The host's limits need a bigger heap than it was started with: start a new one. */
  | { t: 'respawn'; heapMb: number }
  | { t: 'output'; items: OutputItem[] }
  | { t: 'event'; type: string; data: unknown }
  | { t: 'result'; id: number; value: unknown }
  | { t: 'checked'; id: number; problem: { file: string; line: number | null; message: string } | null }
  | { t: 'globals'; id: number; names: string[] }
  /** The host got the cancel of run `id`: its event loop runs, so the script is being stopped cooperatively. */
  | { t: 'cancelling'; id: number }
  /** `id` 0: the setup failed. */
  | { t: 'error'; id: number; error: WireError }
  | { t: 'closed' };

export function toWireError(error: unknown): WireError {
  const coded = isLlmspellError(error) ? error : toLlmspellError(error, 'INTERNAL');
  return { code: coded.code, detail: coded.detail, details: cloneable(coded.details ?? {}) as Record<string, unknown> };
}

export function fromWireError(wire: WireError): LlmspellError {
  return new LlmspellError(wire.code, wire.detail, { details: wire.details });
}

/**
 * A copy of a script value that survives structured cloning: functions (script callbacks,
 * host functions) are left out as JSON would, cycles become null.
 */
export function cloneable(value: unknown, seen: object[] = []): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  // a script's function (core's SCRIPT_CALLBACK, not imported: this module loads before core) leaves as JSON leaves a function
  if ((value as Record<symbol, unknown>)[SCRIPT_CALLBACK] === true) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (seen.includes(value)) return null;
  seen.push(value);
  try {
    if (Array.isArray(value)) return value.map((item) => cloneable(item, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const copy = cloneable(item, seen);
      if (copy === undefined) continue;
      // an own "__proto__" key stays a key: assigning it would set the copy's prototype
      if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
      else out[key] = copy;
    }
    return out;
  } finally {
    seen.pop();
  }
}

/** Set beside GLIBC_TUNABLES when the supervisor chose it (HOST_MALLOC_TUNABLES): the host then drops both from its process.env, so scripts and tools see the user's environment. */
export const HOST_MALLOC_TUNED_ENV = 'LLMSPELL_HOST_MALLOC_TUNED';
