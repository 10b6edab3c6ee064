import { valueText } from './tool-text.js';

/**
 * Step references in parameters, resolved just before a step runs. Both documented syntaxes:
 *   {{step:NAME:output}}  {{step:NAME:output.field}}  {{state:KEY}}  {{loop:current_item}}
 *   {{loop:current_index}}  {{input}}  {{input.field}}  {{shared.key}}  {{branch:B:STEP:output}}
 *   $stepName  $stepName.field  $$  $$.field
 * A string that is exactly one reference becomes the referenced value with its type; a
 * reference inside a longer string is interpolated as text. A bare reference to a tool step's
 * output stands for the tool's primary value/text (see tool-text.ts).
 */
export interface ReferenceScope {
  input: unknown;
  outputs: Record<string, unknown>;
  shared: Record<string, unknown>;
  loop?: { current_item: unknown; current_index: number };
  branches?: Record<string, Record<string, unknown>>;
  /** State values, loaded before resolution for the keys the templates name. */
  state: Record<string, unknown>;
  /** What a bare reference to a tool step's output stands for (see tool-text.ts), by step name. */
  primaries?: Record<string, { value: unknown; text: string }>;
}

interface Hit {
  found: boolean;
  value: unknown;
  /** How the value reads inside text, when that differs from its JSON (a tool's output). */
  text?: string;
}

const BRACE = /\{\{\s*([^}]+?)\s*\}\}/g;
const DOLLAR = /\$(\$|[A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)/g;

export function getPath(value: unknown, path: string): unknown {
  if (!path) return value;
  let node: unknown = value;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean)) {
    if (node === null || node === undefined) return undefined;
    if (typeof node === 'string' && part !== 'length') {
      try {
        node = JSON.parse(node);
      } catch {
        return undefined;
      }
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function lookup(expr: string, scope: ReferenceScope): Hit {
  const parts = expr.split(':');
  const head = parts[0].trim();
  if (head === 'step' && parts.length >= 3) {
    const name = parts[1];
    if (!(name in scope.outputs)) return { found: false, value: undefined };
    const rest = parts.slice(2).join(':');
    const path = rest === 'output' ? '' : rest.startsWith('output.') ? rest.slice(7) : rest.startsWith('output[') ? rest.slice(6) : rest;
    const primary = path ? undefined : scope.primaries?.[name];
    if (primary) return { found: true, value: primary.value, text: primary.text };
    return { found: true, value: getPath(scope.outputs[name], path) };
  }
  if (head === 'branch' && parts.length >= 4) {
    const branch = scope.branches?.[parts[1]];
    if (!branch || !(parts[2] in branch)) return { found: false, value: undefined };
    const rest = parts.slice(3).join(':');
    return { found: true, value: getPath(branch[parts[2]], rest === 'output' ? '' : rest.replace(/^output\.?/, '')) };
  }
  if (head === 'state' && parts.length >= 2) {
    const key = parts.slice(1).join(':');
    return { found: key in scope.state, value: scope.state[key] };
  }
  if (head === 'loop' && parts.length === 2) {
    if (!scope.loop) return { found: false, value: undefined };
    // `current_value` is the reference examples' spelling; paths reach into the item.
    const m = parts[1].match(/^(current_item|current_value|current_index|index|item|value)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/);
    if (!m) return { found: false, value: undefined };
    if (m[1] === 'current_index' || m[1] === 'index') return { found: true, value: scope.loop.current_index };
    return { found: true, value: getPath(scope.loop.current_item, m[2].replace(/^\./, '')) };
  }
  if (head === 'input' || head.startsWith('input.') || head.startsWith('input[')) {
    return { found: true, value: getPath(scope.input, head.slice(5)) };
  }
  if (head.startsWith('shared.')) {
    return { found: true, value: getPath(scope.shared, head.slice(7)) };
  }
  return { found: false, value: undefined };
}

function hitText(hit: Hit): string {
  return hit.text ?? valueText(hit.value);
}

function resolveString(text: string, scope: ReferenceScope): unknown {
  const whole = text.match(/^\s*\{\{\s*([^}]+?)\s*\}\}\s*$/);
  if (whole) {
    const hit = lookup(whole[1], scope);
    if (hit.found) return hit.value ?? null;
  }
  const dollarWhole = text.match(/^\$(\$|[A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/);
  if (dollarWhole) {
    const hit = dollarLookup(dollarWhole[1], dollarWhole[2], scope);
    if (hit.found) return hit.value ?? null;
  }
  return interpolate(text, scope);
}

/**
 * Resolves every reference in a string as text, even when the string is exactly one reference
 * (for a string parameter fed a whole reference to a record).
 */
export function interpolate(text: string, scope: ReferenceScope): string {
  let out = text.replace(BRACE, (m, expr: string) => {
    const hit = lookup(expr, scope);
    return hit.found ? hitText(hit) : m;
  });
  if (out.includes('$')) {
    out = out.replace(DOLLAR, (m, name: string, path: string) => {
      const hit = dollarLookup(name, path, scope);
      return hit.found ? hitText(hit) : m;
    });
  }
  return out;
}

function dollarLookup(name: string, path: string, scope: ReferenceScope): Hit {
  const p = path.replace(/^\./, '');
  if (name === '$') return { found: true, value: getPath(scope.input, p) };
  const primary = p ? undefined : scope.primaries?.[name];
  if (primary) return { found: true, value: primary.value, text: primary.text };
  if (name in scope.outputs) return { found: true, value: getPath(scope.outputs[name], p) };
  return { found: false, value: undefined };
}

/** Resolves every reference inside a JSON-like value (strings anywhere in it). */
export function resolveReferences(value: unknown, scope: ReferenceScope): unknown {
  if (typeof value === 'string') return value.includes('{{') || value.includes('$') ? resolveString(value, scope) : value;
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, scope));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(v, scope);
    return out;
  }
  return value;
}

/** The state keys that `{{state:KEY}}` references in a value name. */
export function stateKeysIn(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(BRACE)) {
      const expr = m[1];
      if (expr.startsWith('state:')) into.add(expr.slice(6));
    }
  } else if (Array.isArray(value)) value.forEach((v) => stateKeysIn(v, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => stateKeysIn(v, into));
  return into;
}
