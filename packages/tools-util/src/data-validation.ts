import { isIP } from 'node:net';
import { compileScriptRegex, defineTool, z, type ScriptRegex, paramError } from '@llmspell/core';
import { jsonEqual } from './json-equal.js';
import { DateParseError, parseDate } from './date-time/parse-date.js';
import { daysInMonth } from './date-time/calendar.js';
import { UTC } from './date-time/zones.js';

const NAME = 'data_validation';
const MAX_ERRORS = 100;
const MAX_DEPTH = 64;

export interface ValidationError {
  field: string;
  message: string;
  rule: string;
  value?: unknown;
}

type Rule = Record<string | symbol, unknown> & { type: string };

/** Rules translated from a JSON Schema remember the schema keyword they came from, for errors. */
const SCHEMA_PATH = Symbol('schema path');

const RULE_TYPES = ['required', 'type', 'length', 'range', 'pattern', 'enum', 'email', 'url', 'date', 'custom', 'array', 'object'];
const TYPE_NAMES = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null', 'any'];

const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Named checks for `{type = "custom", name = …}`; each returns an error message or null. */
export const CUSTOM_VALIDATORS: Record<string, { description: string; check: (v: unknown) => string | null }> = {
  phone: {
    description: 'phone number: optional +, 7-15 digits, spaces ( ) . - allowed',
    check: (v) => {
      if (typeof v !== 'string') return 'must be a string';
      const digits = v.replace(/\D/g, '');
      return /^\+?[\d\s().-]+$/.test(v.trim()) && digits.length >= 7 && digits.length <= 15 ? null : 'is not a valid phone number';
    },
  },
  uuid: {
    description: 'UUID (8-4-4-4-12 hex)',
    check: (v) => (typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ? null : 'is not a valid UUID'),
  },
  credit_card: {
    description: 'payment card number: 13-19 digits (spaces/dashes allowed) passing the Luhn check',
    check: (v) => {
      const s = typeof v === 'number' ? String(v) : v;
      if (typeof s !== 'string' || !/^[\d\s-]+$/.test(s)) return 'is not a valid card number';
      const digits = s.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? null : 'is not a valid card number (length or Luhn check)';
    },
  },
  ipv4: { description: 'IPv4 address', check: (v) => (typeof v === 'string' && isIP(v) === 4 ? null : 'is not a valid IPv4 address') },
  ipv6: { description: 'IPv6 address', check: (v) => (typeof v === 'string' && isIP(v) === 6 ? null : 'is not a valid IPv6 address') },
  ip: { description: 'IPv4 or IPv6 address', check: (v) => (typeof v === 'string' && isIP(v) !== 0 ? null : 'is not a valid IP address') },
  hostname: {
    description: 'DNS host name',
    check: (v) => (typeof v === 'string' && v.length <= 253 && /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/.test(v) ? null : 'is not a valid host name'),
  },
  mac_address: { description: 'MAC address (aa:bb:cc:dd:ee:ff)', check: (v) => (typeof v === 'string' && /^(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(v) ? null : 'is not a valid MAC address') },
  hex_color: { description: 'CSS hex colour (#fff, #ffffff)', check: (v) => (typeof v === 'string' && /^#(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(v) ? null : 'is not a valid hex colour') },
  alphanumeric: { description: 'letters and digits only', check: (v) => (typeof v === 'string' && /^[\p{L}\p{N}]+$/u.test(v) ? null : 'must contain only letters and digits') },
  slug: { description: 'lower-case slug (my-page-1)', check: (v) => (typeof v === 'string' && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(v) ? null : 'is not a valid slug') },
  semver: {
    description: 'semantic version (1.2.3, 1.0.0-beta.1)',
    check: (v) => (typeof v === 'string' && /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.test(v) ? null : 'is not a valid semantic version'),
  },
  postal_code_us: { description: 'US ZIP code (12345 or 12345-6789)', check: (v) => (typeof v === 'string' && /^\d{5}(?:-\d{4})?$/.test(v) ? null : 'is not a valid US ZIP code') },
  json: {
    description: 'a string containing valid JSON',
    check: (v) => {
      if (typeof v !== 'string') return 'must be a string';
      try {
        JSON.parse(v);
        return null;
      } catch {
        return 'is not valid JSON';
      }
    },
  },
  base64: { description: 'standard base64 text', check: (v) => (typeof v === 'string' && v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? null : 'is not valid base64') },
  not_empty: { description: 'a non-empty string, array or object', check: (v) => (v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0) ? 'must not be empty' : null) },
  positive: { description: 'a number > 0', check: (v) => (typeof v === 'number' && v > 0 ? null : 'must be a positive number') },
  non_negative: { description: 'a number >= 0', check: (v) => (typeof v === 'number' && v >= 0 ? null : 'must be a non-negative number') },
};
CUSTOM_VALIDATORS['credit-card'] = CUSTOM_VALIDATORS.credit_card;
CUSTOM_VALIDATORS.creditcard = CUSTOM_VALIDATORS.credit_card;
CUSTOM_VALIDATORS.phone_number = CUSTOM_VALIDATORS.phone;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A text that is equal exactly for `jsonEqual` values (object keys sorted, 0 and -0 alike, NaN equal
 * to NaN, a key holding undefined apart from a missing one), so repeats are found with one pass and
 * a set instead of comparing every pair.
 */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  if (typeof v === 'number') return String(v);
  return v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
}

/** Index of the first item equal to an earlier one, or -1. */
function firstRepeat(items: unknown[]): number {
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const key = canonical(items[i]);
    if (seen.has(key)) return i;
    seen.add(key);
  }
  return -1;
}

function typeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function matchesType(v: unknown, expected: string): boolean {
  switch (expected) {
    case 'any': return true;
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    default: return typeOf(v) === expected;
  }
}

/** Checks a date string against a strftime-like format (%Y %m %d %H %M %S %y %b %j and literals). */
function matchesDateFormat(value: string, format: string, at: string): boolean {
  const groups: string[] = [];
  const re = format.replace(/%(.)|([.*+?^${}()|[\]\\])|(.)/g, (all, d: string | undefined, special: string | undefined) => {
    if (special) return `\\${special}`;
    if (d === undefined) return all;
    const map: Record<string, string> = { Y: '(\\d{4})', m: '(\\d{2})', d: '(\\d{2})', H: '(\\d{2})', M: '(\\d{2})', S: '(\\d{2})', y: '(\\d{2})', e: '( ?\\d{1,2})', j: '(\\d{3})', b: '([A-Za-z]{3})', B: '([A-Za-z]+)', f: '(\\d+)', z: '([+-]\\d{4})', p: '(AM|PM|am|pm)', I: '(\\d{2})', '%': '(%)' };
    if (!map[d]) return `%${d}`;
    groups.push(d);
    return map[d];
  });
  // `%B%B%B…` becomes `([A-Za-z]+)([A-Za-z]+)…`, which backtracks polynomially on V8's engine.
  const m = compileScriptRegex(`^${re}$`, { tool: NAME, parameter: `${at}.format` }).exec(value);
  if (!m) return false;
  const get = (d: string): number | undefined => {
    const i = groups.indexOf(d);
    return i < 0 ? undefined : Number(m[i + 1]);
  };
  const year = get('Y') ?? (get('y') !== undefined ? 2000 + get('y')! : 2000);
  const month = get('m');
  const day = get('d') ?? get('e');
  if (month !== undefined && (month < 1 || month > 12)) return false;
  if (day !== undefined && (day < 1 || day > daysInMonth(year, month ?? 1))) return false;
  const h = get('H');
  if (h !== undefined && h > 23) return false;
  const i12 = get('I');
  if (i12 !== undefined && (i12 < 1 || i12 > 12)) return false;
  const mi = get('M');
  if (mi !== undefined && mi > 59) return false;
  const s = get('S');
  if (s !== undefined && s > 60) return false;
  const j = get('j');
  if (j !== undefined && (j < 1 || j > 366)) return false;
  return true;
}

class Validator {
  readonly errors: ValidationError[] = [];

  constructor(private readonly failFast: boolean) {}

  get done(): boolean {
    return (this.failFast && this.errors.length > 0) || this.errors.length >= MAX_ERRORS;
  }

  private add(field: string, rule: string, message: string, value: unknown): void {
    if (this.done) return;
    const e: ValidationError = { field, message: `${field} ${message}`, rule };
    if (value !== undefined) e.value = value;
    this.errors.push(e);
  }

