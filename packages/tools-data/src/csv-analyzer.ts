import type { parse } from 'csv-parse/sync';
import { LlmspellError, defineTool, z } from '@llmspell/core';

const MAX_CSV_BYTES = 100 * 1024 * 1024;

type Row = Record<string, string>;
type ColumnType = 'empty' | 'integer' | 'float' | 'boolean' | 'date' | 'string';

const OPERATIONS = ['analyze', 'convert', 'filter', 'transform', 'validate', 'sample'] as const;

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOL = /^(?:true|false|yes|no)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$|^\d{1,2}\/\d{1,2}\/\d{4}$/;

function isNull(v: string | undefined): boolean {
  return v === undefined || v.trim() === '' || /^(?:null|na|n\/a|nan|none)$/i.test(v.trim());
}

function valueType(v: string): ColumnType {
  const t = v.trim();
  if (INT.test(t)) return 'integer';
  if (FLOAT.test(t)) return 'float';
  if (BOOL.test(t)) return 'boolean';
  if (DATE.test(t) && !Number.isNaN(Date.parse(t))) return 'date';
  return 'string';
}

function columnType(values: string[]): ColumnType {
  const seen = new Set<ColumnType>();
  for (const v of values) if (!isNull(v)) seen.add(valueType(v));
  if (seen.size === 0) return 'empty';
  if (seen.size === 1) return [...seen][0];
  if ([...seen].every((t) => t === 'integer' || t === 'float')) return 'float';
  return 'string';
}

function sniffDelimiter(text: string): string {
  const sample = text.split(/\r?\n/, 10).filter((l) => l.length > 0);
  let best = ',';
  let bestScore = -1;
  for (const d of [',', ';', '\t', '|']) {
    const counts = sample.map((l) => l.split(d).length - 1);
    if (counts.length === 0 || counts[0] === 0) continue;
    const consistent = counts.every((c) => c === counts[0]);
    const score = (consistent ? 1000 : 0) + counts[0];
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

interface Table {
  headers: string[];
  rows: Row[];
  delimiter: string;
  /** Rows whose field count differed from the header (csv-parse relax_column_count). */
  ragged: Array<{ row: number; fields: number }>;
}

// Loaded on first use, so importing the tool package only builds its definition.
let csvParse: typeof parse | undefined;

function parseTable(input: string, options: Record<string, unknown>): Table {
  const delimiter = typeof options.delimiter === 'string' && options.delimiter.length > 0 ? options.delimiter : sniffDelimiter(input);
  const hasHeaders = options.has_headers !== false && options.headers !== false;
  let records: string[][];
  try {
    records = csvParse!(input, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      bom: true,
      trim: options.trim === true,
    }) as string[][];
  } catch (error) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter 'input': CSV could not be parsed: ${(error as Error).message}`);
  }
  if (records.length === 0) return { headers: [], rows: [], delimiter, ragged: [] };
  const width = Math.max(...records.map((r) => r.length));
  let headers: string[];
  let body: string[][];
  if (hasHeaders) {
    headers = records[0].map((h, i) => (h.trim() === '' ? `column_${i + 1}` : h.trim()));
    body = records.slice(1);
  } else {
    headers = Array.from({ length: width }, (_, i) => `column_${i + 1}`);
    body = records;
  }
  // Duplicate header names would overwrite each other in row objects.
  const seen = new Map<string, number>();
  headers = headers.map((h) => {
    const n = seen.get(h) ?? 0;
    seen.set(h, n + 1);
    return n === 0 ? h : `${h}_${n + 1}`;
  });
  const ragged: Array<{ row: number; fields: number }> = [];
  const rows = body.map((rec, i) => {
    if (rec.length !== headers.length) ragged.push({ row: i + 1, fields: rec.length });
    const row: Row = {};
    headers.forEach((h, j) => { row[h] = rec[j] ?? ''; });
    return row;
  });
  return { headers, rows, delimiter, ragged };
}

function typed(v: string, type: ColumnType): unknown {
  if (isNull(v)) return null;
  switch (type) {
    case 'integer':
    case 'float': return Number(v.trim());
    case 'boolean': return /^(?:true|yes)$/i.test(v.trim());
    default: return v;
  }
}

function quoteField(v: string, delimiter: string): string {
  if (v.includes('"') || v.includes(delimiter) || v.includes('\n') || v.includes('\r') || /^\s|\s$/.test(v)) {
    return `"${v.replace(/"/g, '""')}"`;
  }
  return v;
}

