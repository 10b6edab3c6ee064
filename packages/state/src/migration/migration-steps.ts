import { LlmspellError } from '@llmspell/core';
import { deletePath, getPath, hasPath, isFieldObject, setPath } from './field-path.js';

/** What a custom step's function gets besides the value. */
export interface ItemInfo {
  scope: string;
  key: string;
  from_version: string;
  to_version: string;
}

export type CustomTransform = (value: unknown, info: ItemInfo) => unknown | Promise<unknown>;

/** Every step but `custom`: the ones that run synchronously and can be compiled. */
export type FieldStep = Exclude<MigrationStep, { type: 'custom' }>;

export type MigrationStep =
  | { type: 'add'; field: string; value: unknown }
  | { type: 'remove'; field: string }
  | { type: 'rename'; from: string; to: string }
  | { type: 'copy'; from: string; to: string }
  | { type: 'convert'; field: string; to: string; converter: Converter }
  | { type: 'split'; from: string; to: string[]; separator: string; keep: boolean }
  | { type: 'merge'; from: string[]; to: string; merger: Merger; separator: string; keep: boolean }
  | { type: 'custom'; fn: CustomTransform; description?: string };

export const CONVERTERS = ['parse_int', 'parse_float', 'to_number', 'to_string', 'to_boolean', 'to_array', 'json_parse', 'json_stringify'] as const;
export type Converter = (typeof CONVERTERS)[number];
export const MERGERS = ['concat_strings', 'sum_numbers', 'first_non_null', 'to_array', 'to_object'] as const;
export type Merger = (typeof MERGERS)[number];

const TYPE_TO_CONVERTER: Record<string, Converter> = {
  integer: 'parse_int', int: 'parse_int', number: 'to_number', float: 'parse_float', string: 'to_string',
  boolean: 'to_boolean', bool: 'to_boolean', array: 'to_array', object: 'json_parse',
};

type Raw = Record<string, unknown>;

/**
 * `value` as a list: an array, or [] for an empty plain object — what an empty Lua table
 * reaches the host as (a table with no entries is neither list nor map); undefined otherwise.
 */
export function asList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return undefined;
  return Object.keys(value).length === 0 ? [] : undefined;
}

function str(raw: Raw, where: string, ...names: string[]): string {
  for (const n of names) if (typeof raw[n] === 'string' && raw[n] !== '') return raw[n] as string;
  throw new LlmspellError('INVALID_ARGUMENT', `${where}.${names[0]} must be a non-empty string`);
}

function strList(raw: Raw, where: string, ...names: string[]): string[] {
  for (const n of names) {
    const v = raw[n];
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  }
  throw new LlmspellError('INVALID_ARGUMENT', `${where}.${names[0]} must be a non-empty list of field names`);
}

/**
 * Reads one step as scripts write it. Accepts the reference's field names too
 * (`from_field`/`to_field`, `to_fields`, `from_fields`, `Copy` meaning rename…).
 */
