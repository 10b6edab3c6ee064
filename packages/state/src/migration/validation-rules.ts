import { compileScriptRegex, LlmspellError, type ScriptRegex } from '@llmspell/core';
import { getPath, hasPath, isFieldObject } from './field-path.js';

export const VALUE_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null', 'any'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export type ValidationRule =
  | { rule: 'required'; field: string }
  | { rule: 'not_null'; field: string }
  | { rule: 'type'; field: string; type: ValueType }
  | { rule: 'range'; field: string; min?: number; max?: number }
  | { rule: 'length'; field: string; min?: number; max?: number }
  | { rule: 'pattern'; field: string; pattern: ScriptRegex };

export function typeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function matchesType(value: unknown, type: ValueType): boolean {
  if (type === 'any') return true;
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  return typeOf(value) === type;
}

function num(raw: Record<string, unknown>, name: string, where: string): number | undefined {
  const v = raw[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new LlmspellError('INVALID_ARGUMENT', `${where}.${name} must be a number`);
  return v;
}

export function normalizeRule(input: unknown, where: string): ValidationRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new LlmspellError('INVALID_ARGUMENT', `${where} must be a table/object`);
  const raw = input as Record<string, unknown>;
  const field = raw.field;
  if (typeof field !== 'string' || field === '') throw new LlmspellError('INVALID_ARGUMENT', `${where}.field must be a non-empty string`);
  const rule = String(raw.rule ?? raw.type ?? '').toLowerCase();
  switch (rule) {
    case 'required':
    case 'not_null':
      return { rule, field };
    case 'type': {
      const type = String(raw.expected ?? raw.value_type ?? raw.is ?? '');
      if (!VALUE_TYPES.includes(type as ValueType)) throw new LlmspellError('INVALID_ARGUMENT', `${where}.expected must be one of ${VALUE_TYPES.join(', ')}`);
      return { rule, field, type: type as ValueType };
    }
    case 'range':
    case 'length':
      return { rule, field, min: num(raw, 'min', where), max: num(raw, 'max', where) };
    case 'pattern': {
      if (typeof raw.pattern !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `${where}.pattern must be a regular expression string`);
      try {
        // Script-supplied, tested on every stored value: linear-time matching.
        return { rule, field, pattern: compileScriptRegex(raw.pattern, { parameter: `${where}.pattern`, flags: 'u' }) };
      } catch (error) {
        throw new LlmspellError('INVALID_ARGUMENT', `${where}.pattern is not a valid regular expression: ${(error as LlmspellError).detail}`);
      }
    }
    default:
      throw new LlmspellError('INVALID_ARGUMENT', `${where}.rule must be required, not_null, type, range, length or pattern; got ${JSON.stringify(raw.rule ?? raw.type)}`);
  }
}

/** The violations of `rules` by one object value (non-objects are not checked). */
export function checkRules(value: unknown, rules: ValidationRule[]): string[] {
  if (!isFieldObject(value)) return [];
  const problems: string[] = [];
  for (const r of rules) {
    const present = hasPath(value, r.field);
    const v = getPath(value, r.field);
    switch (r.rule) {
      case 'required':
        if (!present) problems.push(`field '${r.field}' is required`);
        break;
      case 'not_null':
        if (present && (v === null || v === undefined)) problems.push(`field '${r.field}' must not be null`);
        break;
      case 'type':
        if (present && !matchesType(v, r.type)) problems.push(`field '${r.field}' must be ${r.type}, is ${typeOf(v)}`);
        break;
      case 'range':
        if (present && (typeof v !== 'number' || (r.min !== undefined && v < r.min) || (r.max !== undefined && v > r.max))) {
          problems.push(`field '${r.field}' must be a number in [${r.min ?? '-∞'}, ${r.max ?? '∞'}]`);
        }
        break;
      case 'length': {
        const len = typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : undefined;
        if (present && (len === undefined || (r.min !== undefined && len < r.min) || (r.max !== undefined && len > r.max))) {
          problems.push(`field '${r.field}' must be a string or array of length [${r.min ?? 0}, ${r.max ?? '∞'}]`);
        }
        break;
      }
      case 'pattern':
        if (present && (typeof v !== 'string' || !r.pattern.test(v))) problems.push(`field '${r.field}' must match /${r.pattern.source}/`);
        break;
    }
  }
  return problems;
}

/**
 * `checkRules` compiled for a fixed rule list: the function returns undefined when the value
 * passes (no array per item on the common path) and the same messages as `checkRules` otherwise.
 */
export function compileRules(rules: readonly ValidationRule[]): (value: unknown) => string[] | undefined {
  if (rules.length === 0) return () => undefined;
  const plain = rules.map((r) => !r.field.includes('.'));
  const hasOwn = Object.prototype.hasOwnProperty;
  const n = rules.length;
  const passes = (r: ValidationRule, present: boolean, v: unknown): boolean => {
    switch (r.rule) {
      case 'required':
        return present;
      case 'not_null':
        return !present || (v !== null && v !== undefined);
      case 'type':
        return !present || matchesType(v, r.type);
      case 'range':
        return !present || (typeof v === 'number' && (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max));
      case 'length': {
        if (!present) return true;
        const len = typeof v === 'string' ? (r.min === undefined && r.max === undefined ? 0 : [...v].length) : Array.isArray(v) ? v.length : undefined;
        return len !== undefined && (r.min === undefined || len >= r.min) && (r.max === undefined || len <= r.max);
      }
      case 'pattern':
        return !present || (typeof v === 'string' && r.pattern.test(v));
    }
  };
  return (value) => {
    if (!isFieldObject(value)) return undefined;
    for (let i = 0; i < n; i++) {
      const r = rules[i];
      const present = plain[i] ? hasOwn.call(value, r.field) : hasPath(value, r.field);
      const v = present ? (plain[i] ? value[r.field] : getPath(value, r.field)) : undefined;
      // Any violation: report every one exactly as checkRules words it.
      if (!passes(r, present, v)) return checkRules(value, rules as ValidationRule[]);
    }
    return undefined;
  };
}
