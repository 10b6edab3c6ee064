import type { z } from 'zod';
import { LlmspellError } from './errors.js';
import { closestMatch } from './suggest.js';

/** The top-level keys an object schema declares, and whether it takes keys beyond them. */
export interface DeclaredKeys {
  keys: string[];
  /** True for `z.looseObject` / `.catchall(…)`: the schema itself wants keys it does not name. */
  open: boolean;
}

interface Schema {
  _zod: { def: Def };
}

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  catchall?: Schema;
  in?: Schema;
  out?: Schema;
  innerType?: Schema;
  options?: Schema[];
  left?: Schema;
  right?: Schema;
}

const cache = new WeakMap<object, DeclaredKeys | null>();

/** Wrappers that change how a value is defaulted or checked, not what it looks like. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; depth <= 10; depth++) {
    const def = current._zod.def;
    // z.preprocess(fn, object) is a pipe into the object; a transform out of it keeps the input's keys.
    const inner = def.type === 'pipe' ? (def.in?._zod.def.type === 'transform' ? def.out : def.in) : WRAPPERS.has(def.type) ? def.innerType : undefined;
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/**
 * The schema inside zod's wrappers (`.optional()`, `.default()`, `.prefault()`, `.catch()`, a
 * preprocess pipe): the one that says what a value looks like (an object, a record, a union…).
 */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  return unwrap(schema as unknown as Schema) as unknown as z.ZodType;
}

function declared(schema: Schema, depth: number): DeclaredKeys | null {
  if (depth > 10) return null;
  const def = unwrap(schema)._zod.def;
  switch (def.type) {
    case 'object':
      return { keys: Object.keys(def.shape ?? {}), open: def.catchall !== undefined && def.catchall._zod.def.type !== 'never' };
    case 'union': {
      const parts = (def.options ?? []).map((o) => declared(o, depth + 1));
      if (parts.some((p) => p === null)) return null;
      return { keys: [...new Set(parts.flatMap((p) => p!.keys))], open: parts.some((p) => p!.open) };
    }
    case 'intersection': {
      const l = def.left ? declared(def.left, depth + 1) : null;
      const r = def.right ? declared(def.right, depth + 1) : null;
      if (!l || !r) return null;
      return { keys: [...new Set([...l.keys, ...r.keys])], open: l.open || r.open };
    }
    default:
      return null;
  }
}

/**
 * The keys a tool's parameter schema declares at the top level, or null when the schema is
 * not built from objects (then nothing can be said about unknown keys).
 */
export function declaredKeys(schema: z.ZodType): DeclaredKeys | null {
  if (cache.has(schema)) return cache.get(schema)!;
  const result = declared(schema as unknown as Schema, 0);
  cache.set(schema, result);
  return result;
}

const NO_KEYS: readonly string[] = [];

/** Declared plus ignored keys, made once per schema and list of ignored names (every call needs them). */
const knownCache = new WeakMap<DeclaredKeys, { ignored: readonly string[]; known: Set<string> }>();

function knownKeys(decl: DeclaredKeys, ignored: readonly string[]): Set<string> {
  const hit = knownCache.get(decl);
  if (hit && hit.ignored === ignored) return hit.known;
  const known = new Set([...decl.keys, ...ignored]);
  knownCache.set(decl, { ignored, known });
  return known;
}

/**
 * Refuses argument keys a tool does not know, so that a typo (`inptu`) is an error naming the
 * key and the closest known one instead of a silently ignored value. `ignored` are names the
 * tool accepts without using (the reference's spellings); an undefined value counts as absent.
 */
export function checkParameterKeys(toolName: string, params: Record<string, unknown>, schema: z.ZodType, ignored: readonly string[] = NO_KEYS): void {
  const decl = declaredKeys(schema);
  if (!decl || decl.open) return;
  const known = knownKeys(decl, ignored);
  for (const key of Object.keys(params)) {
    if (known.has(key) || params[key] === undefined) continue;
    // Only keys that do something are worth suggesting.
    const suggestion = closestMatch(key, decl.keys);
    const hint = suggestion !== undefined ? `did you mean '${suggestion}'?` : `known parameters: ${decl.keys.join(', ')}`;
    throw new LlmspellError('INVALID_ARGUMENT', `${toolName}: unknown parameter '${key}' (${hint})`, {
      details: { tool: toolName, parameter: key, ...(suggestion !== undefined ? { suggestion } : {}), known: decl.keys },
    });
  }
}
