/**
 * Bounds on what a job stores in Redis. Everything a job writes there stays for as long as the
 * queue keeps the job (`keep_completed` / `keep_failed`, 1000 and 5000 by default), so one
 * chatty script must not be able to fill the server.
 */
/** One line of a job's log, one progress text, one error message. */
export const MAX_LINE_BYTES = 8 * 1024;
/** A job's whole log, over all its runs. */
export const MAX_LOG_BYTES = 1024 * 1024;
/** A job's result (as JSON). */
export const MAX_RESULT_BYTES = 1024 * 1024;

/**
 * `text` cut to at most `maxBytes` of UTF-8, the note saying how much was cut included (so
 * cutting again changes nothing), never inside a character.
 */
export function clipText(text: string, maxBytes = MAX_LINE_BYTES): string {
  const size = Buffer.byteLength(text);
  if (size <= maxBytes) return text;
  const note = (cut: number) => `… [${cut} more bytes cut]`;
  // The note for cutting everything is at least as long as the real one.
  let head = Buffer.from(text).subarray(0, Math.max(0, maxBytes - Buffer.byteLength(note(size)))).toString('utf8');
  // A character split at the cut decodes as U+FFFD: drop it rather than show a stray one.
  if (head.endsWith('\uFFFD') && !text.startsWith(head)) head = head.slice(0, -1);
  return head + note(size - Buffer.byteLength(head));
}

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides:
 * in a terminal they move the cursor, recolour, or start a new line a reader takes for the
 * program's own.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** `text` with every control character written as an escape (`\n`, `\x1b`, `\u202e`), safe to print. */
export function printable(text: string): string {
  return text.replace(CONTROLS, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
