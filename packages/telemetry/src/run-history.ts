import os from 'node:os';
import { LlmspellError, type StateBatchOperation, type StateStore } from '@llmspell/core';
import type { SpanData, SpanError } from './span-recorder.js';

export type RunStatus = 'running' | 'ok' | 'error' | 'interrupted';

/** One line of `llmspell runs list`: what a run was and what it added up to. */
export interface RunSummary {
  id: string;
  trace_id: string;
  /** The script's name as given (`hello.lua`, `<exec>`, `<repl>`). */
  script: string;
  file?: string;
  engine?: string;
  status: RunStatus;
  error_code?: string;
  error?: string;
  /** ISO time. */
  started_at: string;
  duration_ms: number;
  steps: number;
  tool_calls: number;
  agent_calls: number;
  errors: number;
  tokens: { input: number; output: number; total: number };
  /** USD; null when no agent call had a known price. */
  cost_usd: number | null;
  spans: number;
  dropped_spans: number;
  /** Whether the spans were also sent to an OTLP endpoint. */
  exported: boolean;
  /** Whether prompts, responses and tool data were captured (capture_content). */
  content_captured: boolean;
  updated_at: string;
  host: string;
  pid: number;
}

export interface RunRecord extends RunSummary {
  span_tree: SpanData[];
}

export interface RunFilter {
  status?: RunStatus;
  /** Matches the script name or file (substring, case-insensitive). */
  script?: string;
  limit?: number;
}

/**
 * Run records live in the state store outside the `state:` namespace that scripts write to
 * (and that backups cover): `__llmspell:runs:s:<id>` holds the summary, `…:t:<id>` the
 * spans, so listing reads summaries only. Ids sort by start time.
 */
const PREFIX = '__llmspell:runs:';
const SUMMARY = `${PREFIX}s:`;
const TREE = `${PREFIX}t:`;

/** A running run of another machine not updated for this long was interrupted. */
const STALE_MS = 30_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function settle(summary: RunSummary, now: number): RunSummary {
  if (summary.status !== 'running') return summary;
  // On this machine the process tells; elsewhere (a shared store) only the last update can.
  const gone = summary.host === os.hostname() ? !isAlive(summary.pid) : now - Date.parse(summary.updated_at) > STALE_MS;
  return gone ? { ...summary, status: 'interrupted' } : summary;
}

/**
 * Failures that are not just the consequence of another: failed spans with no failed child
 * (a failed tool inside a failed step inside a failed workflow is one error).
 */
export function rootCauses(spans: SpanData[]): number {
  const failedParents = new Set(spans.filter((s) => s.status === 'error' && s.parent).map((s) => s.parent));
  return spans.filter((s) => s.status === 'error' && s.kind !== 'run' && !failedParents.has(s.id)).length;
}

export class RunHistory {
  constructor(private readonly store: StateStore, private readonly keep = 100) {}

  /**
   * Writes a run's summary and spans in one batch. A finished run also drops the oldest
   * runs beyond the retention in the same batch.
   */
  async save(summary: RunSummary, spans: SpanData[]): Promise<void> {
    const ops: StateBatchOperation[] = [
      { type: 'put', key: SUMMARY + summary.id, value: JSON.stringify(summary) },
      { type: 'put', key: TREE + summary.id, value: JSON.stringify(spans) },
    ];
    if (summary.status !== 'running') {
      const ids = (await this.store.keys(SUMMARY)).map((k) => k.slice(SUMMARY.length)).filter((id) => id !== summary.id);
      const excess = ids.length + 1 - this.keep;
      for (const id of ids.slice(0, Math.max(0, excess))) ops.push({ type: 'delete', key: SUMMARY + id }, { type: 'delete', key: TREE + id });
    }
    await this.store.batch(ops);
  }

  /**
   * Ends the record of a run whose process was stopped from outside before it could (killed
   * at its time limit, Ctrl-C, out of memory): the record written when it started, or its
   * last live update, still says running. Spans still open end now, marked unfinished, as a
   * run's own end leaves them; the run fails with `error`. Resolves false when the run is
   * not in the history or had ended already.
   */
  async endStopped(id: string, error: SpanError, at = Date.now()): Promise<boolean> {
    const [s, t] = await Promise.all([this.store.get(SUMMARY + id), this.store.get(TREE + id)]);
    if (!s) return false;
    const summary = JSON.parse(s) as RunSummary;
    if (summary.status !== 'running') return false;
    const spans = t ? (JSON.parse(t) as SpanData[]) : [];
    for (const span of spans) {
      if (span.end !== undefined) continue;
      span.end = Math.max(at, span.start);
      if (span.kind === 'run') {
        span.status = 'error';
        span.error = error;
        span.attributes['error.type'] = error.code;
      } else {
        span.attributes['llmspell.incomplete'] = true;
        if (span.status === 'unset') span.status = 'ok';
      }
    }
    const started = Date.parse(summary.started_at);
    Object.assign(summary, {
      status: 'error',
      error_code: error.code,
      error: error.message,
      duration_ms: Math.max(0, at - started),
      errors: rootCauses(spans),
      updated_at: new Date(at).toISOString(),
    } satisfies Partial<RunSummary>);
    await this.save(summary, spans);
    return true;
  }

  /** Newest first. */
  async list(filter: RunFilter = {}): Promise<RunSummary[]> {
    const now = Date.now();
    const all = (await this.store.entries(SUMMARY)).map(([, v]) => settle(JSON.parse(v) as RunSummary, now)).reverse();
    const script = filter.script?.toLowerCase();
    const out = all.filter((r) => (!filter.status || r.status === filter.status) && (!script || r.script.toLowerCase().includes(script) || (r.file ?? '').toLowerCase().includes(script)));
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  /** A run by id, unique id prefix, or `latest`. */
  async get(idOrPrefix: string): Promise<RunRecord | undefined> {
    const id = await this.resolve(idOrPrefix);
    if (!id) return undefined;
    const [s, t] = await Promise.all([this.store.get(SUMMARY + id), this.store.get(TREE + id)]);
    if (!s) return undefined;
    return { ...settle(JSON.parse(s) as RunSummary, Date.now()), span_tree: t ? (JSON.parse(t) as SpanData[]) : [] };
  }

  async resolve(idOrPrefix: string): Promise<string | undefined> {
    if (!/^[a-z0-9]{1,40}$/.test(idOrPrefix)) {
      throw new LlmspellError('INVALID_ARGUMENT', `run id '${idOrPrefix}' is not a run id (llmspell runs list shows them)`);
    }
    const ids = (await this.store.keys(SUMMARY)).map((k) => k.slice(SUMMARY.length));
    if (idOrPrefix === 'latest' || idOrPrefix === 'last') return ids[ids.length - 1];
    if (ids.includes(idOrPrefix)) return idOrPrefix;
    const matches = ids.filter((id) => id.startsWith(idOrPrefix));
    if (matches.length > 1) {
      throw new LlmspellError('INVALID_ARGUMENT', `run id prefix '${idOrPrefix}' matches ${matches.length} runs; give more characters`);
    }
    return matches[0];
  }

  /** Deletes every recorded run; resolves with how many there were. */
  async clear(): Promise<number> {
    const ids = (await this.store.keys(SUMMARY)).map((k) => k.slice(SUMMARY.length));
    const ops: StateBatchOperation[] = ids.flatMap((id) => [{ type: 'delete' as const, key: SUMMARY + id }, { type: 'delete' as const, key: TREE + id }]);
    if (ops.length) await this.store.batch(ops);
    return ids.length;
  }
}
