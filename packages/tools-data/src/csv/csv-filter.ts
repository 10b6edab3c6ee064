import { compileScriptRegex, LlmspellError, z, type ScriptRegex } from '@llmspell/core';
import { FLOAT, isNull } from './column-profile.js';

const CONDITION = z.object({
  column: z.string(),
  operator: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'starts_with', 'ends_with', 'regex', 'in', 'not_in', 'is_null', 'not_null',
    '==', '!=', '>', '>=', '<', '<=', '=']).default('eq'),
  value: z.unknown().optional(),
  case_sensitive: z.boolean().default(true),
});
type Condition = z.infer<typeof CONDITION>;

const OP_ALIASES: Record<string, string> = { '==': 'eq', '=': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' };

/** Longest `options.filter` expression read; its clause patterns are not meant for megabytes. */
const MAX_FILTER_EXPRESSION = 4096;

/**
 * The reference's filter syntax, `options.filter = "column op value"` (op one of == != > < >= <=),
 * extended with `and`/`or` between clauses and quoted column names or values.
 */
export function parseFilterExpression(expr: string): { conditions: Array<Record<string, unknown>>; any: boolean } {
  const text = expr.trim();
  if (text === '') throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.filter': empty filter expression");
  if (text.length > MAX_FILTER_EXPRESSION) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.filter': the expression is ${text.length} characters, over the limit of ${MAX_FILTER_EXPRESSION}; use options.conditions`);
  }
  const hasAnd = /\s(?:and|AND|&&)\s/.test(text);
  const hasOr = /\s(?:or|OR|\|\|)\s/.test(text);
  if (hasAnd && hasOr) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.filter': mixing 'and' and 'or' is not supported; use options.conditions with match = \"any\" or \"all\"");
  const clauses = text.split(hasOr ? /\s+(?:or|OR|\|\|)\s+/ : /\s+(?:and|AND|&&)\s+/);
  const conditions = clauses.map((clause) => {
    const m = /^\s*(?:"([^"]+)"|'([^']+)'|([^\s<>=!]+))\s*(==|!=|>=|<=|=|>|<)\s*(?:"([^"]*)"|'([^']*)'|(\S.*?))\s*$/.exec(clause);
    if (!m) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.filter': cannot read '${clause}'; write 'column operator value' with == != > < >= <=`);
    const column = m[1] ?? m[2] ?? m[3];
    const quoted = m[5] ?? m[6];
    return { column, operator: m[4], value: quoted ?? m[7] };
  });
  return { conditions, any: hasOr };
}

function conditionsFrom(options: Record<string, unknown>): Condition[] {
  const raw = options.conditions ?? options.filter ?? options.where;
  if (raw === undefined) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.conditions' is required for operation 'filter' (list of {column, operator, value})");
  let list: unknown[];
  if (typeof raw === 'string') list = parseFilterExpression(raw).conditions;
  else if (Array.isArray(raw)) list = raw;
  else if (typeof raw === 'object' && raw !== null) {
    const o = raw as Record<string, unknown>;
    list = 'column' in o ? [o] : Object.entries(o).map(([column, value]) => ({ column, operator: 'eq', value }));
  } else throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.conditions' must be a list of {column, operator, value} (or options.filter = \"column op value\")");
  return list.map((c, i) => {
    const parsed = CONDITION.safeParse(c);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.conditions.${i}.${issue.path.join('.')}': ${issue.message}`);
    }
    return parsed.data;
  });
}

type FieldTest = (fields: string[]) => boolean;

function compileCondition(c: Condition, index: number, headers: string[]): FieldTest {
  const column = headers.indexOf(c.column);
  if (column < 0) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.conditions': unknown column '${c.column}' (columns: ${headers.join(', ')})`);
  const op = OP_ALIASES[c.operator] ?? c.operator;
  const fold = (s: string) => (c.case_sensitive ? s : s.toLowerCase());
  const val = c.value;
  const text = fold(String(val ?? ''));
  const valueIsNumber = typeof val === 'number' || (typeof val === 'string' && FLOAT.test(val.trim()));
  const numeric = (raw: string) => valueIsNumber && FLOAT.test(raw.trim());
  const cmp = (raw: string): number => {
    if (numeric(raw)) return Number(raw.trim()) - Number(val);
    const a = fold(raw);
    return a < text ? -1 : a > text ? 1 : 0;
  };
  const equal = (raw: string) => (numeric(raw) ? Number(raw.trim()) === Number(val) : fold(raw) === text);
  let regex: ScriptRegex | undefined;
  if (op === 'regex') {
    // Script-supplied: the linear-time engine, compiled once for every row.
    regex = compileScriptRegex(String(val ?? ''), { parameter: `options.conditions.${index}.value`, flags: c.case_sensitive ? '' : 'i' });
  }
  if ((op === 'in' || op === 'not_in') && !Array.isArray(val)) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.conditions': operator '${op}' needs a list value`);
  }
  const test = (raw: string): boolean => {
    switch (op) {
      case 'is_null': return isNull(raw);
      case 'not_null': return !isNull(raw);
      case 'eq': return equal(raw);
      case 'ne': return !equal(raw);
      case 'gt': return !isNull(raw) && cmp(raw) > 0;
      case 'gte': return !isNull(raw) && cmp(raw) >= 0;
      case 'lt': return !isNull(raw) && cmp(raw) < 0;
      case 'lte': return !isNull(raw) && cmp(raw) <= 0;
      case 'contains': return fold(raw).includes(text);
      case 'not_contains': return !fold(raw).includes(text);
      case 'starts_with': return fold(raw).startsWith(text);
      case 'ends_with': return fold(raw).endsWith(text);
      case 'regex': return regex!.test(raw);
      case 'in':
      case 'not_in': {
        const hit = (val as unknown[]).some((v) => (typeof v === 'number' ? Number(raw) === v : fold(raw) === fold(String(v))));
        return op === 'in' ? hit : !hit;
      }
      default: return false;
    }
  };
  return (fields) => test(fields[column] ?? '');
}

/** The row test `options` describe (conditions/filter/where, match or logic all/any), for these headers. */
export function rowFilter(options: Record<string, unknown>, headers: string[]): FieldTest {
  const conditions = conditionsFrom(options);
  const raw = options.conditions ?? options.filter ?? options.where;
  const any = String(options.match ?? options.logic ?? 'all').toLowerCase() === 'any' || String(options.logic ?? '').toLowerCase() === 'or'
    || (typeof raw === 'string' && parseFilterExpression(raw).any);
  const tests = conditions.map((c, i) => compileCondition(c, i, headers));
  return any ? (fields) => tests.some((t) => t(fields)) : (fields) => tests.every((t) => t(fields));
}
