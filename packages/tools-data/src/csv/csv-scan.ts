import { headOf, readSourceRecords, type CsvSource } from './csv-source.js';

/**
 * Streams the records of CSV text (or a file, read in parts) to a visitor instead of building them all: a 50 MB table is
 * read with memory for one record at a time (plus what the operation keeps). Each operation makes
 * one or two passes.
 */

export interface CsvShape {
  headers: string[];
  delimiter: string;
  hasHeaders: boolean;
  /** Data rows (the header record excluded). */
  rowCount: number;
  /** Rows whose field count differs from the header's (the first MAX_RAGGED of them). */
  ragged: Array<{ row: number; fields: number }>;
  raggedCount: number;
}

export const MAX_RAGGED = 1000;

/** Thrown by a visitor to stop reading early (sample 'first'). */
export const STOP_SCAN = Symbol('stop scan');

function sniffDelimiter(text: string): string {
  const sample = text.slice(0, 64 * 1024).split(/\r?\n/, 10).filter((l) => l.length > 0);
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

function eachRecord(input: CsvSource, delimiter: string, trim: boolean, visit: (record: string[]) => void): void {
  try {
    readSourceRecords(input, { delimiter, trim }, visit);
  } catch (error) {
    if (error !== STOP_SCAN) throw error;
  }
}

/** Header names made unique (`name`, `name_2`), blanks named `column_N`. */
function uniqueHeaders(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => (h.trim() === '' ? `column_${i + 1}` : h.trim())).map((h) => {
    const n = seen.get(h) ?? 0;
    seen.set(h, n + 1);
    return n === 0 ? h : `${h}_${n + 1}`;
  });
}

export interface ScanOptions {
  delimiter?: unknown;
  has_headers?: unknown;
  headers?: unknown;
  trim?: unknown;
}

/**
 * Reads the table: `onHeaders` once the header names are known, then `onRow` with each data row's
 * fields padded or cut to the header width, and the 1-based row number. Returns the table's shape.
 */
export function scanCsv(
  input: CsvSource,
  options: ScanOptions,
  onRow: (fields: string[], row: number) => void,
  onHeaders: (headers: string[]) => void = () => {},
): CsvShape {
  const delimiter = typeof options.delimiter === 'string' && options.delimiter.length > 0 ? options.delimiter : sniffDelimiter(headOf(input, 64 * 1024));
  const hasHeaders = options.has_headers !== false && options.headers !== false;
  const trim = options.trim === true;
  const shape: CsvShape = { headers: [], delimiter, hasHeaders, rowCount: 0, ragged: [], raggedCount: 0 };
  let width = -1;
  if (!hasHeaders) {
    // Without a header record the width is the longest record's: one counting pass first.
    width = 0;
    eachRecord(input, delimiter, trim, (record) => { if (record.length > width) width = record.length; });
    shape.headers = Array.from({ length: width }, (_, i) => `column_${i + 1}`);
    onHeaders(shape.headers);
  }
  let first = hasHeaders;
  eachRecord(input, delimiter, trim, (record) => {
    if (first) {
      first = false;
      shape.headers = uniqueHeaders(record);
      width = shape.headers.length;
      onHeaders(shape.headers);
      return;
    }
    const row = ++shape.rowCount;
    if (record.length !== width) {
      shape.raggedCount++;
      if (shape.ragged.length < MAX_RAGGED) shape.ragged.push({ row, fields: record.length });
      if (record.length > width) record.length = width;
      else while (record.length < width) record.push('');
    }
    onRow(record, row);
  });
  return shape;
}