export function normalizeStep(input: unknown, where: string, toFunction: (v: unknown) => CustomTransform | undefined): MigrationStep {
  if (typeof input === 'function' || toFunction(input)) return { type: 'custom', fn: toFunction(input) ?? (input as CustomTransform) };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new LlmspellError('INVALID_ARGUMENT', `${where} must be a table/object with a "type"`);
  const raw = input as Raw;
  const type = String(raw.type ?? raw.kind ?? '').toLowerCase();
  switch (type) {
    case 'add':
    case 'default':
      return { type: 'add', field: str(raw, where, 'field', 'name'), value: raw.value ?? raw.default ?? null };
    case 'remove':
    case 'delete':
      return { type: 'remove', field: str(raw, where, 'field', 'name') };
    case 'rename':
    case 'move':
      return { type: 'rename', from: str(raw, where, 'from', 'from_field'), to: str(raw, where, 'to', 'to_field') };
    case 'copy':
      return { type: 'copy', from: str(raw, where, 'from', 'from_field'), to: str(raw, where, 'to', 'to_field') };
    case 'convert':
    case 'transform': {
      const field = str(raw, where, 'field', 'from', 'from_field');
      const to = typeof raw.to === 'string' ? raw.to : typeof raw.to_field === 'string' ? raw.to_field : field;
      let converter = (raw.converter ?? raw.to_type ?? raw.type_to) as string | undefined;
      if (typeof converter === 'string' && TYPE_TO_CONVERTER[converter] && !CONVERTERS.includes(converter as Converter)) converter = TYPE_TO_CONVERTER[converter];
      if (!CONVERTERS.includes(converter as Converter)) {
        throw new LlmspellError('INVALID_ARGUMENT', `${where}.converter must be one of ${CONVERTERS.join(', ')} (or to_type string|number|integer|boolean|array), got ${JSON.stringify(converter)}`);
      }
      return { type: 'convert', field, to, converter: converter as Converter };
    }
    case 'split':
      return {
        type: 'split', from: str(raw, where, 'from', 'field', 'from_field'), to: strList(raw, where, 'to', 'to_fields'),
        separator: typeof raw.separator === 'string' ? raw.separator : ',', keep: raw.keep === true,
      };
    case 'merge': {
      const merger = (raw.merger ?? 'concat_strings') as string;
      if (!MERGERS.includes(merger as Merger)) throw new LlmspellError('INVALID_ARGUMENT', `${where}.merger must be one of ${MERGERS.join(', ')}`);
      return {
        type: 'merge', from: strList(raw, where, 'from', 'from_fields'), to: str(raw, where, 'to', 'to_field'), merger: merger as Merger,
        separator: typeof raw.separator === 'string' ? raw.separator : ' ', keep: raw.keep === true,
      };
    }
    case 'custom': {
      const fn = toFunction(raw.fn ?? raw.transform ?? raw.transformer ?? raw.func);
      if (!fn) throw new LlmspellError('INVALID_ARGUMENT', `${where}.fn must be a function for a custom step`);
      return { type: 'custom', fn, description: typeof raw.description === 'string' ? raw.description : undefined };
    }
    default:
      throw new LlmspellError('INVALID_ARGUMENT', `${where}.type must be add, default, remove, rename, copy, convert, transform, split, merge or custom; got ${JSON.stringify(raw.type)}`);
  }
}

function convertFailure(value: unknown, converter: Converter, field: string, why: string): LlmspellError {
  return new LlmspellError('MIGRATION_FAILED', `cannot convert field '${field}' (${JSON.stringify(value)?.slice(0, 60)}) with ${converter}: ${why}`);
}

const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;

function convert(value: unknown, converter: Converter, field: string): unknown {
  switch (converter) {
    case 'parse_int': {
      if (typeof value === 'number') return Math.trunc(value);
      const n = typeof value === 'string' && INTEGER_TEXT.test(value) ? Number.parseInt(value, 10) : NaN;
      if (!Number.isFinite(n)) throw convertFailure(value, converter, field, 'not an integer');
      return n;
    }
    case 'parse_float':
    case 'to_number': {
      if (typeof value === 'number') return value;
      if (typeof value === 'boolean') return value ? 1 : 0;
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw convertFailure(value, converter, field, 'not a number');
      return n;
    }
    case 'to_string':
      return typeof value === 'string' ? value : value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'to_boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string' && /^(true|yes|1|on)$/i.test(value.trim())) return true;
      if (typeof value === 'string' && /^(false|no|0|off|)$/i.test(value.trim())) return false;
      if (value === null) return false;
      throw convertFailure(value, converter, field, 'not a boolean');
    case 'to_array':
      return Array.isArray(value) ? value : value === null ? [] : [value];
    case 'json_parse':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch (error) {
        throw convertFailure(value, converter, field, (error as Error).message);
      }
    case 'json_stringify':
      return JSON.stringify(value);
  }
}

function merge(values: unknown[], from: string[], merger: Merger, separator: string): unknown {
  switch (merger) {
    case 'concat_strings':
      return values.filter((v) => v !== undefined && v !== null).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(separator);
    case 'sum_numbers':
      return values.reduce<number>((sum, v) => sum + (typeof v === 'number' ? v : 0), 0);
    case 'first_non_null':
      return values.find((v) => v !== undefined && v !== null) ?? null;
    case 'to_array':
      return values.map((v) => v ?? null);
    case 'to_object':
      return Object.fromEntries(from.map((f, i) => [f.split('.').pop() as string, values[i] ?? null]));
  }
}

/**
 * Applies one step to one item. Field steps only touch object values (others pass through
 * unchanged); a custom step sees every value and returns its replacement (undefined keeps it).
 */
