import type { ScriptValue } from '@llmspell/core';
import type { OutputFormat } from './parse-args.js';

function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (_k, v) => (typeof v === 'function' ? undefined : v)));
}

/**
 * How `run`/`exec` print a script's result in text and pretty form (the reference's
 * output.rs, made total). `printed`: the script's print lines, when collected for a
 * `Console Output:` block (pretty without --stream).
 */
export function formatResult(value: ScriptValue, format: OutputFormat, info: { engine: string; elapsedMs: number }, printed?: string[]): string | null {
  if (format === 'json') return JSON.stringify(jsonSafe(value), null, 2);
  if (format === 'pretty') {
    const lines = printed?.length ? ['Console Output:', ...printed.map((l) => `  ${l}`)] : [];
    lines.push(`Output: ${value === null || value === undefined ? 'nil' : JSON.stringify(jsonSafe(value), null, 2)}`, `Engine: ${info.engine}`, `Execution time: ${Math.round(info.elapsedMs)}ms`);
    return lines.join('\n');
  }
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(jsonSafe(value));
}

/**
 * `run`/`exec --output json`: the whole of stdout, one document whichever way the run ends:
 * `{"ok": true, "result": …, "output": [lines]}` or `{"ok": false, "error": {code, message, …}, "output": [lines]}`.
 * With --stream the lines went to stderr as they were printed, and `output` is left out.
 */
export function jsonEnvelope(outcome: { ok: true; result: ScriptValue } | { ok: false; error: Record<string, unknown> }, printed: string[], streamed: boolean): string {
  const doc: Record<string, unknown> = outcome.ok ? { ok: true, result: jsonSafe(outcome.result) } : { ok: false, error: outcome.error };
  if (!streamed) doc.output = printed;
  return JSON.stringify(doc, null, 2);
}
