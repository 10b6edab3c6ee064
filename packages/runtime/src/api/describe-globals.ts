import { getIndexFallback, isHostMethod, isScriptCallback, type ScriptValue } from '@llmspell/core';

export interface MemberShape {
  name: string;
  kind: 'function' | 'method' | 'value' | 'object';
  /** Parameter names read from the host function itself. */
  params: string[];
  /** For objects: their members. */
  members?: MemberShape[];
  valueType?: string;
}

/**
 * Parameter names of a host function, read from its source. The generated editor types take
 * names from the very functions scripts call, so they cannot drift from them.
 */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const src = Function.prototype.toString.call(fn);
  let head: string | undefined;
  const arrow = src.match(/^(?:async\s*)?(?:\(([^)]*)\)|([A-Za-z_$][\w$]*))\s*=>/);
  if (arrow) head = (arrow[1] as string | undefined) ?? arrow[2]; // the group that did not match is undefined
  else {
    const m = src.match(/^[^(]*\(([^)]*)\)/);
    head = m?.[1];
  }
  if (!head) return [];
  return head
    .split(',')
    .map((p) => p.trim().replace(/=.*$/, '').replace(/^\.\.\./, '').trim())
    .filter((p) => /^[A-Za-z_$][\w$]*$/.test(p));
}

function typeOfValue(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null || v === undefined) return 'nil';
  return typeof v;
}

/** The shape of one global as the runtime really builds it. */
export function describeValue(name: string, value: ScriptValue, depth = 0): MemberShape {
  if (typeof value === 'function') {
    return { name, kind: isHostMethod(value) ? 'method' : 'function', params: parameterNames(value as (...a: never[]) => unknown) };
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && !isScriptCallback(value) && depth < 2) {
    const members = Object.entries(value)
      .filter(([k]) => !k.startsWith('__'))
      .map(([k, v]) => describeValue(k, v as ScriptValue, depth + 1));
    return { name, kind: 'object', params: [], members, ...(getIndexFallback(value) ? { valueType: 'indexed' } : {}) };
  }
  return { name, kind: 'value', params: [], valueType: typeOfValue(value) };
}

export function describeGlobals(globals: Record<string, ScriptValue>): MemberShape[] {
  return Object.entries(globals).map(([k, v]) => describeValue(k, v)).sort((a, b) => a.name.localeCompare(b.name));
}