export async function applyStep(step: MigrationStep, value: unknown, info: ItemInfo): Promise<unknown> {
  if (step.type === 'custom') {
    const out = await step.fn(structuredClone(value), info);
    return out === undefined || out === null ? value : out;
  }
  return applyFieldStep(step, value);
}

/** The synchronous part: every step but `custom` (no promise per item on the hot path). */
export function applyFieldStep(step: Exclude<MigrationStep, { type: 'custom' }>, value: unknown): unknown {
  if (!isFieldObject(value)) return value;
  const obj = value;
  switch (step.type) {
    case 'add':
      if (!hasPath(obj, step.field)) setPath(obj, step.field, structuredClone(step.value));
      return obj;
    case 'remove':
      deletePath(obj, step.field);
      return obj;
    case 'rename':
    case 'copy':
      if (hasPath(obj, step.from)) {
        setPath(obj, step.to, structuredClone(getPath(obj, step.from)));
        if (step.type === 'rename' && step.from !== step.to) deletePath(obj, step.from);
      }
      return obj;
    case 'convert':
      if (hasPath(obj, step.field)) {
        const converted = convert(getPath(obj, step.field), step.converter, step.field);
        if (step.to !== step.field) deletePath(obj, step.field);
        setPath(obj, step.to, converted);
      }
      return obj;
    case 'split': {
      if (!hasPath(obj, step.from)) return obj;
      const source = getPath(obj, step.from);
      const parts = typeof source === 'string' ? source.split(step.separator).map((p) => p.trim()) : Array.isArray(source) ? source : [source];
      if (!step.keep) deletePath(obj, step.from);
      step.to.forEach((field, i) => setPath(obj, field, parts[i] ?? null));
      return obj;
    }
    case 'merge': {
      if (!step.from.some((f) => hasPath(obj, f))) return obj;
      const values = step.from.map((f) => getPath(obj, f));
      const merged = merge(values, step.from, step.merger, step.separator);
      if (!step.keep) for (const f of step.from) if (f !== step.to) deletePath(obj, f);
      setPath(obj, step.to, merged);
      return obj;
    }
  }
}

type Obj = Record<string, unknown>;
type Accessors = {
  has: (o: Obj) => boolean;
  get: (o: Obj) => unknown;
  set: (o: Obj, v: unknown) => void;
  del: (o: Obj) => void;
};

const hasOwn = Object.prototype.hasOwnProperty;

/** Field access specialised once per field name: a plain name needs no path walk. */
function accessors(path: string): Accessors {
  if (!path.includes('.')) {
    return {
      has: (o) => hasOwn.call(o, path),
      get: (o) => o[path],
      set: (o, v) => {
        o[path] = v;
      },
      del: (o) => {
        if (hasOwn.call(o, path)) delete o[path];
      },
    };
  }
  return { has: (o) => hasPath(o, path), get: (o) => getPath(o, path), set: (o, v) => setPath(o, path, v), del: (o) => deletePath(o, path) };
}

/** Objects are copied where a step duplicates a value (as `applyFieldStep` does); primitives need no copy. */
const cloneValue = (v: unknown): unknown => (typeof v === 'object' && v !== null ? structuredClone(v) : v);

type StepFn = (o: Obj) => void;

function compileFieldStep(step: FieldStep, accessors: (name: string) => Accessors): StepFn {
  switch (step.type) {
    case 'add': {
      const f = accessors(step.field);
      const value = step.value;
      const primitive = typeof value !== 'object' || value === null;
      return (o) => {
        if (!f.has(o)) f.set(o, primitive ? value : structuredClone(value));
      };
    }
    case 'remove':
      return accessors(step.field).del;
    case 'rename':
    case 'copy': {
      const from = accessors(step.from);
      const to = accessors(step.to);
      const move = step.type === 'rename' && step.from !== step.to;
      return (o) => {
        if (!from.has(o)) return;
        to.set(o, cloneValue(from.get(o)));
        if (move) from.del(o);
      };
    }
    case 'convert': {
      const from = accessors(step.field);
      const to = accessors(step.to);
      const moved = step.to !== step.field;
      const { converter, field } = step;
      return (o) => {
        if (!from.has(o)) return;
        const converted = convert(from.get(o), converter, field);
        if (moved) from.del(o);
        to.set(o, converted);
      };
    }
    case 'split':
    case 'merge':
      return (o) => {
        applyFieldStep(step, o);
      };
  }
}

