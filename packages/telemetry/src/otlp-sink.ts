/**
 * The OpenTelemetry side, loaded only when an OTLP endpoint is configured: recorded spans
 * become SDK spans (same trace and span ids as the history) and go out through the standard
 * OTLP/HTTP exporter in batches.
 */
import { ROOT_CONTEXT, SpanKind as OtelSpanKind, SpanStatusCode, TraceFlags, trace, type Attributes as OtelAttributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type IdGenerator, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { redactUrl } from '@llmspell/core';
import type { OtlpSettings } from './settings.js';
import type { LiveSpan, SpanListener } from './span-recorder.js';

export interface OtlpSink extends SpanListener {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Hands the SDK the ids the recorder already chose, so the history and the backend agree. */
class GivenIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

/** Where captured input and output go in the exported span (agents carry GenAI messages instead). */
function contentKeys(kind: string): [string, string] | undefined {
  if (kind === 'agent') return undefined;
  return kind === 'tool' ? ['gen_ai.tool.call.arguments', 'gen_ai.tool.call.result'] : ['llmspell.input', 'llmspell.output'];
}

/** How long one export may take; also bounds how long a run's end waits for the collector. */
export const EXPORT_TIMEOUT_MS = 3000;

/**
 * The OTLP exporter, reporting the first failed export (an unreachable or refusing
 * collector) once through `warn`: the SDK itself stays silent about it.
 */
function reportingExporter(inner: SpanExporter, url: string, warn: (message: string) => void): SpanExporter {
  let warned = false;
  // An endpoint may carry credentials (`http://user:pass@collector`, `?api_key=`): the warning
  // names the collector without them, whatever the caller's own masking does.
  const shown = redactUrl(url);
  return {
    export(spans: ReadableSpan[], done) {
      inner.export(spans, (result) => {
        if (result.code !== 0 && !warned) {
          warned = true;
          warn(`could not export spans to ${shown}: ${result.error?.message ?? 'the collector refused them'}`);
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

export function createOtlpSink(settings: OtlpSettings, version: string, warn: (message: string) => void): OtlpSink {
  const ids = new GivenIds();
  const otlp = new OTLPTraceExporter({ url: settings.url, headers: settings.headers, timeoutMillis: EXPORT_TIMEOUT_MS });
  const exporter = reportingExporter(otlp, settings.url, warn);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': version, 'telemetry.sdk.language': 'nodejs' }),
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000, maxQueueSize: 8192, exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
  });
  const tracer = provider.getTracer('@llmspell/telemetry', version);
  return {
    onEnd(span: LiveSpan) {
      const d = span.data;
      ids.traceId = span.run.traceId;
      ids.spanId = d.id;
      const parent = d.parent
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: span.run.traceId, spanId: d.parent, traceFlags: TraceFlags.SAMPLED, isRemote: false })
        : ROOT_CONTEXT;
      const attributes: OtelAttributes = { ...d.attributes, ...span.contentAttributes };
      const keys = contentKeys(d.kind);
      if (keys && d.input !== undefined) attributes[keys[0]] = d.input;
      if (keys && d.output !== undefined) attributes[keys[1]] = d.output;
      const s = tracer.startSpan(d.name, { kind: OtelSpanKind.INTERNAL, startTime: d.start, attributes }, parent);
      for (const e of d.events) s.addEvent(e.name, e.attributes ?? {}, e.time);
      if (d.status === 'error') s.setStatus({ code: SpanStatusCode.ERROR, message: d.error ? `${d.error.code}: ${d.error.message}` : undefined });
      else if (d.status === 'ok') s.setStatus({ code: SpanStatusCode.OK });
      s.end(d.end);
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
