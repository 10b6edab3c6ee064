import type { RunRecord, RunSummary } from './run-history.js';
import type { SpanData } from './span-recorder.js';

/**
 * Text with its control characters (C0 but newline and tab, DEL, C1) written as `\x1b`. Run
 * data (event names, errors, model output) is the script's and the model's to choose: printed
 * raw, an escape sequence in it would retitle, clear or rewrite the reader's terminal.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms - m * 60_000) / 1000)}s`;
}

export function formatCost(usd: number | null): string {
  if (usd === null) return '-';
  if (usd === 0) return '$0';
  if (usd >= 0.01) return `$${usd.toFixed(4)}`;
  // Small amounts to the millionth of a dollar, without trailing zeros ($0.0012, not $0.001200).
  const text = usd.toFixed(6).replace(/0+$/, '');
  return text.endsWith('.') ? '<$0.000001' : `$${text}`;
}

/** One line summing a run: "2 steps, 3 tool calls, 1 error, 40 tokens, $0.0001, 1.52s". */
export function formatRunTotals(r: Pick<RunSummary, 'steps' | 'tool_calls' | 'agent_calls' | 'errors' | 'tokens' | 'cost_usd' | 'duration_ms'>): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const parts = [plural(r.steps, 'step'), plural(r.tool_calls, 'tool call')];
  if (r.agent_calls > 0) parts.push(plural(r.agent_calls, 'agent call'));
  if (r.errors > 0) parts.push(plural(r.errors, 'error'));
  parts.push(`${r.tokens.total} tokens`);
  if (r.cost_usd !== null) parts.push(formatCost(r.cost_usd));
  parts.push(formatDuration(r.duration_ms));
  return parts.join(', ');
}

/** What a span adds to its line: the model and tokens of an agent, the error of a failure. */
function details(s: SpanData): string {
  const a = s.attributes;
  const bits: string[] = [];
  if (s.kind === 'agent') {
    if (a['gen_ai.request.model']) bits.push(String(a['gen_ai.request.model']));
    if (typeof a['gen_ai.usage.input_tokens'] === 'number') bits.push(`${a['gen_ai.usage.input_tokens']}+${a['gen_ai.usage.output_tokens'] ?? 0} tokens`);
    if (typeof a['llmspell.cost_usd'] === 'number') bits.push(formatCost(a['llmspell.cost_usd']));
  }
  if (a['llmspell.cached']) bits.push('cached');
  if (typeof a['llmspell.attempts'] === 'number') bits.push(`${a['llmspell.attempts']} attempts`);
  if (a['llmspell.incomplete']) bits.push('unfinished');
  if (s.status === 'error') bits.push(`✗ ${s.error?.code ?? 'ERROR'}${s.error?.message ? `: ${s.error.message.split('\n')[0]}` : ''}`);
  return bits.join('  ');
}

/** Children of each span, in start order. */
export function childrenOf(spans: SpanData[]): Map<string | undefined, SpanData[]> {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map<string | undefined, SpanData[]>();
  for (const s of spans) {
    const key = s.parent && ids.has(s.parent) ? s.parent : undefined;
    const list = children.get(key);
    if (list) list.push(s);
    else children.set(key, [s]);
  }
  for (const list of children.values()) list.sort((x, y) => x.start - y.start);
  return children;
}

export interface TimelineOptions {
  /** Width of the waterfall bar (0 for none). */
  barWidth?: number;
  /** Show span events under their span. */
  events?: boolean;
}

/**
 * A run's spans as an indented timeline: start offset, duration, a waterfall bar, the tree
 * of names, and what each adds (model, tokens, errors).
 */
export function formatRunTimeline(run: RunRecord, options: TimelineOptions = {}): string {
  const barWidth = options.barWidth ?? 24;
  const spans = run.span_tree;
  const root = spans.find((s) => s.kind === 'run') ?? spans[0];
  const lines: string[] = [];
  const status = run.status === 'ok' ? 'ok' : run.status === 'error' ? `error ${run.error_code ?? ''}`.trim() : run.status;
  lines.push(`run ${run.id}  ${run.script}  ${status}  ${run.started_at}`);
  lines.push(`  ${formatRunTotals(run)}${run.dropped_spans ? `  (${run.dropped_spans} spans not kept)` : ''}`);
  if (run.error) lines.push(`  ${run.error.split('\n')[0]}`);
  if (!root) return escapeControls(lines.join('\n')) + '\n';
  const t0 = root.start;
  const total = Math.max((root.end ?? t0) - t0, 0.001);
  const bar = (s: SpanData) => {
    if (barWidth <= 0) return '';
    const from = Math.min(barWidth - 1, Math.floor(((s.start - t0) / total) * barWidth));
    const to = Math.max(from + 1, Math.min(barWidth, Math.ceil((((s.end ?? s.start) - t0) / total) * barWidth)));
    return `${' '.repeat(from)}${(s.status === 'error' ? '▒' : '█').repeat(to - from)}${' '.repeat(barWidth - to)}|`;
  };
  lines.push('');
  lines.push(`${'start'.padStart(9)} ${'duration'.padStart(9)}  ${barWidth > 0 ? `${'waterfall'.padEnd(barWidth)}| ` : ''}span`);
  const children = childrenOf(spans);
  const walk = (s: SpanData, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? '' : `${prefix}${last ? '└─ ' : '├─ '}`;
    const dur = s.end !== undefined ? formatDuration(s.end - s.start) : 'running';
    const extra = details(s);
    lines.push(`${('+' + formatDuration(s.start - t0)).padStart(9)} ${dur.padStart(9)}  ${bar(s)}${barWidth > 0 ? ' ' : ''}${branch}${s.name}${extra ? `  ${extra}` : ''}`);
    const childPrefix = depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`;
    if (options.events !== false) {
      for (const e of s.events) {
        // The exception that ended the span is already on its line.
        if (e.name === 'exception' && s.error && e.attributes?.['exception.message'] === s.error.message) continue;
        const attrs = e.attributes ?? {};
        const note = attrs['exception.message'] ?? attrs['llmspell.event.type'] ?? attrs['llmspell.attempt'] ?? '';
        lines.push(`${''.padStart(9)} ${''.padStart(9)}  ${barWidth > 0 ? ' '.repeat(barWidth + 2) : ''}${childPrefix}• ${e.name} +${formatDuration(e.time - t0)}${note !== '' ? ` ${String(note).split('\n')[0]}` : ''}`);
      }
    }
    const kids = children.get(s.id) ?? [];
    kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1, depth + 1));
  };
  walk(root, '', true, 0);
  // Spans whose parent was not kept (over max_spans) are listed at the end.
  for (const orphan of (children.get(undefined) ?? []).filter((s) => s !== root)) walk(orphan, '', true, 1);
  return escapeControls(lines.join('\n')) + '\n';
}
