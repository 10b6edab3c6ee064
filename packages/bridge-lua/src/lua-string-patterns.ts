import {
  LUA_TFUNCTION, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, allocUtf8, upvalueIndex, type LuaModule,
} from './lua-module.js';
import { MatchState, PatternError, noSpecials, relativeStart } from './lua-patterns.js';

type Kind = 'find' | 'match' | 'gmatch' | 'gmatchStep' | 'gsub';

/** Thrown by the budget to stop a match; the C function turns it into the bridge's FATAL error. */
const STOP = Symbol('stop matching');

export interface PatternHost {
  addFunction(fn: (L: number) => number, signature: 'ii'): number;
  /** True when the running script must stop (time limit, cancel, or no run at all). */
  shouldStop(): boolean;
  /** Raises the bridge's uncatchable stop error in `L` (does not return). */
  raiseStop(L: number): number;
}

/** Bytes of a luaL_Buffer (its inline buffer is LUAL_BUFFERSIZE, 16 pointers x lua_Number on wasm32: 512). */
const BUFFER_BYTES = 1024;

/**
 * string.find, string.match, string.gmatch and string.gsub on the bounded matcher of
 * lua-patterns.ts, installed as C functions over the raw Lua API: they read the strings
 * where Lua keeps them (no copies), check the script's deadline while they match, and
 * keep the originals' argument handling, results and messages (luaL_check* do the checks).
 */
export class LuaStringPatterns {
  private readonly scratch: number;
  private readonly expected: number;
  private gmatchAux = 0;
  /** Match states in use by nested calls (a gsub replacement function calling find). */
  private readonly states: MatchState[] = [];
  private depth = 0;

  constructor(private readonly m: LuaModule, private readonly host: PatternHost) {
    this.scratch = m._malloc(8);
    [this.expected] = allocUtf8(m, 'string/function/table', true);
  }

  /** Replaces the four functions in the `string` table on top of the stack of `L`. */
  install(L: number): void {
    const { m } = this;
    this.gmatchAux = this.host.addFunction((l) => this.guard(l, 'gmatchStep'), 'ii');
    const functions: Array<[string, Kind]> = [['find', 'find'], ['match', 'match'], ['gmatch', 'gmatch'], ['gsub', 'gsub']];
    for (const [name, kind] of functions) {
      m._lua_pushcclosure(L, this.host.addFunction((l) => this.guard(l, kind), 'ii'), 0);
      const [key] = allocUtf8(m, name, true);
      try {
        m._lua_setfield(L, -2, key);
      } finally {
        m._free(key);
      }
    }
  }

  dispose(): void {
    this.m._free(this.scratch);
    this.m._free(this.expected);
  }

  /** Runs a function; a pattern error or a stop becomes a Lua error at the caller's line. */
  private guard(L: number, kind: Kind): number {
    let failure: string | typeof STOP;
    const depth = this.depth++;
    try {
      const ms = (this.states[depth] ??= new MatchState(this.budget));
      switch (kind) {
        case 'find': return this.findAux(L, ms, true);
        case 'match': return this.findAux(L, ms, false);
        case 'gmatch': return this.gmatch(L);
        case 'gmatchStep': return this.gmatchStep(L, ms);
        case 'gsub': return this.gsub(L, ms);
      }
    } catch (error) {
      if (error === STOP) failure = STOP;
      else if (error instanceof PatternError) failure = error.message;
      else throw error; // Lua's own errors (longjmp) and bugs pass through
    } finally {
      this.depth = depth;
    }
    if (failure === STOP) return this.host.raiseStop(L);
    const { m } = this;
    m._luaL_where(L, 1);
    const [text, length] = allocUtf8(m, failure);
    try {
      m._lua_pushlstring(L, text, length);
    } finally {
      m._free(text);
    }
    m._lua_concat(L, 2);
    return m._lua_error(L);
  }

  private budget = (): void => {
    if (this.host.shouldStop()) throw STOP;
  };

  /** luaL_checklstring: [pointer, byte length] of argument `arg` (numbers are converted). */
  private checkString(L: number, arg: number): [number, number] {
    const pointer = this.m._luaL_checklstring(L, arg, this.scratch);
    return [pointer, this.m.HEAPU32[this.scratch >> 2]];
  }

  private pushCapture(L: number, ms: MatchState, i: number, s: number, e: number): void {
    const capture = ms.capture(i, s, e);
    if ('position' in capture) this.m._lua_pushinteger(L, BigInt(capture.position));
    else this.m._lua_pushlstring(L, capture.start, capture.length);
  }

