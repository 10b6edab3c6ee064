/**
 * Lua 5.4's pattern matcher (lstrlib.c: match, max_expand, min_expand, captures, %b, %f),
 * ported to TypeScript so that it can be stopped: the C original runs inside one C call
 * that no count hook sees, and patterns like "a-a-a-a-a-a-a-a-a-a-a-a-b" backtrack for
 * hours. This one counts its steps and asks `budget` every STEP_CHECK of them, which
 * throws to stop it. Behaviour and error messages are the original's.
 *
 * Positions are byte offsets into `heap` (the WASM memory holding the Lua strings); the
 * subject is [src, srcEnd), the pattern [p, pEnd). Reading past an end gives 0, as the C
 * code reads the strings' terminating NUL.
 */

export const MAX_CAPTURES = 32;
const CAP_UNFINISHED = -1;
export const CAP_POSITION = -2;
const MAXCCALLS = 200;
const L_ESC = 0x25; // '%'
/** Steps between two calls of the budget. */
const STEP_CHECK = 1 << 14;

/** A pattern error, raised in Lua with the caller's position (the C original's luaL_error). */
export class PatternError extends Error {}

const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isCntrl = (c: number) => c < 0x20 || c === 0x7f;
const isGraph = (c: number) => c > 0x20 && c < 0x7f;
const isAlnum = (c: number) => isAlpha(c) || isDigit(c);
const isPunct = (c: number) => isGraph(c) && !isAlnum(c);
const isXdigit = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** The C locale's character classes (%a, %d, ...), as the original's <ctype.h>. */
export function matchClass(c: number, cl: number): boolean {
  let res: boolean;
  switch (cl | 0x20) {
    case 0x61: res = isAlpha(c); break; // a
    case 0x63: res = isCntrl(c); break; // c
    case 0x64: res = isDigit(c); break; // d
    case 0x67: res = isGraph(c); break; // g
    case 0x6c: res = isLower(c); break; // l
    case 0x70: res = isPunct(c); break; // p
    case 0x73: res = isSpace(c); break; // s
    case 0x75: res = isUpper(c); break; // u
    case 0x77: res = isAlnum(c); break; // w
    case 0x78: res = isXdigit(c); break; // x
    case 0x7a: res = c === 0; break; // z
    default: return cl === c;
  }
  return isLower(cl) ? res : !res;
}

export class MatchState {
  level = 0;
  readonly captureInit = new Int32Array(MAX_CAPTURES);
  readonly captureLen = new Int32Array(MAX_CAPTURES);
  private matchdepth = MAXCCALLS;
  private steps = 0;
  heap: Uint8Array = new Uint8Array(0);
  srcInit = 0;
  srcEnd = 0;
  pEnd = 0;

  constructor(private readonly budget: () => void) {}

  /** Points the state at a subject and a pattern (states are reused: matching allocates nothing). */
  prepare(heap: Uint8Array, srcInit: number, srcEnd: number, pEnd: number): this {
    this.heap = heap;
    this.srcInit = srcInit;
    this.srcEnd = srcEnd;
    this.pEnd = pEnd;
    this.reset();
    return this;
  }

  /** Before each new match attempt (the original's reprepstate). */
  reset(): void {
    this.level = 0;
    this.matchdepth = MAXCCALLS;
  }

  private pat(i: number): number {
    return i < this.pEnd ? this.heap[i] : 0;
  }

  private src(i: number): number {
    return i < this.srcEnd ? this.heap[i] : 0;
  }

  private tick(): void {
    if (++this.steps >= STEP_CHECK) {
      this.steps = 0;
      this.budget();
    }
  }

  private checkCapture(l: number): number {
    l -= 0x31; // '1'
    if (l < 0 || l >= this.level || this.captureLen[l] === CAP_UNFINISHED) throw new PatternError(`invalid capture index %${l + 1}`);
    return l;
  }

