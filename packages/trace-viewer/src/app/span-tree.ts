import type { SpanData } from './api.js';

export interface Row {
  span: SpanData;
  depth: number;
}

/** Spans in tree order (each parent before its children, siblings by start time). */
export function spanRows(spans: SpanData[]): Row[] {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map<string | undefined, SpanData[]>();
  for (const s of spans) {
    const key = s.parent && ids.has(s.parent) ? s.parent : undefined;
    const list = children.get(key) ?? [];
    list.push(s);
    children.set(key, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.start - b.start);
  const rows: Row[] = [];
  const walk = (s: SpanData, depth: number) => {
    rows.push({ span: s, depth });
    for (const c of children.get(s.id) ?? []) walk(c, depth + 1);
  };
  for (const top of children.get(undefined) ?? []) walk(top, 0);
  return rows;
}

/** The run's time window: first start to last end (a running span ends "now"). */
export function timeWindow(spans: SpanData[], now: number): { t0: number; total: number } {
  if (spans.length === 0) return { t0: now, total: 1 };
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.end ?? now));
  return { t0, total: Math.max(t1 - t0, 0.001) };
}
