import { HookPoints, isErrorHookPoint, type HookContext } from '@llmspell/core';
import { EXECUTION_POINTS, cfgNumber, cfgPoints, type BuiltinFactory, hookAtPoints } from './builtin-hook.js';

/** Histogram bucket upper bounds in ms (CODE MetricsHook), then +Inf. */
export const DURATION_BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

interface ComponentMetrics {
  calls: number;
  successes: number;
  failures: number;
  total_ms: number;
  min_ms: number;
  max_ms: number;
  samples: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/**
 * Counts executions per point and per component, success rate, and a duration histogram
 * with p50/p95/p99 (CODE MetricsHook; DOC MetricsCollector/PerformanceMonitor). Priority low.
 */
export const createMetricsHook: BuiltinFactory = (cfg) => {
  const name = 'metrics';
  const maxSamples = cfgNumber(cfg, name, ['max_samples'], 1000, 1);
  const points = cfgPoints(cfg, name, EXECUTION_POINTS, [...HookPoints]);
  const byPoint: Record<string, number> = {};
  const byComponent = new Map<string, ComponentMetrics>();
  const buckets = new Array<number>(DURATION_BUCKETS_MS.length + 1).fill(0);
  const metricsOf = (id: string): ComponentMetrics => {
    let m = byComponent.get(id);
    if (!m) byComponent.set(id, (m = { calls: 0, successes: 0, failures: 0, total_ms: 0, min_ms: Infinity, max_ms: 0, samples: [] }));
    return m;
  };
  const handler = (ctx: HookContext) => {
    byPoint[ctx.point] = (byPoint[ctx.point] ?? 0) + 1;
    const isAfter = ctx.point.startsWith('After');
    const isError = isErrorHookPoint(ctx.point);
    if (!isAfter && !isError) return undefined;
    const m = metricsOf(ctx.component_id.id);
    m.calls += 1;
    if (isError) {
      m.failures += 1;
      return undefined;
    }
    m.successes += 1;
    const ms = ctx.data.duration_ms;
    if (typeof ms === 'number') {
      m.total_ms += ms;
      m.min_ms = Math.min(m.min_ms, ms);
      m.max_ms = Math.max(m.max_ms, ms);
      if (m.samples.length >= maxSamples) m.samples.shift();
      m.samples.push(ms);
      let b = DURATION_BUCKETS_MS.findIndex((x) => ms <= x);
      if (b < 0) b = DURATION_BUCKETS_MS.length;
      buckets[b] += 1;
    }
    return undefined;
  };
  return hookAtPoints({
    name,
    description: 'Execution counts, success rates and duration histograms per point and component.',
    priority: 'low',
    points,
    handler,
    stats: () => {
      const components: Record<string, unknown> = {};
      for (const [id, m] of byComponent) {
        const sorted = [...m.samples].sort((a, b) => a - b);
        components[id] = {
          calls: m.calls,
          successes: m.successes,
          failures: m.failures,
          success_rate: m.calls ? m.successes / m.calls : 1,
          avg_ms: m.successes && m.samples.length ? m.total_ms / m.samples.length : 0,
          min_ms: m.min_ms === Infinity ? 0 : m.min_ms,
          max_ms: m.max_ms,
          p50_ms: percentile(sorted, 50),
          p95_ms: percentile(sorted, 95),
          p99_ms: percentile(sorted, 99),
        };
      }
      const histogram: Record<string, number> = {};
      DURATION_BUCKETS_MS.forEach((b, i) => { histogram[`le_${b}ms`] = buckets[i]; });
      histogram.le_inf = buckets[DURATION_BUCKETS_MS.length];
      return { by_point: { ...byPoint }, components, duration_histogram: histogram };
    },
    reset: () => {
      for (const k of Object.keys(byPoint)) delete byPoint[k];
      byComponent.clear();
      buckets.fill(0);
    },
  });
};
