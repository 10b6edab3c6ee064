/** What `/api/runs` and `/api/runs/:id` answer (the run history's JSON). */
export type RunStatus = 'running' | 'ok' | 'error' | 'interrupted';
export type AttributeValue = string | number | boolean | string[] | number[];

export interface RunSummary {
  id: string;
  trace_id: string;
  script: string;
  file?: string;
  engine?: string;
  status: RunStatus;
  error_code?: string;
  error?: string;
  started_at: string;
  duration_ms: number;
  steps: number;
  tool_calls: number;
  agent_calls: number;
  errors: number;
  tokens: { input: number; output: number; total: number };
  cost_usd: number | null;
  spans: number;
  dropped_spans: number;
  exported: boolean;
  content_captured: boolean;
  updated_at: string;
}

export interface SpanData {
  id: string;
  parent?: string;
  name: string;
  kind: 'run' | 'workflow' | 'step' | 'agent' | 'tool' | 'state' | 'hook';
  start: number;
  end?: number;
  status: 'ok' | 'error' | 'unset';
  error?: { code: string; message: string };
  attributes: Record<string, AttributeValue>;
  events: Array<{ name: string; time: number; attributes?: Record<string, AttributeValue> }>;
  input?: string;
  output?: string;
}

export interface RunRecord extends RunSummary {
  span_tree: SpanData[];
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function get<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, message);
  }
  return (await res.json()) as T;
}

export function fetchRuns(filter: { status?: string; script?: string }, signal?: AbortSignal): Promise<RunSummary[]> {
  const q = new URLSearchParams();
  if (filter.status) q.set('status', filter.status);
  if (filter.script) q.set('script', filter.script);
  q.set('limit', '200');
  return get<RunSummary[]>(`api/runs?${q}`, signal);
}

export function fetchRun(id: string, signal?: AbortSignal): Promise<RunRecord> {
  return get<RunRecord>(`api/runs/${encodeURIComponent(id)}`, signal);
}