function toDelimited(headers: string[], rows: Row[], delimiter: string): string {
  if (delimiter === '\t') {
    const clean = (v: string) => v.replace(/[\t\r\n]/g, ' ');
    return [headers.map(clean).join('\t'), ...rows.map((r) => headers.map((h) => clean(r[h] ?? '')).join('\t'))].join('\n') + '\n';
  }
  return [headers.map((h) => quoteField(h, delimiter)).join(delimiter), ...rows.map((r) => headers.map((h) => quoteField(r[h] ?? '', delimiter)).join(delimiter))].join('\n') + '\n';
}

function analyze(table: Table): Record<string, unknown> {
  const columns = table.headers.map((name) => {
    const values = table.rows.map((r) => r[name] ?? '');
    const type = columnType(values);
    const present = values.filter((v) => !isNull(v));
    const unique = new Set(present);
    const col: Record<string, unknown> = {
      name,
      type,
      null_count: values.length - present.length,
      non_null_count: present.length,
      unique_count: unique.size,
    };
    if (type === 'integer' || type === 'float') {
      const nums = present.map((v) => Number(v.trim())).sort((a, b) => a - b);
      const sum = nums.reduce((a, b) => a + b, 0);
      const mean = sum / nums.length;
      const mid = Math.floor(nums.length / 2);
      col.min = nums[0];
      col.max = nums[nums.length - 1];
      col.sum = sum;
      col.mean = mean;
      col.median = nums.length % 2 ? nums[mid] : (nums[mid - 1] + nums[mid]) / 2;
      col.std_dev = nums.length > 1 ? Math.sqrt(nums.reduce((a, b) => a + (b - mean) ** 2, 0) / (nums.length - 1)) : 0;
    } else if (type === 'string' || type === 'date') {
      const sorted = [...present].sort();
      col.min = sorted[0] ?? null;
      col.max = sorted[sorted.length - 1] ?? null;
      const lengths = present.map((v) => v.length);
      if (lengths.length) {
        col.min_length = Math.min(...lengths);
        col.max_length = Math.max(...lengths);
      }
    } else if (type === 'boolean') {
      col.true_count = present.filter((v) => /^(?:true|yes)$/i.test(v.trim())).length;
      col.false_count = present.length - (col.true_count as number);
    }
    if (unique.size <= 20) {
      const counts = new Map<string, number>();
      for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
      col.value_counts = Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]));
    }
    col.sample_values = [...unique].slice(0, 5);
    return col;
  });
  return {
    row_count: table.rows.length,
    column_count: table.headers.length,
    headers: table.headers,
    delimiter: table.delimiter,
    columns,
    inconsistent_rows: table.ragged.slice(0, 100),
  };
}

const CONDITION = z.object({
  column: z.string(),
  operator: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'starts_with', 'ends_with', 'regex', 'in', 'not_in', 'is_null', 'not_null',
    '==', '!=', '>', '>=', '<', '<=', '=']).default('eq'),
  value: z.unknown().optional(),
  case_sensitive: z.boolean().default(true),
});
type Condition = z.infer<typeof CONDITION>;

