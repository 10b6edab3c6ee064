import { useState } from 'preact/hooks';
import { fetchRuns, type RunSummary } from './api.js';
import { cost, duration, when } from './format.js';
import { usePoll } from './use-poll.js';

const STATUSES = ['', 'running', 'ok', 'error', 'interrupted'] as const;

/** Runs newest first, filtered by status and script; refreshed every few seconds. */
export function RunList({ open }: { open(id: string): void }) {
  const [status, setStatus] = useState('');
  const [script, setScript] = useState('');
  const runs = usePoll(
    (signal) => fetchRuns({ status, script: script.trim() }, signal),
    `${status}|${script.trim()}`,
    (data) => (data?.some((r) => r.status === 'running') ? 1000 : 2000),
  );
  const list = runs.data ?? [];
  return (
    <section class="runs">
      <header class="toolbar">
        <h1>Runs</h1>
        <label>
          Status{' '}
          <select aria-label="status filter" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            {STATUSES.map((s) => <option value={s}>{s || 'any'}</option>)}
          </select>
        </label>
        <label>
          Script{' '}
          <input aria-label="script filter" type="search" placeholder="name or path" value={script} onInput={(e) => setScript((e.target as HTMLInputElement).value)} />
        </label>
        {runs.error && <span class="warn" role="alert">{runs.error}</span>}
      </header>
      {runs.loading && !runs.data ? <p class="muted">Loading…</p> : list.length === 0 ? (
        <p class="muted">No runs{status || script ? ' match these filters' : ' yet: run a script with llmspell run'}.</p>
      ) : (
        <table class="run-table">
          <thead>
            <tr>
              <th>Started</th><th>Script</th><th>Status</th><th class="num">Duration</th><th class="num">Steps</th>
              <th class="num">Tool calls</th><th class="num">Tokens</th><th class="num">Cost</th><th>Error</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => <Row run={r} open={open} />)}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Row({ run, open }: { run: RunSummary; open(id: string): void }) {
  return (
    <tr class="run-row" data-run-id={run.id} data-status={run.status} tabIndex={0} onClick={() => open(run.id)}
      onKeyDown={(e) => e.key === 'Enter' && open(run.id)}>
      <td title={run.started_at}>{when(run.started_at)}</td>
      <td class="script" title={run.file ?? run.script}><a href={`#/runs/${run.id}`}>{run.script}</a></td>
      <td><span class={`badge ${run.status}`}>{run.status}</span></td>
      <td class="num">{duration(run.duration_ms)}</td>
      <td class="num">{run.steps}</td>
      <td class="num">{run.tool_calls}</td>
      <td class="num">{run.tokens.total}</td>
      <td class="num">{cost(run.cost_usd)}</td>
      <td class="error-code">{run.error_code ?? ''}</td>
    </tr>
  );
}
