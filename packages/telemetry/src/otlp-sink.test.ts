import { startOtlpCollector } from './testing/index.js';
import { createOtlpSink } from './otlp-sink.js';
import type { LiveSpan, TraceRun } from './span-recorder.js';

function oneSpan(): LiveSpan {
  const span = {
    data: { id: '00f067aa0ba902b7', name: 'script', kind: 'script', start: Date.now(), end: Date.now() + 1, status: 'ok', attributes: {}, events: [] },
    ended: true,
  } as unknown as LiveSpan & { run: TraceRun };
  (span as { run: unknown }).run = { id: 'r1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', root: span, spans: [span], dropped: 0 };
  return span;
}

test('the export warning names the collector without the credentials its endpoint carries', async () => {
  const gone = await startOtlpCollector();
  const port = new URL(gone.url).port;
  await gone.close();
  const warnings: string[] = [];
  const sink = createOtlpSink(
    { url: `http://u:otlppass@127.0.0.1:${port}/v1/traces?api_key=otlpkey42`, headers: {}, serviceName: 'test' },
    '0.0.0',
    (message) => warnings.push(message),
  );
  try {
    sink.onEnd!(oneSpan());
    // the flush itself fails with the refused connection; only the warning matters here
    await sink.flush().catch(() => undefined);
  } finally {
    await sink.shutdown();
  }
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(`could not export spans to http://127.0.0.1:${port}/v1/traces`);
  expect(warnings[0]).not.toMatch(/otlppass|otlpkey42/);
});