  /** Validates `value` at `field` against a rule list (`rulesAt` names it for config errors). */
  run(value: unknown, field: string, rules: unknown, rulesAt: string, depth: number): void {
    if (depth > MAX_DEPTH) paramError(NAME, rulesAt, `rules nest deeper than ${MAX_DEPTH} levels`);
    const list = normaliseRules(rules, rulesAt);
    const missing = value === undefined || value === null;
    for (let i = 0; i < list.length && !this.done; i += 1) {
      const rule = list[i];
      const at = `${rulesAt}[${i}]`;
      if (rule.type === 'required') {
        if (missing || value === '') this.add(field, 'required', 'is required', value ?? undefined);
        continue;
      }
      // Optional fields: only 'required' speaks about a missing value.
      if (missing && !(rule.type === 'type' && (rule.expected === 'null' || rule.expected === 'any'))) continue;
      this.check(value, field, rule, at, depth);
    }
  }

  private regex(source: string, rule: Rule, at: string): ScriptRegex {
    // Rule patterns come from scripts: linear-time matching, so no pattern can stall the host.
    const parameter = typeof rule[SCHEMA_PATH] === 'string' ? rule[SCHEMA_PATH] : `${at}.regex`;
    return compileScriptRegex(source, { tool: NAME, parameter, flags: 'u' });
  }

