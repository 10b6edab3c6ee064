import { LlmspellError, stableJson } from '@llmspell/core';
import { getPath } from './references.js';

/**
 * A tiny, safe expression language for `while_condition = "shared.count < 5"` and
 * `{type = "expression"}` conditions: numbers, strings, true/false/nil, identifiers with
 * dotted paths (looked up in the given variables), comparison, and/or/not (also && || !),
 * arithmetic + - * / %, parentheses. No function calls, no assignment.
 */
type Token = { t: 'num' | 'str' | 'id' | 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = src.slice(i).match(/^\d*\.?\d+(?:[eE][+-]?\d+)?/)!;
      out.push({ t: 'num', v: m[0] }); i += m[0].length; continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1; let s = '';
      while (j < src.length && src[j] !== c) { if (src[j] === '\\') j++; s += src[j]; j++; }
      if (j >= src.length) throw new LlmspellError('INVALID_ARGUMENT', `expression: unterminated string in '${src}'`);
      out.push({ t: 'str', v: s }); i = j + 1; continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = src.slice(i).match(/^[A-Za-z_][A-Za-z0-9_]*(?:(?:\.[A-Za-z0-9_]+)|(?:\[\d+\]))*/)!;
      out.push({ t: 'id', v: m[0] }); i += m[0].length; continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||', '~='].includes(two)) { out.push({ t: 'op', v: two === '~=' ? '!=' : two }); i += 2; continue; }
    if ('<>+-*/%()!'.includes(c)) { out.push({ t: 'op', v: c }); i++; continue; }
    throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected '${c}' in '${src}'`);
  }
  return out;
}

export function evaluateExpression(src: string, vars: Record<string, unknown>): unknown {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (...ops: string[]) => peek()?.t === 'op' && ops.includes(peek()!.v) || (peek()?.t === 'id' && ops.includes(peek()!.v));
  const next = () => tokens[pos++];
  const truthy = (v: unknown) => v !== false && v !== null && v !== undefined;
  function or(): unknown {
    let l = and();
    while (isOp('||', 'or')) { next(); const r = and(); l = truthy(l) ? l : r; }
    return l;
  }
  function and(): unknown {
    let l = not();
    while (isOp('&&', 'and')) { next(); const r = not(); l = truthy(l) ? r : l; }
    return l;
  }
  function not(): unknown {
    if (isOp('!', 'not')) { next(); return !truthy(not()); }
    return cmp();
  }
  function cmp(): unknown {
    const l = add();
    if (isOp('==', '!=', '<', '<=', '>', '>=')) {
      const op = next().v; const r = add();
      switch (op) {
        // Equal JSON values are equal whatever their key order ({a=1,b=2} == {b=2,a=1}).
        case '==': return stableJson(l) === stableJson(r);
        case '!=': return stableJson(l) !== stableJson(r);
        case '<': return (l as number) < (r as number);
        case '<=': return (l as number) <= (r as number);
        case '>': return (l as number) > (r as number);
        default: return (l as number) >= (r as number);
      }
    }
    return l;
  }
  function add(): unknown {
    let l = mul();
    while (isOp('+', '-')) { const op = next().v; const r = mul(); l = op === '+' ? (typeof l === 'string' || typeof r === 'string' ? `${l}${r}` : (l as number) + (r as number)) : (l as number) - (r as number); }
    return l;
  }
  function mul(): unknown {
    let l = unary();
    while (isOp('*', '/', '%')) { const op = next().v; const r = unary() as number; l = op === '*' ? (l as number) * r : op === '/' ? (l as number) / r : (l as number) % r; }
    return l;
  }
  function unary(): unknown {
    if (isOp('-')) { next(); return -(unary() as number); }
    return atom();
  }
  function atom(): unknown {
    const tok = next();
    if (!tok) throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected end of '${src}'`);
    if (tok.t === 'num') return Number(tok.v);
    if (tok.t === 'str') return tok.v;
    if (tok.t === 'op' && tok.v === '(') {
      const v = or();
      if (next()?.v !== ')') throw new LlmspellError('INVALID_ARGUMENT', `expression: missing ')' in '${src}'`);
      return v;
    }
    if (tok.t === 'id') {
      if (tok.v === 'true') return true;
      if (tok.v === 'false') return false;
      if (tok.v === 'nil' || tok.v === 'null') return null;
      const [head, ...rest] = tok.v.replace(/\[(\d+)\]/g, '.$1').split('.');
      return getPath(vars[head], rest.join('.')) ?? null;
    }
    throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected '${tok.v}' in '${src}'`);
  }
  const value = or();
  if (pos < tokens.length) throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected '${tokens[pos].v}' in '${src}'`);
  return value;
}

export function isTruthy(v: unknown): boolean {
  return v !== false && v !== null && v !== undefined;
}