  /** Pushes the captures (or the whole match when `s` >= 0 and there are none); returns how many. */
  private pushCaptures(L: number, ms: MatchState, s: number, e: number): number {
    const count = ms.level === 0 && s >= 0 ? 1 : ms.level;
    if (!this.m._lua_checkstack(L, count)) throw new PatternError('stack overflow (too many captures)');
    for (let i = 0; i < count; i++) this.pushCapture(L, ms, i, s, e);
    return count;
  }

  private findAux(L: number, ms: MatchState, find: boolean): number {
    const { m } = this;
    const [s, ls] = this.checkString(L, 1);
    let [p, lp] = this.checkString(L, 2);
    const init = m._lua_type(L, 3) <= 0 ? 0 : relativeStart(m._luaL_optinteger(L, 3, 1n), ls) - 1;
    if (init > ls) {
      m._lua_pushnil(L);
      return 1;
    }
    const heap = m.HEAPU8;
    if (find && (m._lua_toboolean(L, 4) || noSpecials(heap, p, lp))) {
      const at = plainFind(heap, s, ls, p, lp, init);
      if (at >= 0) {
        m._lua_pushinteger(L, BigInt(at + 1));
        m._lua_pushinteger(L, BigInt(at + lp));
        return 2;
      }
      m._lua_pushnil(L);
      return 1;
    }
    const anchor = heap[p] === 0x5e && lp > 0;
    if (anchor) {
      p++;
      lp--;
    }
    ms.prepare(heap, s, s + ls, p + lp);
    let s1 = s + init;
    do {
      ms.reset();
      const res = ms.match(s1, p);
      if (res !== -1) {
        if (find) {
          m._lua_pushinteger(L, BigInt(s1 - s + 1));
          m._lua_pushinteger(L, BigInt(res - s));
          return this.pushCaptures(L, ms, -1, 0) + 2;
        }
        return this.pushCaptures(L, ms, s1, res);
      }
    } while (s1++ < ms.srcEnd && !anchor);
    m._lua_pushnil(L);
    return 1;
  }

  private gmatch(L: number): number {
    const { m } = this;
    const [, ls] = this.checkString(L, 1);
    this.checkString(L, 2);
    let init = m._lua_type(L, 3) <= 0 ? 0 : relativeStart(m._luaL_optinteger(L, 3, 1n), ls) - 1;
    if (init > ls) init = ls + 1;
    m._lua_settop(L, 2);
    const state = m._lua_newuserdatauv(L, 8, 0);
    m.HEAP32[state >> 2] = init; // next position, as an offset into the subject
    m.HEAP32[(state >> 2) + 1] = -1; // end of the last match (none yet)
    m._lua_pushcclosure(L, this.gmatchAux, 3);
    return 1;
  }

  private gmatchStep(L: number, ms: MatchState): number {
    const { m } = this;
    const s = m._lua_tolstring(L, upvalueIndex(1), this.scratch);
    const ls = m.HEAPU32[this.scratch >> 2];
    const p = m._lua_tolstring(L, upvalueIndex(2), this.scratch);
    const lp = m.HEAPU32[this.scratch >> 2];
    const state = m._lua_touserdata(L, upvalueIndex(3)) >> 2;
    // as in the original, '^' is no anchor here: it matches itself
    ms.prepare(m.HEAPU8, s, s + ls, p + lp);
    const last = m.HEAP32[state + 1];
    for (let src = s + m.HEAP32[state]; src <= ms.srcEnd; src++) {
      ms.reset();
      const e = ms.match(src, p);
      if (e !== -1 && e - s !== last) {
        m.HEAP32[state] = e - s;
        m.HEAP32[state + 1] = e - s;
        return this.pushCaptures(L, ms, src, e);
      }
    }
    return 0;
  }