  private check(value: unknown, field: string, rule: Rule, at: string, depth: number): void {
    const num = (key: string): number | undefined => {
      const v = rule[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || Number.isNaN(v)) paramError(NAME, `${at}.${key}`, 'must be a number');
      return v;
    };
    const str = (key: string, required = true): string | undefined => {
      const v = rule[key];
      if (v === undefined || v === null) {
        if (required) paramError(NAME, `${at}.${key}`, `is required for a '${rule.type}' rule`);
        return undefined;
      }
      if (typeof v !== 'string') paramError(NAME, `${at}.${key}`, 'must be a string');
      return v;
    };
    switch (rule.type) {
      case 'type': {
        const expected = str('expected')!;
        if (!TYPE_NAMES.includes(expected)) paramError(NAME, `${at}.expected`, `unknown type '${expected}' (${TYPE_NAMES.join(', ')})`);
        if (!matchesType(value, expected)) this.add(field, 'type', `must be of type ${expected}, got ${typeOf(value)}`, value);
        return;
      }
      case 'length': {
        const min = num('min');
        const max = num('max');
        let len: number;
        if (typeof value === 'string') len = Array.from(value).length;
        else if (Array.isArray(value)) len = value.length;
        else if (isObject(value)) len = Object.keys(value).length;
        else return this.add(field, 'length', `must be a string, array or object to check its length, got ${typeOf(value)}`, value);
        if (min !== undefined && len < min) this.add(field, 'length', `must have length at least ${min}, got ${len}`, value);
        else if (max !== undefined && len > max) this.add(field, 'length', `must have length at most ${max}, got ${len}`, value);
        return;
      }
      case 'range': {
        const min = num('min');
        const max = num('max');
        if (typeof value !== 'number') return this.add(field, 'range', `must be a number, got ${typeOf(value)}`, value);
        if (min !== undefined && value < min) this.add(field, 'range', `must be at least ${min}`, value);
        else if (max !== undefined && value > max) this.add(field, 'range', `must be at most ${max}`, value);
        return;
      }
      case 'pattern': {
        const source = str('regex') ?? '';
        const re = this.regex(source, rule, at);
        if (typeof value !== 'string') return this.add(field, 'pattern', `must be a string, got ${typeOf(value)}`, value);
        if (!re.test(value)) this.add(field, 'pattern', `does not match pattern ${source}`, value);
        return;
      }
      case 'enum': {
        const values = rule.values;
        if (!Array.isArray(values)) paramError(NAME, `${at}.values`, "must be an array for an 'enum' rule");
        if (!values.some((v) => jsonEqual(v, value))) this.add(field, 'enum', `must be one of ${JSON.stringify(values)}`, value);
        return;
      }
      case 'email':
        if (typeof value !== 'string' || value.length > 254 || !EMAIL_RE.test(value)) this.add(field, 'email', 'is not a valid email address', value);
        return;
      case 'url': {
        let ok = false;
        if (typeof value === 'string') {
          try {
            const u = new URL(value);
            ok = ['http:', 'https:', 'ftp:', 'ws:', 'wss:'].includes(u.protocol) && u.hostname !== '';
          } catch {
            ok = false;
          }
        }
        if (!ok) this.add(field, 'url', 'is not a valid URL', value);
        return;
      }
      case 'date': {
        const format = str('format', false);
        if (typeof value !== 'string') return this.add(field, 'date', `must be a date string, got ${typeOf(value)}`, value);
        if (format !== undefined) {
          if (!matchesDateFormat(value, format, at)) this.add(field, 'date', `is not a valid date in format ${format}`, value);
          return;
        }
        try {
          parseDate(value, UTC);
        } catch (error) {
          if (!(error instanceof DateParseError)) throw error;
          this.add(field, 'date', 'is not a valid date', value);
        }
        return;
      }
      case 'custom': {
        const name = str('name')!;
        const validator = Object.hasOwn(CUSTOM_VALIDATORS, name.toLowerCase()) ? CUSTOM_VALIDATORS[name.toLowerCase()] : undefined;
        if (!validator) paramError(NAME, `${at}.name`, `unknown custom validator '${name}' (${Object.keys(CUSTOM_VALIDATORS).join(', ')})`);
        const problem = validator.check(value);
        if (problem) this.add(field, `custom:${name}`, problem, value);
        return;
      }
      case 'array': {
        if (!Array.isArray(value)) return this.add(field, 'array', `must be an array, got ${typeOf(value)}`, value);
        const min = num('min_items');
        const max = num('max_items');
        if (min !== undefined && value.length < min) this.add(field, 'array', `must have at least ${min} items, got ${value.length}`, value);
        if (max !== undefined && value.length > max) this.add(field, 'array', `must have at most ${max} items, got ${value.length}`, value);
        if (rule.unique === true) {
          const dup = firstRepeat(value);
          if (dup >= 0) this.add(field, 'array', `must contain unique items (item ${dup} repeats an earlier one)`, value);
        }
        if (rule.item_rules !== undefined && rule.item_rules !== null) {
          for (let i = 0; i < value.length && !this.done; i += 1) this.run(value[i], `${field}[${i}]`, rule.item_rules, `${at}.item_rules`, depth + 1);
        }
        return;
      }
      case 'object': {
        if (!isObject(value)) return this.add(field, 'object', `must be an object, got ${typeOf(value)}`, value);
        // An empty Lua table may arrive as an empty array.
        const properties = rule.properties === undefined || (Array.isArray(rule.properties) && rule.properties.length === 0) ? {} : rule.properties;
        if (!isObject(properties)) paramError(NAME, `${at}.properties`, 'must be an object mapping field names to rules');
        const required = rule.required === undefined || (isObject(rule.required) && Object.keys(rule.required).length === 0) ? [] : rule.required;
        if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) paramError(NAME, `${at}.required`, 'must be an array of field names');
        const prefix = field === 'input' ? '' : `${field}.`;
        for (const name of required as string[]) {
          if (!Object.hasOwn(value, name) || value[name] === undefined || value[name] === null) this.add(`${prefix}${name}`, 'required', 'is required', undefined);
        }
        for (const [name, rules] of Object.entries(properties)) {
          if (this.done) return;
          this.run(Object.hasOwn(value, name) ? value[name] : undefined, `${prefix}${name}`, rules, `${at}.properties.${name}`, depth + 1);
        }
        if (rule.additional_properties === false) {
          for (const name of Object.keys(value)) {
            if (!Object.hasOwn(properties, name)) this.add(`${prefix}${name}`, 'additional_properties', 'is not an allowed property', value[name]);
          }
        }
        return;
      }
      default:
        paramError(NAME, `${at}.type`, `unknown rule type '${rule.type}' (${RULE_TYPES.join(', ')})`);
    }
  }
}

