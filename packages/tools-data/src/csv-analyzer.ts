import { compileScriptRegex, LlmspellError, defineTool, paramError, z, type ScriptRegex } from '@llmspell/core';
import { ColumnProfile, FLOAT, isNull, TypeTracker, typedValue, valueType, type ColumnType } from './csv/column-profile.js';
import { scanCsv, STOP_SCAN, type CsvShape } from './csv/csv-scan.js';
import type { CsvSource } from './csv/csv-source.js';
import { rowFilter } from './csv/csv-filter.js';

const MAX_CSV_BYTES = 100 * 1024 * 1024;
/** A file (`path`) is read in parts, never whole: only the time of a pass bounds it. */
const MAX_CSV_FILE_BYTES = 1024 * 1024 * 1024;
/** Distinct values kept exactly across all columns of `analyze`; past a column's share, counts are estimated. */
const DISTINCT_BUDGET = 1_000_000;
const MAX_LISTED_ERRORS = 1000;
/**
 * Largest result given as row objects (convert to json, output = "rows"), by its JSON size: a
 * million row objects cost the host several times their text and the script more. Text formats
 * (csv, jsonl, tsv) are not limited beyond the input's own size limit.
 */
export const MAX_ROW_OBJECTS_BYTES = 64 * 1024 * 1024;
/** Longest cell value quoted in a validation message. */
const MAX_QUOTED = 80;

const OPERATIONS = ['analyze', 'convert', 'filter', 'transform', 'validate', 'sample'] as const;

/** A data row: the fields in header order. */
type Fields = string[];

const quote = (v: string): string => (v.length > MAX_QUOTED ? `${v.slice(0, MAX_QUOTED)}… (${v.length} characters)` : v);

function quoteField(v: string, delimiter: string): string {
  if (v.includes('"') || v.includes(delimiter) || v.includes('\n') || v.includes('\r') || /^\s|\s$/.test(v)) {
    return `"${v.replace(/"/g, '""')}"`;
  }
  return v;
}