  private captureToClose(): number {
    for (let level = this.level - 1; level >= 0; level--) if (this.captureLen[level] === CAP_UNFINISHED) return level;
    throw new PatternError('invalid pattern capture');
  }

  private classEnd(p: number): number {
    const c = this.pat(p++);
    if (c === L_ESC) {
      if (p === this.pEnd) throw new PatternError("malformed pattern (ends with '%')");
      return p + 1;
    }
    if (c === 0x5b) { // '['
      if (this.pat(p) === 0x5e) p++; // '^'
      do {
        if (p === this.pEnd) throw new PatternError("malformed pattern (missing ']')");
        if (this.pat(p++) === L_ESC && p < this.pEnd) p++;
      } while (this.pat(p) !== 0x5d); // ']'
      return p + 1;
    }
    return p;
  }

  /** `p` at '[', `ec` at its ']'. */
  private matchBracketClass(c: number, p: number, ec: number): boolean {
    let sig = true;
    if (this.pat(p + 1) === 0x5e) {
      sig = false;
      p++;
    }
    while (++p < ec) {
      if (this.pat(p) === L_ESC) {
        p++;
        if (matchClass(c, this.pat(p))) return sig;
      } else if (this.pat(p + 1) === 0x2d && p + 2 < ec) { // '-'
        p += 2;
        if (this.pat(p - 2) <= c && c <= this.pat(p)) return sig;
      } else if (this.pat(p) === c) return sig;
    }
    return !sig;
  }

  private singleMatch(s: number, p: number, ep: number): boolean {
    if (s >= this.srcEnd) return false;
    const c = this.heap[s];
    switch (this.pat(p)) {
      case 0x2e: return true; // '.'
      case L_ESC: return matchClass(c, this.pat(p + 1));
      case 0x5b: return this.matchBracketClass(c, p, ep - 1);
      default: return this.pat(p) === c;
    }
  }

  private matchBalance(s: number, p: number): number {
    if (p >= this.pEnd - 1) throw new PatternError("malformed pattern (missing arguments to '%b')");
    if (this.src(s) !== this.pat(p)) return -1;
    const b = this.pat(p);
    const e = this.pat(p + 1);
    let cont = 1;
    while (++s < this.srcEnd) {
      this.tick();
      const c = this.heap[s];
      if (c === e) {
        if (--cont === 0) return s + 1;
      } else if (c === b) cont++;
    }
    return -1;
  }

  private maxExpand(s: number, p: number, ep: number): number {
    let i = 0;
    while (this.singleMatch(s + i, p, ep)) {
      this.tick();
      i++;
    }
    while (i >= 0) {
      this.tick();
      const res = this.match(s + i, ep + 1);
      if (res !== -1) return res;
      i--;
    }
    return -1;
  }

  private minExpand(s: number, p: number, ep: number): number {
    for (;;) {
      this.tick();
      const res = this.match(s, ep + 1);
      if (res !== -1) return res;
      if (this.singleMatch(s, p, ep)) s++;
      else return -1;
    }
  }

  private startCapture(s: number, p: number, what: number): number {
    const level = this.level;
    if (level >= MAX_CAPTURES) throw new PatternError('too many captures');
    this.captureInit[level] = s;
    this.captureLen[level] = what;
    this.level = level + 1;
    const res = this.match(s, p);
    if (res === -1) this.level--;
    return res;
  }

  private endCapture(s: number, p: number): number {
    const l = this.captureToClose();
    this.captureLen[l] = s - this.captureInit[l];
    const res = this.match(s, p);
    if (res === -1) this.captureLen[l] = CAP_UNFINISHED;
    return res;
  }

  private matchCapture(s: number, l: number): number {
    l = this.checkCapture(l);
    const len = this.captureLen[l];
    if (this.srcEnd - s < len) return -1;
    const init = this.captureInit[l];
    for (let k = 0; k < len; k++) if (this.heap[init + k] !== this.heap[s + k]) return -1;
    return s + len;
  }