/** Accepts `{rules = {...}}`, a bare rule list, or a single rule. */
function normaliseRules(rules: unknown, at: string): Rule[] {
  let list: unknown = rules;
  if (isObject(rules) && 'rules' in rules) list = rules.rules;
  else if (isObject(rules) && typeof rules.type === 'string') list = [rules];
  if (isObject(list) && Object.keys(list).length === 0) list = [];
  if (!Array.isArray(list)) paramError(NAME, at, 'must be a list of rules ({type = ...} tables) or {rules = [...]}');
  return list.map((r, i) => {
    if (!isObject(r) || typeof r.type !== 'string') paramError(NAME, `${at}[${i}]`, "each rule needs a string 'type'");
    if (!RULE_TYPES.includes(r.type)) paramError(NAME, `${at}[${i}].type`, `unknown rule type '${r.type}' (${RULE_TYPES.join(', ')})`);
    return r as Rule;
  });
}

const SCHEMA_IGNORED = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'readOnly', 'writeOnly', 'deprecated']);

/**
 * The DOC's JSON-Schema form (`schema = {type = "string", format = "email"}`), translated to
 * rules. Only the keywords with a rule equivalent are accepted; anything else is an error
 * naming it, so a schema is never silently half-checked.
 */
function schemaToRules(schema: unknown, at: string, depth = 0): Rule[] {
  if (depth > MAX_DEPTH) paramError(NAME, at, `schema nests deeper than ${MAX_DEPTH} levels`);
  if (!isObject(schema)) paramError(NAME, at, 'must be a JSON Schema object, e.g. {type = "string", format = "email"}');
  const rules: Rule[] = [];
  const handled = new Set<string>();
  const take = (key: string): unknown => {
    handled.add(key);
    return schema[key];
  };
  const type = take('type');
  if (type !== undefined) {
    if (typeof type !== 'string' || !TYPE_NAMES.includes(type)) paramError(NAME, `${at}.type`, `must be one of ${TYPE_NAMES.join(', ')} (a single type)`);
    rules.push({ type: 'type', expected: type });
  }
  const format = take('format');
  if (format !== undefined) {
    if (format === 'email') rules.push({ type: 'email' });
    else if (format === 'uri' || format === 'url') rules.push({ type: 'url' });
    else if (format === 'date' || format === 'date-time') rules.push({ type: 'date' });
    else if (typeof format === 'string' && Object.hasOwn(CUSTOM_VALIDATORS, format.replace(/-/g, '_'))) rules.push({ type: 'custom', name: format.replace(/-/g, '_') });
    else paramError(NAME, `${at}.format`, `unsupported format '${String(format)}' (email, uri, date, date-time, ${Object.keys(CUSTOM_VALIDATORS).join(', ')})`);
  }
  const minimum = take('minimum');
  const maximum = take('maximum');
  if (minimum !== undefined || maximum !== undefined) rules.push({ type: 'range', min: minimum, max: maximum });
  const minLength = take('minLength');
  const maxLength = take('maxLength');
  if (minLength !== undefined || maxLength !== undefined) rules.push({ type: 'length', min: minLength, max: maxLength });
  const pattern = take('pattern');
  if (pattern !== undefined) rules.push({ type: 'pattern', regex: pattern, [SCHEMA_PATH]: `${at}.pattern` });
  const enumValues = take('enum');
  if (enumValues !== undefined) rules.push({ type: 'enum', values: enumValues });
  const constValue = take('const');
  if (constValue !== undefined) rules.push({ type: 'enum', values: [constValue] });
  const properties = take('properties');
  const required = take('required');
  const additional = take('additionalProperties');
  if (properties !== undefined || required !== undefined || additional === false) {
    const props = properties === undefined || (Array.isArray(properties) && properties.length === 0) ? {} : properties;
    if (!isObject(props)) paramError(NAME, `${at}.properties`, 'must be an object mapping field names to schemas');
    rules.push({
      type: 'object',
      properties: Object.fromEntries(Object.entries(props).map(([name, sub]) => [name, { rules: schemaToRules(sub, `${at}.properties.${name}`, depth + 1) }])),
      required: required ?? [],
      additional_properties: additional === false ? false : undefined,
    });
  }
  const items = take('items');
  const minItems = take('minItems');
  const maxItems = take('maxItems');
  const uniqueItems = take('uniqueItems');
  if (items !== undefined || minItems !== undefined || maxItems !== undefined || uniqueItems !== undefined) {
    rules.push({
      type: 'array',
      min_items: minItems,
      max_items: maxItems,
      unique: uniqueItems === true,
      item_rules: items === undefined ? undefined : { rules: schemaToRules(items, `${at}.items`, depth + 1) },
    });
  }
  for (const key of Object.keys(schema)) {
    if (!handled.has(key) && !SCHEMA_IGNORED.has(key)) {
      paramError(NAME, `${at}.${key}`, `JSON Schema keyword '${key}' is not supported here (use json_processor with operation 'validate' for full JSON Schema)`);
    }
  }
  return rules;
}