  private gsub(L: number, ms: MatchState): number {
    const { m } = this;
    const [src0, srcl] = this.checkString(L, 1);
    let [p, lp] = this.checkString(L, 2);
    const tr = m._lua_type(L, 3);
    const maxS = m._luaL_optinteger(L, 4, BigInt(srcl + 1));
    if (tr !== LUA_TNUMBER && tr !== LUA_TSTRING && tr !== LUA_TFUNCTION && tr !== LUA_TTABLE) return m._luaL_typeerror(L, 3, this.expected);
    const anchor = m.HEAPU8[p] === 0x5e && lp > 0;
    if (anchor) {
      p++;
      lp--;
    }
    const buffer = m._malloc(BUFFER_BYTES);
    if (!buffer) throw new PatternError('not enough memory');
    try {
      m._luaL_buffinit(L, buffer);
      ms.prepare(m.HEAPU8, src0, src0 + srcl, p + lp);
      let src = src0;
      let lastMatch = -1;
      let n = 0n;
      let changed = false;
      let copied = src0; // start of subject text not yet added to the buffer
      const flush = (upto: number) => {
        if (upto > copied) m._luaL_addlstring(buffer, copied, upto - copied);
        copied = upto;
      };
      while (n < maxS) {
        ms.reset();
        ms.heap = m.HEAPU8;
        const e = ms.match(src, p);
        if (e !== -1 && e !== lastMatch) {
          n++;
          flush(src);
          changed = this.addValue(L, ms, buffer, src, e, tr) || changed;
          copied = e;
          src = lastMatch = e;
        } else if (src < ms.srcEnd) {
          src++;
        } else break;
        if (anchor) break;
      }
      if (!changed) {
        m._lua_pushvalue(L, 1);
      } else {
        flush(ms.srcEnd);
        m._luaL_pushresult(buffer);
      }
      m._lua_pushinteger(L, n);
      return 2;
    } finally {
      m._free(buffer);
    }
  }

  /** Adds the replacement of one match to the buffer; true when it changed the text. */
  private addValue(L: number, ms: MatchState, buffer: number, s: number, e: number, tr: number): boolean {
    const { m } = this;
    if (tr === LUA_TFUNCTION) {
      m._lua_pushvalue(L, 3);
      const count = this.pushCaptures(L, ms, s, e);
      m._lua_callk(L, count, 1, 0, 0);
    } else if (tr === LUA_TTABLE) {
      this.pushCapture(L, ms, 0, s, e);
      m._lua_gettable(L, 3);
    } else {
      this.addReplacementString(L, ms, buffer, s, e);
      return true;
    }
    ms.heap = m.HEAPU8;
    if (!m._lua_toboolean(L, -1)) {
      m._lua_settop(L, -2);
      m._luaL_addlstring(buffer, s, e - s);
      return false;
    }
    if (!m._lua_isstring(L, -1)) {
      const type = m._lua_type(L, -1);
      throw new PatternError(`invalid replacement value (a ${TYPE_NAMES[type] ?? 'userdata'})`);
    }
    m._luaL_addvalue(buffer);
    return true;
  }

  /** The replacement string with %0-%9 and %% (the original's add_s). */
  private addReplacementString(L: number, ms: MatchState, buffer: number, s: number, e: number): void {
    const { m } = this;
    let news = m._lua_tolstring(L, 3, this.scratch);
    let l = m.HEAPU32[this.scratch >> 2];
    for (;;) {
      const heap = m.HEAPU8;
      let at = -1;
      for (let i = 0; i < l; i++) {
        if (heap[news + i] === 0x25) {
          at = news + i;
          break;
        }
      }
      if (at === -1) break;
      m._luaL_addlstring(buffer, news, at - news);
      const c = m.HEAPU8[at + 1];
      if (c === 0x25) m._luaL_addlstring(buffer, at + 1, 1);
      else if (c === 0x30) m._luaL_addlstring(buffer, s, e - s);
      else if (c >= 0x31 && c <= 0x39) {
        const capture = ms.capture(c - 0x31, s, e);
        if ('position' in capture) {
          m._lua_pushinteger(L, BigInt(capture.position));
          m._luaL_addvalue(buffer);
        } else {
          m._luaL_addlstring(buffer, capture.start, capture.length);
        }
      } else {
        throw new PatternError("invalid use of '%' in replacement string");
      }
      l -= at + 2 - news;
      news = at + 2;
    }
    m._luaL_addlstring(buffer, news, l);
  }
}

/**
 * A plain search from offset `init`: a short subject with a simple loop; a long one with
 * Node's indexOf, which is linear-time unlike the C original's memchr/memcmp loop.
 */
function plainFind(heap: Uint8Array, s: number, ls: number, p: number, lp: number, init: number): number {
  if (lp === 0) return init;
  if (lp > ls - init) return -1;
  if (ls < 256) {
    const first = heap[p];
    outer: for (let i = init; i <= ls - lp; i++) {
      if (heap[s + i] !== first) continue;
      for (let k = 1; k < lp; k++) if (heap[s + i + k] !== heap[p + k]) continue outer;
      return i;
    }
    return -1;
  }
  return Buffer.from(heap.buffer, heap.byteOffset + s, ls).indexOf(Buffer.from(heap.buffer, heap.byteOffset + p, lp), init);
}

const TYPE_NAMES: Record<number, string> = {
  0: 'nil', 1: 'boolean', 2: 'userdata', 3: 'number', 4: 'string', 5: 'table', 6: 'function', 7: 'userdata', 8: 'thread',
};