  /** Matches pattern position `p` at subject position `s`: the end of the match, or -1. */
  match(s: number, p: number): number {
    if (this.matchdepth-- === 0) throw new PatternError('pattern too complex');
    this.tick();
    for (;;) {
      if (p === this.pEnd) break;
      const pc = this.pat(p);
      if (pc === 0x28) { // '('
        s = this.pat(p + 1) === 0x29 ? this.startCapture(s, p + 2, CAP_POSITION) : this.startCapture(s, p + 1, CAP_UNFINISHED);
        break;
      }
      if (pc === 0x29) { // ')'
        s = this.endCapture(s, p + 1);
        break;
      }
      if (pc === 0x24 && p + 1 === this.pEnd) { // '$' last
        s = s === this.srcEnd ? s : -1;
        break;
      }
      if (pc === L_ESC) {
        const next = this.pat(p + 1);
        if (next === 0x62) { // 'b'
          s = this.matchBalance(s, p + 2);
          if (s !== -1) {
            p += 4;
            continue;
          }
          break;
        }
        if (next === 0x66) { // 'f'
          p += 2;
          if (this.pat(p) !== 0x5b) throw new PatternError("missing '[' after '%f' in pattern");
          const ep = this.classEnd(p);
          const previous = s === this.srcInit ? 0 : this.heap[s - 1];
          if (!this.matchBracketClass(previous, p, ep - 1) && this.matchBracketClass(this.src(s), p, ep - 1)) {
            p = ep;
            continue;
          }
          s = -1;
          break;
        }
        if (isDigit(next)) {
          s = this.matchCapture(s, next);
          if (s !== -1) {
            p += 2;
            continue;
          }
          break;
        }
      }
      // a single-char class with an optional suffix
      const ep = this.classEnd(p);
      const suffix = this.pat(ep);
      if (!this.singleMatch(s, p, ep)) {
        if (suffix === 0x2a || suffix === 0x3f || suffix === 0x2d) { // '*' '?' '-' accept empty
          p = ep + 1;
          continue;
        }
        s = -1;
        break;
      }
      if (suffix === 0x3f) { // '?'
        const res = this.match(s + 1, ep + 1);
        if (res !== -1) {
          s = res;
          break;
        }
        p = ep + 1;
        continue;
      }
      if (suffix === 0x2b) { // '+'
        s = this.maxExpand(s + 1, p, ep);
        break;
      }
      if (suffix === 0x2a) { // '*'
        s = this.maxExpand(s, p, ep);
        break;
      }
      if (suffix === 0x2d) { // '-'
        s = this.minExpand(s, p, ep);
        break;
      }
      s++;
      p = ep;
    }
    this.matchdepth++;
    return s;
  }

  /**
   * Capture `i` of a match spanning [s, e): { start, length } of a string capture, or
   * { position } (1-based) for a position capture. With no captures, index 0 is the whole match.
   */
  capture(i: number, s: number, e: number): { start: number; length: number } | { position: number } {
    if (i >= this.level) {
      if (i !== 0) throw new PatternError(`invalid capture index %${i + 1}`);
      return { start: s, length: e - s };
    }
    const length = this.captureLen[i];
    if (length === CAP_UNFINISHED) throw new PatternError('unfinished capture');
    if (length === CAP_POSITION) return { position: this.captureInit[i] - this.srcInit + 1 };
    return { start: this.captureInit[i], length };
  }
}

const SPECIALS = new Set([...'^$*+?.([%-'].map((c) => c.charCodeAt(0)));

/** True when the pattern has no magic characters (a plain search does). */
export function noSpecials(heap: Uint8Array, p: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (SPECIALS.has(heap[p + i])) return false;
  return true;
}

/** Lua's posrelatI: a 1-based start position from a possibly negative one. */
export function relativeStart(pos: bigint, length: number): number {
  if (pos > 0n) return pos > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(pos);
  if (pos === 0n) return 1;
  if (pos < -BigInt(length)) return 1;
  return length + Number(pos) + 1;
}