const parameters = z.object({
  input: z.unknown().describe('The data to validate: any value (string, number, table/object, array)'),
  schema: z.record(z.string(), z.unknown()).optional()
    .describe("DOC form instead of rules: a JSON Schema subset (type, format, minimum, maximum, minLength, maxLength, pattern, enum, const, properties, required, additionalProperties, items, minItems, maxItems, uniqueItems)"),
  rules: z.union([z.looseObject({
    // An empty Lua table arrives as {}; it means "no rules".
    rules: z.union([z.array(z.looseObject({ type: z.string() })), z.strictObject({})]).optional(),
    fail_fast: z.boolean().optional(),
  }), z.array(z.looseObject({ type: z.string() }))])
    .optional()
    .describe("Required unless schema is given. {rules = [rule, …], fail_fast = false}. A rule is {type = 'required'} | {type='type', expected} | {type='length', min, max} | {type='range', min, max} | {type='pattern', regex} | {type='enum', values} | {type='email'} | {type='url'} | {type='date', format?} | {type='custom', name} | {type='array', min_items, max_items, unique, item_rules} | {type='object', properties = {field = {rules=[…]}}, required = [...], additional_properties}"),
  fail_fast: z.boolean().optional().describe('Stop at the first error (also accepted inside rules)'),
});

export const dataValidation = defineTool({
  name: NAME,
  description: 'Validates data against rules: required, type, length, range, pattern, enum, email, url, date, custom checks (phone, uuid, credit_card, ipv4 …), arrays and nested objects. Returns {valid, errors}.',
  outputSchema: z.object({
    valid: z.boolean(),
    errors: z.array(z.object({ field: z.string(), message: z.string(), rule: z.string(), value: z.unknown().optional() })).describe('At most 100; empty when valid'),
    error_count: z.number(),
  }),
  ignoredParameters: ['operation'],
  category: 'utility',
  securityLevel: 'safe',
  tags: ['validation', 'schema', 'check'],
  parameters,
  examples: [
    {
      description: 'Validate a user record',
      params: {
        input: { name: 'Ann', email: 'ann@example.com', age: 34 },
        rules: {
          rules: [{
            type: 'object',
            required: ['name', 'email'],
            properties: {
              name: { rules: [{ type: 'type', expected: 'string' }, { type: 'length', min: 1, max: 100 }] },
              email: { rules: [{ type: 'email' }] },
              age: { rules: [{ type: 'range', min: 0, max: 150 }] },
            },
          }],
        },
      },
    },
    { description: 'An invalid value lists its errors', params: { input: 'not-an-email', rules: { rules: [{ type: 'email' }] } } },
  ],
  execute(params) {
    const input = params.input;
    if (input === undefined) paramError(NAME, 'input', 'is required');
    if (params.rules === undefined && params.schema === undefined) paramError(NAME, 'rules', 'is required: {rules = [rule, …]} (or a JSON Schema in schema)');
    const failFast = params.fail_fast ?? (params.rules !== undefined && !Array.isArray(params.rules) && params.rules.fail_fast === true);
    const validator = new Validator(failFast);
    if (params.rules !== undefined) {
      const rules = Array.isArray(params.rules) ? params.rules : params.rules.rules;
      if (rules === undefined) paramError(NAME, 'rules.rules', 'is required: a list of rules');
      validator.run(input, 'input', rules, 'rules.rules', 0);
    }
    if (params.schema !== undefined && !validator.done) validator.run(input, 'input', schemaToRules(params.schema, 'schema'), 'schema', 0);
    const valid = validator.errors.length === 0;
    return {
      operation: 'validate',
      message: valid ? 'Validation passed' : `Validation failed with ${validator.errors.length} error(s)`,
      result: { valid, errors: validator.errors, error_count: validator.errors.length },
    };
  },
});
