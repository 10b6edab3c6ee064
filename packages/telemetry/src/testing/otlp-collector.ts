/**
 * A local OTLP/HTTP trace collector for tests (`@llmspell/telemetry/testing`): a real HTTP
 * server on 127.0.0.1 that accepts `POST /v1/traces` in OTLP's JSON encoding (what
 * `@opentelemetry/exporter-trace-otlp-http` sends) and keeps the decoded spans.
 *
 * ```ts
 * const collector = await startOtlpCollector();
 * // OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, run a script, then:
 * const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'execute_tool calculator'));
 * await collector.close();
 * ```
 */
import { json, startServer, type TestServer } from '@llmspell/core/testing';

export type OtlpValue = string | number | boolean | null | OtlpValue[] | { [k: string]: OtlpValue };

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  /** Epoch ms. */
  start: number;
  end: number;
  attributes: Record<string, OtlpValue>;
  events: Array<{ name: string; time: number; attributes: Record<string, OtlpValue> }>;
  status: { code: number; message?: string };
  resource: Record<string, OtlpValue>;
  scope: string;
}

export interface OtlpCollector {
  /** Base endpoint for OTEL_EXPORTER_OTLP_ENDPOINT (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly spans: CollectedSpan[];
  /** Raw requests, e.g. to check headers. */
  readonly requests: TestServer['requests'];
  /** Resolves once `predicate(spans)` holds; rejects after `timeoutMs`. */
  waitForSpans(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

function decodeValue(v: AnyValue | undefined): OtlpValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(decodeValue);
  if (v.kvlistValue) return decodeAttributes(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

function decodeAttributes(list: KeyValue[] | undefined): Record<string, OtlpValue> {
  const out: Record<string, OtlpValue> = {};
  for (const kv of list ?? []) out[kv.key] = decodeValue(kv.value);
  return out;
}

const nanosToMs = (n: unknown) => Number(BigInt(String(n ?? 0)) / 1000n) / 1000;

/** Decodes an OTLP JSON ExportTraceServiceRequest into flat spans. */
export function decodeOtlpTraces(body: unknown): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  const request = body as { resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ scope?: { name?: string }; spans?: Array<Record<string, unknown>> }> }> };
  for (const rs of request.resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const span: CollectedSpan = {
          traceId: String(s.traceId),
          spanId: String(s.spanId),
          name: String(s.name),
          kind: Number(s.kind ?? 0),
          start: nanosToMs(s.startTimeUnixNano),
          end: nanosToMs(s.endTimeUnixNano),
          attributes: decodeAttributes(s.attributes as KeyValue[] | undefined),
          events: ((s.events as Array<{ name: string; timeUnixNano: unknown; attributes?: KeyValue[] }> | undefined) ?? []).map((e) => ({
            name: e.name, time: nanosToMs(e.timeUnixNano), attributes: decodeAttributes(e.attributes),
          })),
          status: (s.status as { code: number; message?: string } | undefined) ?? { code: 0 },
          resource,
          scope: ss.scope?.name ?? '',
        };
        if (s.parentSpanId) span.parentSpanId = String(s.parentSpanId);
        out.push(span);
      }
    }
  }
  return out;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const waiters = new Set<() => void>();
  const server = await startServer((req, res, body) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') return json(res, 404, { error: 'not found' });
    if (!String(req.headers['content-type'] ?? '').includes('json')) return json(res, 415, { error: 'this test collector reads OTLP JSON only' });
    try {
      spans.push(...decodeOtlpTraces(JSON.parse(body)));
    } catch (error) {
      return json(res, 400, { error: String(error) });
    }
    for (const w of waiters) w();
    return json(res, 200, {});
  });
  return {
    url: server.url,
    spans,
    requests: server.requests,
    waitForSpans(predicate, timeoutMs = 15_000) {
      if (predicate(spans)) return Promise.resolve(spans);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the collector did not get the expected spans in ${timeoutMs} ms; it has: ${spans.map((s) => s.name).join(', ') || 'none'}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () => server.close(),
  };
}
