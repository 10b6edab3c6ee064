/** What `/api/runs` and `/api/runs/:id` answer: the run history's records, typed where they are written. */
import type { RunRecord, RunSummary, SpanData } from '@llmspell/telemetry';

export type { RunRecord, RunSummary, SpanData };

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function get<T>(url: string, signal?: AbortSignal): Promise<T> {
  // The server lets in only requests carrying its HttpOnly token cookie: spelled out so the cookie is never left behind.
  const res = await fetch(url, { signal, credentials: 'same-origin', headers: { accept: 'application/json' } });
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