/** Builds delimited text a line at a time. */
class DelimitedWriter {
  private readonly lines: string[] = [];
  constructor(private readonly delimiter: string) {}
  row(fields: string[]): void {
    if (this.delimiter === '\t') this.lines.push(fields.map((v) => v.replace(/[\t\r\n]/g, ' ')).join('\t'));
    else this.lines.push(fields.map((v) => quoteField(v, this.delimiter)).join(this.delimiter));
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

function toDelimited(headers: string[], rows: Fields[], delimiter: string): string {
  const w = new DelimitedWriter(delimiter);
  w.row(headers);
  for (const r of rows) w.row(r);
  return w.text();
}

function columnTypes(headers: string[], rows: Fields[]): ColumnType[] {
  const trackers = headers.map(() => new TypeTracker());
  for (const r of rows) trackers.forEach((t, j) => t.add(r[j] ?? ''));
  return trackers.map((t) => t.type);
}

/** Adds up the JSON size of row objects as they are made, refusing past MAX_ROW_OBJECTS_BYTES. */
class RowObjectBudget {
  private bytes = 0;
  private readonly perRow: number;
  constructor(headers: string[], private readonly parameter: string) {
    this.perRow = headers.reduce((n, h) => n + h.length + 6, 2);
  }
  add(fields: Fields): void {
    this.bytes += this.perRow;
    for (const f of fields) this.bytes += f.length;
    if (this.bytes > MAX_ROW_OBJECTS_BYTES) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter '${this.parameter}': the rows as objects would be over ${MAX_ROW_OBJECTS_BYTES} bytes of JSON; ask for text (format "jsonl" or "csv", output "csv") or filter the table first`);
    }
  }
}

function typedRow(headers: string[], fields: Fields, types: ColumnType[], typed: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  headers.forEach((h, j) => { o[h] = typed ? typedValue(fields[j] ?? '', types[j]) : fields[j] ?? ''; });
  return o;
}

/**
 * filter / transform / sample results. Like the reference, the result is the CSV text by
 * default (scripts written for rs-llmspell treat it as a string); `options.output = "rows"`
 * gives `{headers, rows (typed), row_count, csv}` instead.
 */
function rowsOutput(shape: CsvShape, headers: string[], rows: Fields[], options: Record<string, unknown>): Record<string, unknown> | string {
  const mode = options.output ?? 'csv';
  if (mode !== 'csv' && mode !== 'rows') throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.output': unknown output '${String(mode)}' (csv, rows)`);
  const csv = toDelimited(headers, rows, shape.delimiter);
  if (mode === 'csv') return csv;
  const budget = new RowObjectBudget(headers, 'options.output');
  for (const r of rows) budget.add(r);
  const types = columnTypes(headers, rows);
  return { headers, rows: rows.map((r) => typedRow(headers, r, types, options.typed !== false)), row_count: rows.length, csv };
}

function analyze(input: CsvSource, options: Record<string, unknown>): { result: Record<string, unknown>; shape: CsvShape } {
  let profiles: ColumnProfile[] = [];
  const shape = scanCsv(input, options, (fields) => {
    for (let j = 0; j < profiles.length; j++) profiles[j].add(fields[j]);
  }, (headers) => {
    const share = Math.max(1000, Math.floor(DISTINCT_BUDGET / Math.max(1, headers.length)));
    profiles = headers.map((h) => new ColumnProfile(h, share));
  });
  return {
    shape,
    result: {
      row_count: shape.rowCount,
      column_count: shape.headers.length,
      headers: shape.headers,
      delimiter: shape.delimiter,
      columns: profiles.map((p) => p.result()),
      inconsistent_rows: shape.ragged.slice(0, 100),
    },
  };
}

function convert(input: CsvSource, options: Record<string, unknown>): Record<string, unknown> {
  const format = String(options.format ?? options.to ?? 'json').toLowerCase();
  if (['parquet', 'excel', 'xlsx'].includes(format)) {
    throw new LlmspellError('UNSUPPORTED', `parameter 'options.format': '${format}' output is not supported (use json, jsonl, tsv or csv)`);
  }
  if (!['json', 'jsonl', 'ndjson', 'tsv', 'csv'].includes(format)) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.format': unknown format '${format}' (json, jsonl, tsv, csv)`);
  }
  const typed = options.typed !== false;
  let types: ColumnType[] = [];
  if ((format === 'json' || format === 'jsonl' || format === 'ndjson') && typed) {
    // First pass: the column types the typed values follow.
    let trackers: TypeTracker[] = [];
    scanCsv(input, options, (fields) => trackers.forEach((t, j) => t.add(fields[j])), (headers) => { trackers = headers.map(() => new TypeTracker()); });
    types = trackers.map((t) => t.type);
  }
  let output: unknown;
  let shape: CsvShape;
  if (format === 'json') {
    const objects: Record<string, unknown>[] = [];
    let headers: string[] = [];
    let budget: RowObjectBudget;
    shape = scanCsv(input, options, (fields) => {
      budget.add(fields);
      objects.push(typedRow(headers, fields, types, typed));
    }, (h) => {
      headers = h;
      budget = new RowObjectBudget(h, 'options.format');
    });
    output = objects;
  } else if (format === 'jsonl' || format === 'ndjson') {
    const lines: string[] = [];
    let headers: string[] = [];
    shape = scanCsv(input, options, (fields) => lines.push(JSON.stringify(typedRow(headers, fields, types, typed))), (h) => { headers = h; });
    output = lines.join('\n') + (lines.length ? '\n' : '');
  } else {
    const writer = new DelimitedWriter(format === 'tsv' ? '\t' : typeof options.output_delimiter === 'string' ? options.output_delimiter : ',');
    shape = scanCsv(input, options, (fields) => writer.row(fields), (headers) => writer.row(headers));
    output = writer.text();
  }
  return { result: { format, output, row_count: shape.rowCount }, metadata: { format, row_count: shape.rowCount } };
}

function filter(input: CsvSource, options: Record<string, unknown>): Record<string, unknown> {
  const rows: Fields[] = [];
  let test: (fields: Fields) => boolean = () => false;
  const shape = scanCsv(input, options, (fields) => { if (test(fields)) rows.push(fields); }, (headers) => { test = rowFilter(options, headers); });
  if (shape.headers.length === 0) rowFilter(options, shape.headers);
  return {
    result: rowsOutput(shape, shape.headers, rows, options),
    message: `${rows.length} of ${shape.rowCount} rows matched`,
    metadata: { matched: rows.length, total: shape.rowCount, row_count: rows.length, headers: shape.headers },
  };
}

const TRANSFORMS: Record<string, (v: string) => string> = {
  uppercase: (v) => v.toUpperCase(), lowercase: (v) => v.toLowerCase(), trim: (v) => v.trim(),
  number: (v) => (FLOAT.test(v.trim()) ? String(Number(v.trim())) : v),
  round: (v) => (FLOAT.test(v.trim()) ? String(Math.round(Number(v.trim()))) : v),
};

function transform(input: CsvSource, options: Record<string, unknown>): Record<string, unknown> {
  const renames = typeof options.rename === 'object' && options.rename !== null ? (options.rename as Record<string, unknown>) : {};
  if (options.rename !== undefined && (typeof options.rename !== 'object' || options.rename === null)) {
    throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.rename' must map old → new column names");
  }
  const ops = options.operations ?? options.transforms;
  if (ops !== undefined && (typeof ops !== 'object' || ops === null)) {
    throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.operations' must map column → uppercase|lowercase|trim|number|round");
  }
  const limit = options.limit !== undefined ? Math.max(0, Number(options.limit)) : Infinity;
  // Decided from the header record, before the rows stream past.
  let outColumns: number[] = [];
  let fns: Array<[number, (v: string) => string]> = [];
  let sortColumn = -1;
  const plan = (headers: string[]) => {
    let names = [...headers];
    const check = (col: string, what: string) => {
      if (!names.includes(col)) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.${what}': unknown column '${col}' (columns: ${names.join(', ')})`);
    };
    if (options.drop !== undefined) {
      const drop = Array.isArray(options.drop) ? options.drop.map(String) : [String(options.drop)];
      drop.forEach((c) => check(c, 'drop'));
      names = names.filter((h) => !drop.includes(h));
    }
    if (options.select !== undefined || options.columns !== undefined) {
      const sel = (options.select ?? options.columns) as unknown;
      const cols = Array.isArray(sel) ? sel.map(String) : [String(sel)];
      cols.forEach((c) => check(c, 'select'));
      names = cols;
    }
    if (ops !== undefined) {
      fns = Object.entries(ops as Record<string, unknown>).map(([col, how]) => {
        check(col, 'operations');
        const fn = TRANSFORMS[String(how)];
        if (!fn) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.operations.${col}': unknown transform '${String(how)}' (${Object.keys(TRANSFORMS).join(', ')})`);
        return [headers.indexOf(col), fn];
      });
    }
    if (options.sort_by !== undefined) {
      // sort_by may name a column by its old or its new (renamed) name.
      const col = Object.keys(renames).find((k) => String(renames[k]) === String(options.sort_by) && !names.includes(String(options.sort_by))) ?? String(options.sort_by);
      check(col, 'sort_by');
      sortColumn = names.indexOf(col);
    }
    Object.keys(renames).forEach((c) => check(c, 'rename'));
    outColumns = names.map((n) => headers.indexOf(n));
    return names.map((h) => (renames[h] !== undefined ? String(renames[h]) : h));
  };
  let outHeaders: string[] = [];
  const rows: Fields[] = [];
  const shape = scanCsv(input, options, (fields) => {
    // Without sorting, rows past the limit are not needed.
    if (sortColumn < 0 && rows.length >= limit) throw STOP_SCAN;
    for (const [j, fn] of fns) fields[j] = fn(fields[j]);
    rows.push(outColumns.map((j) => fields[j]));
  }, (headers) => { outHeaders = plan(headers); });
  let out = rows;
  if (sortColumn >= 0) {
    const desc = options.descending === true || String(options.order ?? '').toLowerCase() === 'desc';
    const tracker = new TypeTracker();
    for (const r of out) tracker.add(r[sortColumn]);
    const numeric = tracker.type === 'integer' || tracker.type === 'float';
    out.sort((a, b) => {
      const x = a[sortColumn];
      const y = b[sortColumn];
      // Empty cells sort last in either direction.
      if (isNull(x) || isNull(y)) return isNull(x) === isNull(y) ? 0 : isNull(x) ? 1 : -1;
      const c = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
      return desc ? -c : c;
    });
    if (out.length > limit) out = out.slice(0, limit);
  }
  return { result: rowsOutput(shape, outHeaders, out, options), metadata: { row_count: out.length, column_count: outHeaders.length, headers: outHeaders } };
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

interface ValidationError { row?: number; column?: string; message: string }

/** Errors of one column: the first MAX_LISTED_ERRORS kept, all counted. */
class ErrorList {
  readonly listed: ValidationError[] = [];
  count = 0;
  add(e: ValidationError): void {
    this.count++;
    if (this.listed.length < MAX_LISTED_ERRORS) this.listed.push(e);
  }
}

function validate(input: CsvSource, options: Record<string, unknown>): Record<string, unknown> {
  const rulesRaw = (options.rules ?? options.schema ?? {}) as Record<string, unknown>;
  if (typeof rulesRaw !== 'object' || rulesRaw === null || Array.isArray(rulesRaw)) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.rules' must map column → rule");
  const rules = Object.entries(rulesRaw).map(([col, ruleRaw]) => {
    const parsed = RULE.safeParse(ruleRaw);
    if (!parsed.success) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.rules.${col}.${parsed.error.issues[0].path.join('.')}': ${parsed.error.issues[0].message}`);
    const rule = parsed.data;
    // Script-supplied: the linear-time engine, compiled once for the column.
    const rx: ScriptRegex | undefined = rule.pattern ? compileScriptRegex(rule.pattern, { parameter: `options.rules.${col}.pattern` }) : undefined;
    const values = rule.values ? new Set(rule.values.map(String)) : undefined;
    return { col, rule, rx, values, errors: new ErrorList(), seen: rule.unique ? new Set<string>() : undefined, index: -1 };
  });
  const shape = scanCsv(input, options, (fields, row) => {
    for (const c of rules) {
      if (c.index < 0) continue;
      const { col, rule, rx, values, errors, seen } = c;
      const v = fields[c.index];
      if (isNull(v)) {
        if (rule.required) errors.add({ row, column: col, message: `row ${row}: '${col}' is required` });
        continue;
      }
      const want = rule.type === 'number' ? 'float' : rule.type;
      if (want) {
        const t = valueType(v);
        if (!(t === want || (want === 'float' && t === 'integer'))) errors.add({ row, column: col, message: `row ${row}: '${col}' = '${quote(v)}' is not ${rule.type}` });
      }
      if ((rule.min !== undefined || rule.max !== undefined) && FLOAT.test(v.trim())) {
        const n = Number(v.trim());
        if (rule.min !== undefined && n < rule.min) errors.add({ row, column: col, message: `row ${row}: '${col}' = ${n} is below ${rule.min}` });
        if (rule.max !== undefined && n > rule.max) errors.add({ row, column: col, message: `row ${row}: '${col}' = ${n} is above ${rule.max}` });
      }
      if (rule.min_length !== undefined && v.length < rule.min_length) errors.add({ row, column: col, message: `row ${row}: '${col}' is shorter than ${rule.min_length}` });
      if (rule.max_length !== undefined && v.length > rule.max_length) errors.add({ row, column: col, message: `row ${row}: '${col}' is longer than ${rule.max_length}` });
      if (rx && !rx.test(v)) errors.add({ row, column: col, message: `row ${row}: '${col}' = '${quote(v)}' does not match ${quote(rule.pattern!)}` });
      if (values && !values.has(v)) errors.add({ row, column: col, message: `row ${row}: '${col}' = '${quote(v)}' is not one of ${quote([...values].join(', '))}` });
      if (seen) {
        if (seen.has(v)) errors.add({ row, column: col, message: `row ${row}: '${col}' = '${quote(v)}' is a duplicate` });
        seen.add(v);
      }
    }
  }, (headers) => { for (const c of rules) c.index = headers.indexOf(c.col); });
  // Listed in the order: ragged rows, missing columns, then each rule's column.
  const errors: ValidationError[] = shape.ragged.map((r) => ({ row: r.row, message: `row ${r.row} has ${r.fields} fields, expected ${shape.headers.length}` }));
  let count = shape.raggedCount;
  const required = Array.isArray(options.required_columns) ? options.required_columns.map(String) : [];
  for (const col of required) {
    if (!shape.headers.includes(col)) {
      errors.push({ column: col, message: `required column '${col}' is missing` });
      count++;
    }
  }
  for (const c of rules) {
    if (c.index < 0) {
      errors.push({ column: c.col, message: `column '${c.col}' is missing` });
      count++;
      continue;
    }
    for (const e of c.errors.listed) if (errors.length < MAX_LISTED_ERRORS) errors.push(e);
    count += c.errors.count;
  }
  return {
    result: { valid: count === 0, errors: errors.slice(0, MAX_LISTED_ERRORS), error_count: count, row_count: shape.rowCount },
    message: count === 0 ? 'CSV is valid' : `${count} problem(s) found`,
    metadata: { error_count: count },
  };
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

/** Row indices (0-based) a sample takes, from the row count alone; the rows are read afterwards. */
function sampleIndices(method: string, size: number, total: number, options: Record<string, unknown>): number[] {
  if (size >= total) return Array.from({ length: total }, (_, i) => i);
  if (method === 'first' || method === 'head') return Array.from({ length: size }, (_, i) => i);
  if (method === 'last' || method === 'tail') return Array.from({ length: size }, (_, i) => total - size + i);
  if (method === 'systematic') {
    const step = total / size;
    return Array.from({ length: size }, (_, i) => Math.floor(i * step));
  }
  // A partial Fisher–Yates shuffle of 0…total-1, holding only the swapped positions.
  const rand = rng(typeof options.seed === 'number' ? options.seed : Math.floor(Math.random() * 2 ** 31));
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const picked: number[] = [];
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rand() * (total - i));
    const vi = at(i);
    const vj = at(j);
    swapped.set(i, vj);
    swapped.set(j, vi);
    picked.push(vj);
  }
  return picked.sort((a, b) => a - b);
}

function sample(input: CsvSource, options: Record<string, unknown>): Record<string, unknown> {
  const size = Math.max(0, Math.floor(Number(options.size ?? options.n ?? options.sample_size ?? 10)));
  if (!Number.isFinite(size)) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'options.size' must be a number");
  const method = String(options.method ?? 'random').toLowerCase();
  if (!['random', 'first', 'head', 'last', 'tail', 'systematic'].includes(method)) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter 'options.method': unknown sampling method '${method}' (random, first, last, systematic)`);
  }
  // Counting pass (skipped for 'first'), then a pass that keeps the chosen rows.
  const total = method === 'first' || method === 'head' ? Infinity : scanCsv(input, options, () => {}).rowCount;
  const wanted = Number.isFinite(total) ? sampleIndices(method, size, total, options) : null;
  const rows: Fields[] = [];
  let next = 0;
  const shape = scanCsv(input, options, (fields, row) => {
    if (wanted === null) {
      if (rows.length >= size) throw STOP_SCAN;
      rows.push(fields);
      return;
    }
    if (next >= wanted.length) throw STOP_SCAN;
    if (wanted[next] === row - 1) {
      rows.push(fields);
      next++;
    }
  });
  const rowCount = Number.isFinite(total) ? total : shape.rowCount;
  return { result: rowsOutput(shape, shape.headers, rows, options), metadata: { sample_size: rows.length, total: rowCount, method, row_count: rows.length, headers: shape.headers } };
}

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
  ignoredParameters: ['headers'],
  examples: [
    { description: 'Column statistics and types', params: { operation: 'analyze', input: 'name,age,city\nAnn,34,Oslo\nBob,27,Rome\nCy,45,Oslo\n' } },
    { description: 'Convert to JSON rows (typed values)', params: { operation: 'convert', input: 'name,age\nAnn,34\nBob,27\n', options: { format: 'json' } } },
    { description: 'Rows where age > 30', params: { operation: 'filter', input: 'name,age\nAnn,34\nBob,27\n', options: { filter: 'age > 30', output: 'rows' } } },
  ],
  category: 'data',
  securityLevel: 'safe',
  // Reading a file is what `restricted` means; CSV text in, results out stays `safe`.
  parameterLevels: { path: 'restricted' },
  tags: ['csv', 'data', 'statistics', 'conversion'],
  parameters: z.object({
    operation: z.enum(OPERATIONS).default('analyze').describe('analyze | convert | filter | transform | validate | sample'),
    input: z.string().optional().describe('CSV content (text, not a path); or give path'),
    path: z.string().optional().describe('A CSV file inside the allowed roots, read in parts (for tables too large to pass as text)'),
    options: z.record(z.string(), z.unknown()).default({}).describe('Operation options (format, conditions, select, rules, size, delimiter, has_headers…)'),
  }),
  async execute({ operation, input, path, options }, ctx) {
    if ((input === undefined) === (path === undefined)) {
      throw new LlmspellError('INVALID_ARGUMENT', `csv_analyzer: parameter '${input === undefined ? 'input' : 'path'}': give either input (CSV text) or path (a CSV file), ${input === undefined ? 'one is required' : 'not both'}`, { details: { parameter: input === undefined ? 'input' : 'path' } });
    }
    if (input !== undefined) {
      ctx.policy.checkSize("parameter 'input'", Buffer.byteLength(input), MAX_CSV_BYTES);
      return run(operation, input, options);
    }
    const file = await ctx.policy.openFile(path!, { parameter: 'path' }).catch((error: unknown) => fileError(error, path!));
    try {
      ctx.policy.checkSize(`csv_analyzer: parameter 'path': file ${path}`, file.stat.size, MAX_CSV_FILE_BYTES);
      return run(operation, { fd: file.handle.fd, size: file.stat.size, parameter: 'path' }, options);
    } finally {
      await file.close();
    }
  },
});

/**
 * Names the tool and parameter in a refusal to open `path`, as tools-util's policy-files does:
 * the policy's own messages name only the file.
 */
function fileError(error: unknown, file: string): never {
  const tool = 'csv_analyzer';
  const parameter = 'path';
  if (error instanceof LlmspellError) {
    if (error.code === 'NOT_FOUND') paramError(tool, parameter, `file not found: ${file}`, 'NOT_FOUND', { path: file });
    if (error.code === 'INVALID_ARGUMENT') paramError(tool, parameter, `not a regular file: ${file}`, 'INVALID_ARGUMENT', { path: file });
    if (error.code === 'IO_ERROR') throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${file}: ${error.detail}`, { cause: error });
    const detail = error.detail.startsWith(`parameter '${parameter}'`) ? error.detail : `parameter '${parameter}': ${error.detail}`;
    throw new LlmspellError(error.code, `${tool}: ${detail}`, { details: { ...error.details, tool, parameter }, cause: error });
  }
  throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${file}: ${(error as Error).message}`, { cause: error });
}

function run(operation: (typeof OPERATIONS)[number], input: CsvSource, options: Record<string, unknown>) {
  switch (operation) {
    case 'analyze': {
      const { result, shape } = analyze(input, options);
      return { result, message: `${shape.rowCount} rows, ${shape.headers.length} columns`, metadata: { row_count: shape.rowCount, column_count: shape.headers.length } };
    }
    case 'convert': return convert(input, options);
    case 'filter': return filter(input, options);
    case 'transform': return transform(input, options);
    case 'validate': return validate(input, options);
    case 'sample': return sample(input, options);
  }
}