const OP_ALIASES: Record<string, string> = { '==': 'eq', '=': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' };

/**
 * The reference's filter syntax, `options.filter = "column op value"` (op one of == != > < >= <=),
 * extended with `and`/`or` between clauses and quoted column names or values.
 */
function parseFilterExpression(expr: string): { conditions: Array<Record<string, unknown>>; any: boolean } {
  const text = expr.trim();
  if (text === '') throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.filter': empty filter expression");
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

function matchCondition(row: Row, c: Condition, headers: string[]): boolean {
  if (!headers.includes(c.column)) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.conditions': unknown column '${c.column}' (columns: ${headers.join(', ')})`);
  const raw = row[c.column] ?? '';
  const op = OP_ALIASES[c.operator] ?? c.operator;
  if (op === 'is_null') return isNull(raw);
  if (op === 'not_null') return !isNull(raw);
  const fold = (s: string) => (c.case_sensitive ? s : s.toLowerCase());
  const val = c.value;
  const numeric = typeof val === 'number' || (typeof val === 'string' && FLOAT.test(val.trim()) && FLOAT.test(raw.trim()));
  const cmp = (): number => {
    if (numeric && FLOAT.test(raw.trim())) return Number(raw.trim()) - Number(val);
    const a = fold(raw);
    const b = fold(String(val ?? ''));
    return a < b ? -1 : a > b ? 1 : 0;
  };
  switch (op) {
    case 'eq': return numeric && FLOAT.test(raw.trim()) ? Number(raw.trim()) === Number(val) : fold(raw) === fold(String(val ?? ''));
    case 'ne': return !(numeric && FLOAT.test(raw.trim()) ? Number(raw.trim()) === Number(val) : fold(raw) === fold(String(val ?? '')));
    case 'gt': return !isNull(raw) && cmp() > 0;
    case 'gte': return !isNull(raw) && cmp() >= 0;
    case 'lt': return !isNull(raw) && cmp() < 0;
    case 'lte': return !isNull(raw) && cmp() <= 0;
    case 'contains': return fold(raw).includes(fold(String(val ?? '')));
    case 'not_contains': return !fold(raw).includes(fold(String(val ?? '')));
    case 'starts_with': return fold(raw).startsWith(fold(String(val ?? '')));
    case 'ends_with': return fold(raw).endsWith(fold(String(val ?? '')));
    case 'regex': {
      let rx: RegExp;
      try {
        rx = new RegExp(String(val ?? ''), c.case_sensitive ? '' : 'i');
      } catch (e) {
        throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.conditions': invalid regex: ${(e as Error).message}`);
      }
      return rx.test(raw);
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(val)) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.conditions': operator '${op}' needs a list value`);
      const hit = val.some((v) => (typeof v === 'number' ? Number(raw) === v : fold(raw) === fold(String(v))));
      return op === 'in' ? hit : !hit;
    }
    default: return false;
  }
}

/** A small seeded PRNG (mulberry32) so `sample` with a seed is repeatable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * filter / transform / sample results. Like the reference, the result is the CSV text by
 * default (scripts written for rs-llmspell treat it as a string); `options.output = "rows"`
 * gives `{headers, rows (typed), row_count, csv}` instead.
 */
function rowsOutput(table: Table, headers: string[], rows: Row[], options: Record<string, unknown>): Record<string, unknown> | string {
  const csv = toDelimited(headers, rows, table.delimiter);
  const mode = options.output ?? 'csv';
  if (mode === 'csv') return csv;
  if (mode !== 'rows') throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.output': unknown output '${String(mode)}' (csv, rows)`);
  const types = Object.fromEntries(headers.map((h) => [h, columnType(rows.map((r) => r[h] ?? ''))]));
  const typedRows = options.typed === false ? rows : rows.map((r) => Object.fromEntries(headers.map((h) => [h, typed(r[h] ?? '', types[h])])));
  return { headers, rows: typedRows, row_count: rows.length, csv };
}

const RULE = z.looseObject({
  type: z.enum(['integer', 'float', 'number', 'boolean', 'date', 'string']).optional(),
  required: z.boolean().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  min_length: z.number().optional(),
  max_length: z.number().optional(),
  pattern: z.string().optional(),
  values: z.array(z.unknown()).optional(),
  unique: z.boolean().optional(),
});

export const csvAnalyzer = defineTool({
  name: 'csv_analyzer',
  aliases: ['csv-analyzer'],
  description: 'Analyze CSV text: statistics and type inference, conversion (json/jsonl/tsv/csv), filtering, transformation, validation and sampling',
  outputSchema: z.union([
    z.string().describe('filter, transform, sample: the rows as CSV text (options.output = "rows" for a table)'),
    z.object({
      valid: z.boolean(), errors: z.array(z.object({ row: z.number().optional(), column: z.string().optional(), message: z.string() })).describe('At most 1,000'),
      error_count: z.number(), row_count: z.number(),
    }).describe('validate'),
    z.object({
      row_count: z.number(), column_count: z.number(), headers: z.array(z.string()), delimiter: z.string(),
      columns: z.array(z.object({
        name: z.string(), type: z.enum(['empty', 'integer', 'float', 'boolean', 'date', 'string']), null_count: z.number(), non_null_count: z.number(),
        unique_count: z.number(), min: z.union([z.number(), z.string(), z.null()]).optional(), max: z.union([z.number(), z.string(), z.null()]).optional(),
        sum: z.number().optional(), mean: z.number().optional(), median: z.number().optional(), std_dev: z.number().optional(),
        min_length: z.number().optional(), max_length: z.number().optional(), true_count: z.number().optional(), false_count: z.number().optional(),
        value_counts: z.record(z.string(), z.number()).optional().describe('When a column has at most 20 distinct values'),
        sample_values: z.array(z.string()),
      })),
      inconsistent_rows: z.array(z.object({ row: z.number(), fields: z.number() })),
    }).describe('analyze'),
    z.object({ format: z.string(), output: z.unknown().describe('json: a list of row objects; jsonl, tsv, csv: text'), row_count: z.number() })
      .describe('convert'),
    z.object({ headers: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())), row_count: z.number(), csv: z.string() })
      .describe('filter, transform, sample with options.output = "rows"'),
  ]),
  ignoredParameters: ['path', 'headers'],
  examples: [
    { description: 'Column statistics and types', params: { operation: 'analyze', input: 'name,age,city\nAnn,34,Oslo\nBob,27,Rome\nCy,45,Oslo\n' } },
    { description: 'Convert to JSON rows (typed values)', params: { operation: 'convert', input: 'name,age\nAnn,34\nBob,27\n', options: { format: 'json' } } },
    { description: 'Rows where age > 30', params: { operation: 'filter', input: 'name,age\nAnn,34\nBob,27\n', options: { filter: 'age > 30', output: 'rows' } } },
  ],
  category: 'data',
  securityLevel: 'safe',
  tags: ['csv', 'data', 'statistics', 'conversion'],
  parameters: z.object({
    operation: z.enum(OPERATIONS).default('analyze').describe('analyze | convert | filter | transform | validate | sample'),
    input: z.string().describe('CSV content (text, not a path)'),
    options: z.record(z.string(), z.unknown()).default({}).describe('Operation options (format, conditions, select, rules, size, delimiter, has_headers…)'),
  }),
  async execute({ operation, input, options }, ctx) {
    ctx.policy.checkSize("parameter 'input'", Buffer.byteLength(input), MAX_CSV_BYTES);
    csvParse ??= (await import('csv-parse/sync')).parse;
    const table = parseTable(input, options);
    switch (operation) {
      case 'analyze': {
        const result = analyze(table);
        return { result, message: `${table.rows.length} rows, ${table.headers.length} columns`, metadata: { row_count: table.rows.length, column_count: table.headers.length } };
      }
      case 'convert': {
        const format = String(options.format ?? options.to ?? 'json').toLowerCase();
        const types = Object.fromEntries(table.headers.map((h) => [h, columnType(table.rows.map((r) => r[h] ?? ''))]));
        const objects = () => table.rows.map((r) => (options.typed === false ? r : Object.fromEntries(table.headers.map((h) => [h, typed(r[h] ?? '', types[h])]))));
        let output: unknown;
        switch (format) {
          case 'json': output = objects(); break;
          case 'jsonl':
          case 'ndjson': output = objects().map((o) => JSON.stringify(o)).join('\n') + (table.rows.length ? '\n' : ''); break;
          case 'tsv': output = toDelimited(table.headers, table.rows, '\t'); break;
          case 'csv': output = toDelimited(table.headers, table.rows, typeof options.output_delimiter === 'string' ? options.output_delimiter : ','); break;
          case 'parquet':
          case 'excel':
          case 'xlsx':
            throw new LlmspellError('UNSUPPORTED', `parameter 'options.format': '${format}' output is not supported (use json, jsonl, tsv or csv)`);
          default:
            throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.format': unknown format '${format}' (json, jsonl, tsv, csv)`);
        }
        return { result: { format, output, row_count: table.rows.length }, metadata: { format, row_count: table.rows.length } };
      }
      case 'filter': {
        const conditions = conditionsFrom(options);
        const raw = options.conditions ?? options.filter ?? options.where;
        const any = String(options.match ?? options.logic ?? 'all').toLowerCase() === 'any' || String(options.logic ?? '').toLowerCase() === 'or'
          || (typeof raw === 'string' && parseFilterExpression(raw).any);
        const rows = table.rows.filter((r) => (any ? conditions.some((c) => matchCondition(r, c, table.headers)) : conditions.every((c) => matchCondition(r, c, table.headers))));
        return { result: rowsOutput(table, table.headers, rows, options), message: `${rows.length} of ${table.rows.length} rows matched`, metadata: { matched: rows.length, total: table.rows.length, row_count: rows.length, headers: table.headers } };
      }
      case 'transform': {
        let headers = [...table.headers];
        let rows = table.rows.map((r) => ({ ...r }));
        const check = (col: string, what: string) => {
          if (!headers.includes(col)) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.${what}': unknown column '${col}' (columns: ${headers.join(', ')})`);
        };
        if (options.drop !== undefined) {
          const drop = Array.isArray(options.drop) ? options.drop.map(String) : [String(options.drop)];
          drop.forEach((c) => check(c, 'drop'));
          headers = headers.filter((h) => !drop.includes(h));
        }
        if (options.select !== undefined || options.columns !== undefined) {
          const sel = (options.select ?? options.columns) as unknown;
          const cols = Array.isArray(sel) ? sel.map(String) : [String(sel)];
          cols.forEach((c) => check(c, 'select'));
          headers = cols;
        }
        const ops = options.operations ?? options.transforms;
        if (ops !== undefined) {
          if (typeof ops !== 'object' || ops === null) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.operations' must map column → uppercase|lowercase|trim|number|round");
          for (const [col, how] of Object.entries(ops as Record<string, unknown>)) {
            check(col, 'operations');
            const fns: Record<string, (v: string) => string> = {
              uppercase: (v) => v.toUpperCase(), lowercase: (v) => v.toLowerCase(), trim: (v) => v.trim(),
              number: (v) => (FLOAT.test(v.trim()) ? String(Number(v.trim())) : v),
              round: (v) => (FLOAT.test(v.trim()) ? String(Math.round(Number(v.trim()))) : v),
            };
            const fn = fns[String(how)];
            if (!fn) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.operations.${col}': unknown transform '${String(how)}' (${Object.keys(fns).join(', ')})`);
            rows = rows.map((r) => ({ ...r, [col]: fn(r[col] ?? '') }));
          }
        }
        if (options.sort_by !== undefined) {
          // sort_by may name a column by its old or its new (renamed) name.
          const renames = typeof options.rename === 'object' && options.rename !== null ? (options.rename as Record<string, unknown>) : {};
          const col = Object.keys(renames).find((k) => String(renames[k]) === String(options.sort_by) && !headers.includes(String(options.sort_by))) ?? String(options.sort_by);
          check(col, 'sort_by');
          const desc = options.descending === true || String(options.order ?? '').toLowerCase() === 'desc';
          const numeric = ['integer', 'float'].includes(columnType(rows.map((r) => r[col] ?? '')));
          rows.sort((a, b) => {
            const x = a[col] ?? '';
            const y = b[col] ?? '';
            // Empty cells sort last in either direction.
            if (isNull(x) || isNull(y)) return isNull(x) === isNull(y) ? 0 : isNull(x) ? 1 : -1;
            const c = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
            return desc ? -c : c;
          });
        }
        if (options.limit !== undefined) rows = rows.slice(0, Math.max(0, Number(options.limit)));
        if (options.rename !== undefined) {
          if (typeof options.rename !== 'object' || options.rename === null) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.rename' must map old → new column names");
          const map = options.rename as Record<string, unknown>;
          Object.keys(map).forEach((c) => check(c, 'rename'));
          rows = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [map[k] !== undefined ? String(map[k]) : k, v])));
          headers = headers.map((h) => (map[h] !== undefined ? String(map[h]) : h));
        }
        return { result: rowsOutput(table, headers, rows, options), metadata: { row_count: rows.length, column_count: headers.length, headers } };
      }
      case 'validate': {
        const errors: Array<{ row?: number; column?: string; message: string }> = [];
        for (const r of table.ragged) errors.push({ row: r.row, message: `row ${r.row} has ${r.fields} fields, expected ${table.headers.length}` });
        const rulesRaw = (options.rules ?? options.schema ?? {}) as Record<string, unknown>;
        if (typeof rulesRaw !== 'object' || rulesRaw === null || Array.isArray(rulesRaw)) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.rules' must map column → rule");
        const required = Array.isArray(options.required_columns) ? options.required_columns.map(String) : [];
        for (const col of required) if (!table.headers.includes(col)) errors.push({ column: col, message: `required column '${col}' is missing` });
        for (const [col, ruleRaw] of Object.entries(rulesRaw)) {
          const parsed = RULE.safeParse(ruleRaw);
          if (!parsed.success) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.rules.${col}.${parsed.error.issues[0].path.join('.')}': ${parsed.error.issues[0].message}`);
          const rule = parsed.data;
          if (!table.headers.includes(col)) {
            errors.push({ column: col, message: `column '${col}' is missing` });
            continue;
          }
          let rx: RegExp | undefined;
          if (rule.pattern) {
            try { rx = new RegExp(rule.pattern); } catch (e) { throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.rules.${col}.pattern': ${(e as Error).message}`); }
          }
          const seen = new Set<string>();
          table.rows.forEach((r, i) => {
            const v = r[col] ?? '';
            const row = i + 1;
            if (isNull(v)) {
              if (rule.required) errors.push({ row, column: col, message: `row ${row}: '${col}' is required` });
              return;
            }
            const t = valueType(v);
            const want = rule.type === 'number' ? 'float' : rule.type;
            if (want && !(t === want || (want === 'float' && t === 'integer'))) errors.push({ row, column: col, message: `row ${row}: '${col}' = '${v}' is not ${rule.type}` });
            if ((rule.min !== undefined || rule.max !== undefined) && FLOAT.test(v.trim())) {
              const n = Number(v.trim());
              if (rule.min !== undefined && n < rule.min) errors.push({ row, column: col, message: `row ${row}: '${col}' = ${n} is below ${rule.min}` });
              if (rule.max !== undefined && n > rule.max) errors.push({ row, column: col, message: `row ${row}: '${col}' = ${n} is above ${rule.max}` });
            }
            if (rule.min_length !== undefined && v.length < rule.min_length) errors.push({ row, column: col, message: `row ${row}: '${col}' is shorter than ${rule.min_length}` });
            if (rule.max_length !== undefined && v.length > rule.max_length) errors.push({ row, column: col, message: `row ${row}: '${col}' is longer than ${rule.max_length}` });
            if (rx && !rx.test(v)) errors.push({ row, column: col, message: `row ${row}: '${col}' = '${v}' does not match ${rule.pattern}` });
            if (rule.values && !rule.values.map(String).includes(v)) errors.push({ row, column: col, message: `row ${row}: '${col}' = '${v}' is not one of ${rule.values.map(String).join(', ')}` });
            if (rule.unique) {
              if (seen.has(v)) errors.push({ row, column: col, message: `row ${row}: '${col}' = '${v}' is a duplicate` });
              seen.add(v);
            }
          });
        }
        const capped = errors.slice(0, 1000);
        return {
          result: { valid: errors.length === 0, errors: capped, error_count: errors.length, row_count: table.rows.length },
          message: errors.length === 0 ? 'CSV is valid' : `${errors.length} problem(s) found`,
          metadata: { error_count: errors.length },
        };
      }
      case 'sample': {
        const size = Math.max(0, Math.floor(Number(options.size ?? options.n ?? options.sample_size ?? 10)));
        if (!Number.isFinite(size)) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.size' must be a number");
        const method = String(options.method ?? 'random').toLowerCase();
        let rows: Row[];
        if (size >= table.rows.length) rows = [...table.rows];
        else if (method === 'first' || method === 'head') rows = table.rows.slice(0, size);
        else if (method === 'last' || method === 'tail') rows = table.rows.slice(-size || table.rows.length);
        else if (method === 'systematic') {
          const step = table.rows.length / size;
          rows = Array.from({ length: size }, (_, i) => table.rows[Math.floor(i * step)]);
        } else if (method === 'random') {
          const rand = rng(typeof options.seed === 'number' ? options.seed : Math.floor(Math.random() * 2 ** 31));
          const idx = table.rows.map((_, i) => i);
          for (let i = 0; i < size; i++) {
            const j = i + Math.floor(rand() * (idx.length - i));
            [idx[i], idx[j]] = [idx[j], idx[i]];
          }
          rows = idx.slice(0, size).sort((a, b) => a - b).map((i) => table.rows[i]);
        } else throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.method': unknown sampling method '${method}' (random, first, last, systematic)`);
        return { result: rowsOutput(table, table.headers, rows, options), metadata: { sample_size: rows.length, total: table.rows.length, method, row_count: rows.length, headers: table.headers } };
      }
    }
  },
});
