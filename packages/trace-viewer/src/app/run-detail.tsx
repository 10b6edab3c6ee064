import { useState } from 'preact/hooks';
import { fetchRun, type RunRecord, type SpanData } from './api.js';
import { cost, duration, when } from './format.js';
import { spanRows, timeWindow } from './span-tree.js';
import { usePoll } from './use-poll.js';

/** One run: its totals, a waterfall of its spans, and the selected span's details. */
export function RunDetail({ id, back }: { id: string; back(): void }) {
  const run = usePoll((signal) => fetchRun(id, signal), id, (data) => (!data || data.status === 'running' ? 1000 : 0));
  const [selected, setSelected] = useState<string | undefined>();
  if (!run.data) {
    return (
      <section>
        <a class="back" href="#/" onClick={back}>← Runs</a>
        <p class={run.error ? 'warn' : 'muted'} role={run.error ? 'alert' : undefined}>{run.error ?? 'Loading…'}</p>
      </section>
    );
  }
  const r = run.data;
  const span = r.span_tree.find((s) => s.id === selected);
  return (
    <section class="run-detail" data-run-id={r.id} data-status={r.status}>
      <a class="back" href="#/">← Runs</a>
      <RunHeader run={r} />
      {run.error && <p class="warn" role="alert">refresh failed: {run.error}</p>}
      <Waterfall run={r} selected={selected} select={setSelected} />
      {span && <SpanPanel span={span} t0={r.span_tree.find((s) => s.kind === 'run')?.start ?? span.start} captured={r.content_captured} />}
    </section>
  );
}

function RunHeader({ run }: { run: RunRecord }) {
  return (
    <header class="run-header">
      <h1>{run.script} <span class={`badge ${run.status}`}>{run.status}</span></h1>
      <dl class="totals">
        <div><dt>Started</dt><dd>{when(run.started_at)}</dd></div>
        <div><dt>Duration</dt><dd>{duration(run.duration_ms)}</dd></div>
        <div><dt>Steps</dt><dd>{run.steps}</dd></div>
        <div><dt>Tool calls</dt><dd>{run.tool_calls}</dd></div>
        <div><dt>Agent calls</dt><dd>{run.agent_calls}</dd></div>
        <div><dt>Tokens</dt><dd>{run.tokens.total} <span class="muted">({run.tokens.input} in / {run.tokens.output} out)</span></dd></div>
        <div><dt>Cost</dt><dd>{cost(run.cost_usd)}</dd></div>
        <div><dt>Errors</dt><dd>{run.errors}</dd></div>
      </dl>
      {run.error && <p class="run-error"><code>{run.error_code}</code> {run.error}</p>}
      <p class="muted small">
        Run {run.id} · trace {run.trace_id}{run.exported ? ' · exported over OTLP' : ''}
        {run.content_captured ? '' : ' · inputs and outputs not captured ([observability] capture_content = true keeps them)'}
        {run.dropped_spans ? ` · ${run.dropped_spans} spans over the limit not kept` : ''}
      </p>
    </header>
  );
}

function barLabel(s: SpanData): string {
  const a = s.attributes;
  const bits: string[] = [];
  if (s.kind === 'agent' && typeof a['gen_ai.usage.input_tokens'] === 'number') bits.push(`${a['gen_ai.usage.input_tokens']}+${a['gen_ai.usage.output_tokens'] ?? 0} tok`);
  if (typeof a['llmspell.cost_usd'] === 'number') bits.push(cost(a['llmspell.cost_usd']));
  // Still open when its run ended (cancelled, or its process killed).
  if (a['llmspell.incomplete']) bits.push('unfinished');
  if (s.status === 'error') bits.push(s.error?.code ?? 'error');
  return bits.join(' · ');
}

function Waterfall({ run, selected, select }: { run: RunRecord; selected?: string; select(id: string): void }) {
  const now = Date.now();
  const { t0, total } = timeWindow(run.span_tree, now);
  const rows = spanRows(run.span_tree);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="waterfall" role="table" aria-label="span timeline">
      <div class="wf-head" role="row">
        <div class="wf-name" role="columnheader">Span</div>
        <div class="wf-track" role="columnheader">
          {ticks.map((t) => <span class="tick" style={{ left: `${t * 100}%` }}>{duration(t * total)}</span>)}
        </div>
      </div>
      {rows.map(({ span: s, depth }) => {
        const end = s.end ?? now;
        const left = ((s.start - t0) / total) * 100;
        const width = Math.max(((end - s.start) / total) * 100, 0.3);
        const label = barLabel(s);
        return (
          <div class={`wf-row kind-${s.kind} ${s.status === 'error' ? 'failed' : ''} ${selected === s.id ? 'selected' : ''}`} role="row"
            data-testid="span-row" data-span-name={s.name} data-kind={s.kind} data-status={s.status}
            tabIndex={0} onClick={() => select(s.id)} onKeyDown={(e) => e.key === 'Enter' && select(s.id)}>
            <div class="wf-name" role="cell" style={{ paddingLeft: `${0.4 + depth * 1.1}rem` }} title={s.name}>
              <span class="kind">{s.kind}</span> {s.name}
            </div>
            <div class="wf-track" role="cell">
              <div class={`bar ${s.end === undefined ? 'open' : ''}`} style={{ left: `${left}%`, width: `${width}%` }} />
              {/* The label sits right of the bar, or left of it when the bar ends near the edge. */}
              <span class={`bar-text ${left + width > 70 ? 'flip' : ''}`} style={left + width > 70 ? { right: `${100 - left}%` } : { left: `${left + width}%` }}>
                {s.end === undefined ? 'running' : duration(end - s.start)}{label ? ` · ${label}` : ''}
              </span>
            </div>
          </div>
        );
      })}
    </div>
  );
}

function value(v: unknown): string {
  return Array.isArray(v) ? v.join(', ') : String(v);
}

function SpanPanel({ span, t0, captured }: { span: SpanData; t0: number; captured: boolean }) {
  const attrs = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <aside class="span-panel" aria-label="span details" data-span-name={span.name}>
      <h2>{span.name} <span class={`badge ${span.status === 'error' ? 'error' : span.end === undefined ? 'running' : 'ok'}`}>{span.end === undefined ? 'running' : span.status}</span></h2>
      <p class="muted">
        {span.kind} · starts at +{duration(span.start - t0)} · {span.end === undefined ? 'still running' : `took ${duration(span.end - span.start)}`}
      </p>
      {span.error && <p class="span-error" role="alert"><code>{span.error.code}</code> {span.error.message}</p>}
      {(span.input !== undefined || span.output !== undefined) ? (
        <div class="io">
          {span.input !== undefined && <div><h3>Input</h3><pre>{span.input}</pre></div>}
          {span.output !== undefined && <div><h3>Output</h3><pre>{span.output}</pre></div>}
        </div>
      ) : (span.kind === 'step' || span.kind === 'tool' || span.kind === 'agent') && !captured ? (
        <p class="muted small">Input and output were not captured for this run.</p>
      ) : null}
      {attrs.length > 0 && (
        <table class="attrs">
          <tbody>{attrs.map(([k, v]) => <tr><th>{k}</th><td>{value(v)}</td></tr>)}</tbody>
        </table>
      )}
      {span.events.length > 0 && (
        <>
          <h3>Events</h3>
          <ul class="events">
            {span.events.map((e) => (
              <li><code>+{duration(e.time - t0)}</code> {e.name}
                {e.attributes && Object.keys(e.attributes).length > 0 && (
                  <span class="muted"> {Object.entries(e.attributes).map(([k, v]) => `${k}=${value(v)}`).join(' ')}</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
