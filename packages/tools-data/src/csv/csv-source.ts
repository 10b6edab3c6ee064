import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { readRecords, type RecordOptions } from './csv-records.js';

/** A CSV table: text given inline, or an open file read in parts (`path`). */
export type CsvSource = string | CsvFile;

export interface CsvFile {
  /** An open, verified descriptor; read with positioned reads, so each pass starts at 0. */
  fd: number;
  size: number;
  /** The parameter errors name. */
  parameter: string;
}

/** Bytes read at a time from a file. */
export const CHUNK_BYTES = 1024 * 1024;

/** The first `chars` characters of the table (for sniffing the delimiter). */
export function headOf(source: CsvSource, chars: number): string {
  if (typeof source === 'string') return source.slice(0, chars);
  const buf = Buffer.alloc(Math.min(source.size, chars * 4));
  const n = fs.readSync(source.fd, buf, 0, buf.length, 0);
  return new StringDecoder('utf8').write(buf.subarray(0, n)).slice(0, chars);
}

/**
 * Finds the record ends of text that starts at a record start, with the reader's own rules
 * (a quote opens a field only at its start, `""` inside is a quote), scanning each character
 * once however many parts a long quoted field spans.
 */
class RecordEnds {
  private scanned = 0;
  private quoted = false;
  private fieldStart = true;
  private end = 0;
  private atStart = true;

  constructor(private readonly options: RecordOptions) {}

  /** Index just past the last record end found in `text` (0 when none yet). */
  last(text: string): number {
    const { delimiter, trim } = this.options;
    let i = this.scanned;
    if (this.atStart && i === 0 && text.charCodeAt(0) === 0xfeff) i = 1;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.quoted) {
        if (c !== 34) continue;
        // `""` is a quote inside the field; a quote at the very end waits for the next part.
        if (i + 1 >= text.length) break;
        if (text.charCodeAt(i + 1) === 34) i++;
        else this.quoted = false;
      } else if (c === 10 || c === 13) {
        // A CR at the very end may be the first half of CRLF: wait for the next part.
        if (c === 13 && i + 1 >= text.length) break;
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        this.end = i + 1;
        this.fieldStart = true;
      } else if (c === 34 && this.fieldStart) {
        this.quoted = true;
        this.fieldStart = false;
      } else if (c === delimiter.charCodeAt(0) && i + delimiter.length > text.length) {
        break;
      } else if (text.startsWith(delimiter, i)) {
        i += delimiter.length - 1;
        this.fieldStart = true;
      } else if (!(trim && this.fieldStart && (c === 32 || c === 9))) {
        this.fieldStart = false;
      }
    }
    this.scanned = i;
    return this.end;
  }

  /** The text before `cut` was consumed: positions move left by `cut`. */
  consumed(cut: number): void {
    this.atStart = false;
    this.scanned -= cut;
    this.end -= cut;
  }
}

/**
 * Hands every record of the table to `visit`. A file is read CHUNK_BYTES at a time and parsed
 * up to its last complete record, the rest carried into the next part: memory for one part and
 * one record, whatever the file's size.
 */
export function readSourceRecords(source: CsvSource, options: RecordOptions, visit: (record: string[]) => void): void {
  if (typeof source === 'string') {
    readRecords(source, options, visit);
    return;
  }
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(CHUNK_BYTES);
  const parse = { ...options, parameter: source.parameter, firstLine: 1, bom: true };
  const ends = new RecordEnds(options);
  let carry = '';
  for (let position = 0; ;) {
    // Up to the size seen at open: a file that grows while it is read does not read forever.
    const n = position >= source.size ? 0 : fs.readSync(source.fd, buf, 0, Math.min(buf.length, source.size - position), position);
    position += n;
    if (n === 0) {
      const rest = carry + decoder.end();
      if (rest.length > 0) readRecords(rest, parse, visit);
      return;
    }
    carry += decoder.write(buf.subarray(0, n));
    const end = ends.last(carry);
    if (end > 0) {
      parse.firstLine = readRecords(carry.slice(0, end), parse, visit);
      parse.bom = false;
      carry = carry.slice(end);
      ends.consumed(end);
    }
  }
}
