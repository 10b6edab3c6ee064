// The time limit and cancel signal of runs and callbacks, kept apart from the Lua state they stop.
import { LlmspellError } from '@llmspell/core';
import { limitError } from './lua-errors.js';
import type { LuaModule } from './lua-module.js';

/**
 * The time limit and cancel signal of one run, shared by the callbacks it calls. One timer
 * and one abort listener per run (armed when a thread first waits for the host), not one per
 * host call: a host call that waits then costs a single promise reaction.
 */
export interface Guard {
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Threads under this guard waiting for a host promise now. */
  waiting: Set<Control>;
  armed: boolean;
  /** Its run (or callback) returned; the guard goes once no thread under it waits any more. */
  ended: boolean;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
}

/** The limits one driven thread runs under (a script run, or a callback call). */
export interface Control {
  guard: Guard;
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
  filename: string;
  /** Set when the run must stop (time limit, cancel); the count hook raises FATAL. */
  fatal?: LlmspellError;
  /** Ends the thread's current wait for the host early (time limit, cancel, disposal). */
  interrupt?: (error: LlmspellError) => void;
}

export function timeoutError(control: Control): LlmspellError {
  return limitError('SCRIPT_TIMEOUT', control.filename, `script exceeded its time limit of ${control.timeoutMs} ms`);
}

/**
 * The line the Lua function running in `L` is at, read in the count hook (`luaL_where` of
 * level 0: `chunk:line:`), or null (a C function, a chunk without line information).
 */
export function currentLine(m: LuaModule, L: number): number | null {
  const top = m._lua_gettop(L);
  try {
    m._luaL_where(L, 0);
    const pointer = m._lua_tolstring(L, -1, 0);
    if (!pointer) return null;
    let end = pointer;
    while (m.HEAPU8[end] !== 0 && end - pointer < 4096) end++;
    const where = Buffer.from(m.HEAPU8.subarray(pointer, end)).toString('utf8');
    const line = /:(\d+):\s*$/.exec(where)?.[1];
    return line === undefined ? null : Number(line);
  } finally {
    m._lua_settop(L, top);
  }
}

/**
 * A limit error (time limit, cancel) raised by the count hook, with the line the script was
 * stopped at: `loop.lua:2: script exceeded its time limit of 2000 ms`, as the JavaScript
 * engine reports it. Unchanged when it already names a line or none is known.
 */
export function atLine(error: LlmspellError, line: number | null): LlmspellError {
  const file = error.details.file;
  if (line === null || error.details.line !== null || typeof file !== 'string' || !error.detail.startsWith(`${file}: `)) return error;
  return new LlmspellError(error.code, `${file}:${line}: ${error.detail.slice(file.length + 2)}`, { details: { ...error.details, line } });
}

/** Guards of runs and callbacks in flight (disposal interrupts their waits). */
export class RunGuards {
  private readonly guards = new Set<Guard>();

  /** Starts the guard's timer and abort listener (once per run, at its first wait). */
  arm(guard: Guard): void {
    if (guard.armed) return;
    guard.armed = true;
    const remaining = Math.max(0, guard.deadline - Date.now());
    guard.timer = setTimeout(() => this.interruptAll(guard, (control) => timeoutError(control)), Math.min(remaining, 2 ** 31 - 1));
    if (guard.signal) {
      guard.onAbort = () => this.interruptAll(guard, (control) => limitError('CANCELLED', control.filename, 'script cancelled'));
      guard.signal.addEventListener('abort', guard.onAbort, { once: true });
    }
  }

  /** The run or callback of `guard` returned: its timer goes now, or when its last waiting callback does. */
  release(guard: Guard): void {
    guard.ended = true;
    if (guard.waiting.size === 0) this.disarm(guard);
  }

  disarm(guard: Guard): void {
    this.guards.delete(guard);
    if (!guard.armed) return;
    guard.armed = false;
    clearTimeout(guard.timer);
    if (guard.onAbort) guard.signal?.removeEventListener('abort', guard.onAbort);
  }

  /** Ends every wait under `guard` with the error `why` gives (the first error of a control stays). */
  interruptAll(guard: Guard, why: (control: Control) => LlmspellError): void {
    for (const control of [...guard.waiting]) {
      control.fatal ??= why(control);
      control.interrupt?.(control.fatal);
    }
  }

  /** Ends every wait under every guard in flight (disposal). */
  interruptEvery(why: (control: Control) => LlmspellError): void {
    for (const guard of [...this.guards]) this.interruptAll(guard, why);
  }

  newGuard(deadline: number, timeoutMs: number, signal: AbortSignal | undefined): Guard {
    const guard: Guard = { deadline, timeoutMs, signal, waiting: new Set(), armed: false, ended: false };
    this.guards.add(guard);
    return guard;
  }
}