/** Thrown by a compiled step list: which step failed, and why. */
export class StepFailure extends Error {
  constructor(readonly index: number, readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/**
 * Marks a removed top-level field while a compiled run is in progress. `delete` of a
 * property that is not the newest turns a V8 object into a slow dictionary; marking and
 * building the object once at the end keeps every item a fast object.
 */
const REMOVED: unique symbol = Symbol('llmspell.migration.removed');

/**
 * Accessors for a plain (dot-free) field name under the marking scheme. Writing a field that
 * was removed earlier in the run really deletes it first, so it moves to the end of the key
 * order exactly as with `applyFieldStep`.
 */
function markingAccessors(name: string, dirty: { on: boolean }): Accessors {
  return {
    has: (o) => hasOwn.call(o, name) && o[name] !== REMOVED,
    get: (o) => {
      const v = o[name];
      return v === REMOVED ? undefined : v;
    },
    set: (o, v) => {
      if (o[name] === REMOVED) delete o[name];
      o[name] = v;
    },
    del: (o) => {
      if (hasOwn.call(o, name) && o[name] !== REMOVED) {
        o[name] = REMOVED;
        dirty.on = true;
      }
    },
  };
}

/** A copy of `o` without the fields marked removed, keys in the same order. */
function withoutRemoved(o: Obj): Obj {
  const out: Obj = {};
  for (const k in o) {
    if (!hasOwn.call(o, k)) continue;
    const v = o[k];
    if (v !== REMOVED) out[k] = v;
  }
  return out;
}

function plainNames(step: FieldStep): string[] | undefined {
  let names: string[];
  switch (step.type) {
    case 'add':
    case 'remove':
      names = [step.field];
      break;
    case 'convert':
      names = [step.field, step.to];
      break;
    case 'rename':
    case 'copy':
      names = [step.from, step.to];
      break;
    default:
      return undefined;
  }
  return names.every((n) => !n.includes('.')) ? names : undefined;
}

/**
 * Compiles a run of field steps into one function over a value, equivalent to calling
 * `applyFieldStep` for each step in turn: the field names are resolved once, not per item,
 * and non-objects pass through untouched. A failing step throws a `StepFailure` with its
 * index in `steps`. The function may return a new object (when fields were removed).
 */
export function compileFieldSteps(steps: readonly FieldStep[]): (value: unknown) => unknown {
  // Marking applies when every step names top-level fields only (dotted paths and
  // split/merge walk the object generically and must see real deletions).
  const marking = steps.length > 0 && steps.every((s) => plainNames(s) !== undefined);
  const dirty = { on: false };
  const fns = steps.map((s) => compileFieldStep(s, marking ? (name) => markingAccessors(name, dirty) : accessors));
  const n = fns.length;
  return (value) => {
    if (!isFieldObject(value)) return value;
    let i = 0;
    dirty.on = false;
    try {
      for (; i < n; i++) fns[i](value);
    } catch (error) {
      // Leave the object as the steps before the failing one left it, with no markers in it.
      if (dirty.on) for (const k in value) if (hasOwn.call(value, k) && value[k] === REMOVED) delete value[k];
      throw new StepFailure(i, error);
    }
    return dirty.on ? withoutRemoved(value) : value;
  };
}

/**
 * Compiles a list of step definitions (as scripts write them) into one synchronous function
 * `value → migrated value` — what a migration runs per item. Custom steps are refused here
 * (they may be async and need item context); use `MigrationEngine` for those.
 */
export function compileMigrationSteps(steps: unknown): (value: unknown) => unknown {
  const list = asList(steps);
  if (!list) throw new LlmspellError('INVALID_ARGUMENT', 'steps must be a list');
  const normalized = list.map((s, i) => normalizeStep(s, `steps[${i + 1}]`, () => undefined));
  const custom = normalized.findIndex((s) => s.type === 'custom');
  if (custom >= 0) throw new LlmspellError('INVALID_ARGUMENT', `steps[${custom + 1}] is a custom step; compileMigrationSteps takes field steps only`);
  const run = compileFieldSteps(normalized as FieldStep[]);
  return (value) => {
    try {
      return run(value);
    } catch (error) {
      const failure = error as StepFailure;
      throw failure.reason ?? error;
    }
  };
}
