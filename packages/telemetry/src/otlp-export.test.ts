/**
 * OTLP export from a real runtime to a local collector (a loopback HTTP server decoding
 * OTLP JSON), with agents against the local OpenAI-compatible server.
 */
import { createLogger } from '@llmspell/core';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { LlmspellRuntime, builtinFeatures } from '@llmspell/runtime';
import { MemoryStateStore } from '@llmspell/state-memory';
import { utilTools } from '@llmspell/tools-util';
import { TELEMETRY_SERVICE, telemetryFeature } from './telemetry-feature.js';
import type { RunRecord } from './run-history.js';
import type { Telemetry } from './telemetry.js';
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from './testing/index.js';

const lua = createLuaEngine();
const SECRET = 'sk-test-secret-key-0123456789';

let server: MockLlmServer;
let collector: OtlpCollector;
beforeAll(async () => {
  server = await startMockLlmServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  collector = await startOtlpCollector();
});
afterEach(() => collector.close());

/** Runs a script in a fresh runtime; resolves with its telemetry and the run's history record. */
async function runScript(source: string, observability: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<{ telemetry: Telemetry; rec: RunRecord | undefined }> {
  const rt = await LlmspellRuntime.create({
    tools: utilTools,
    stateStore: new MemoryStateStore(),
    config: {
      observability,
      providers: { providers: { mock: { provider_type: 'openai', base_url: server.openaiBaseUrl, model: 'mock-model', api_key: SECRET } } },
      runtime: { security: { allow_private_network: true } },
    },
    features: [...builtinFeatures, telemetryFeature({ env, version: '1.2.3' })],
  });
  const telemetry = rt.service<Telemetry>(TELEMETRY_SERVICE)!;
  try {
    // A failing script is recorded too; its error is not what these tests look at.
    await rt.runScript(lua, source, { filename: 'flow.lua', output: { stdout() {}, stderr() {} } }).catch(() => undefined);
    await telemetry.flush();
    return { telemetry, rec: await telemetry.history!.get('latest') };
  } finally {
    await rt.close();
  }
}

const WORKFLOW = `
  local writer = Agent.create({ name = "writer", model = "mock/mock-model", system_prompt = "Answer briefly." })
  local wf = Workflow.sequential({ name = "report", steps = {
    { name = "total", tool = "calculator", input = { input = "6*7" } },
    { name = "tell", agent = writer, input = "Say the number {{step:total:output}} in words, key ${SECRET}" },
  }})
  local r = wf:execute({})
  Event.publish("report.done", { answer = r.data.final_output })
  return r.success`;

function byName(spans: CollectedSpan[], name: string): CollectedSpan {
  const s = spans.find((x) => x.name === name);
  if (!s) throw new Error(`no span '${name}' among ${spans.map((x) => x.name).join(', ')}`);
  return s;
}

test('a workflow with tool and agent steps reaches the collector: one trace, tool and model named, GenAI attributes', async () => {
  server.reply({ text: 'forty-two', usage: { input: 12, output: 3 } });
  const { rec } = await runScript(WORKFLOW, {}, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'nightly-report' });
  const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'run flow.lua'));
  const run = byName(spans, 'run flow.lua');
  const wf = byName(spans, 'workflow report');
  const stepTotal = byName(spans, 'step total');
  const tool = byName(spans, 'execute_tool calculator');
  const stepTell = byName(spans, 'step tell');
  const agent = byName(spans, 'invoke_agent writer');
  // One trace, and the parent links of the tree.
  expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  expect(run.parentSpanId).toBeUndefined();
  expect([wf.parentSpanId, stepTotal.parentSpanId, tool.parentSpanId, stepTell.parentSpanId, agent.parentSpanId])
    .toEqual([run.spanId, wf.spanId, stepTotal.spanId, wf.spanId, stepTell.spanId]);
  expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'calculator', 'llmspell.tool.outcome': 'success' });
  expect(agent.attributes).toMatchObject({
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.request.model': 'mock-model',
    'gen_ai.response.model': 'mock-model',
    'gen_ai.provider.name': 'mock',
    'gen_ai.system': 'mock',
    'gen_ai.usage.input_tokens': 12,
    'gen_ai.usage.output_tokens': 3,
    'gen_ai.response.finish_reasons': ['stop'],
  });
  expect(run.resource).toMatchObject({ 'service.name': 'nightly-report', 'service.version': '1.2.3' });
  expect(run.status.code).toBe(1);
  // The script's event is a span event; its data is content and stays out.
  const ev = run.events.find((e) => e.name === 'report.done');
  expect(ev?.attributes['llmspell.event.type']).toBe('report.done');
  expect(ev?.attributes['llmspell.event.data']).toBeUndefined();
  // The history has the same trace and span ids as the backend.
  expect(rec).toMatchObject({ trace_id: run.traceId, exported: true, status: 'ok', tool_calls: 1, agent_calls: 1, steps: 2 });
  expect(rec!.span_tree.map((s) => s.id).sort()).toEqual(spans.map((s) => s.spanId).sort());
  // No prompt, answer or secret in anything exported.
  const all = JSON.stringify(collector.requests.map((r) => r.body));
  expect(all).not.toContain('Say the number');
  expect(all).not.toContain('forty-two');
  expect(all).not.toContain(SECRET);
});

test('capture_content = true puts prompts, answers and tool data in spans, with secrets still masked', async () => {
  server.reply({ text: 'forty-two', usage: { input: 12, output: 3 } });
  const { rec } = await runScript(WORKFLOW, { capture_content: true }, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'run flow.lua'));
  const agent = byName(spans, 'invoke_agent writer');
  expect(String(agent.attributes['gen_ai.input.messages'])).toContain('Say the number 42 in words');
  expect(JSON.parse(String(agent.attributes['gen_ai.output.messages']))).toEqual([
    { role: 'assistant', parts: [{ type: 'text', content: 'forty-two' }], finish_reason: 'stop' },
  ]);
  const tool = byName(spans, 'execute_tool calculator');
  expect(JSON.parse(String(tool.attributes['gen_ai.tool.call.arguments']))).toMatchObject({ input: '6*7' });
  expect(String(tool.attributes['gen_ai.tool.call.result'])).toContain('42');
  expect(byName(spans, 'run flow.lua').events.find((e) => e.name === 'report.done')?.attributes['llmspell.event.data']).toContain('forty-two');
  const all = JSON.stringify(collector.requests.map((r) => r.body));
  expect(all).not.toContain(SECRET);
  expect(rec!.content_captured).toBe(true);
  const step = rec!.span_tree.find((s) => s.name === 'step tell')!;
  expect(step.input).toContain('Say the number 42');
  expect(step.output).toContain('forty-two');
  expect(JSON.stringify(rec)).not.toContain(SECRET);
});

test('the endpoint from [observability] otlp_endpoint, service_name and headers from config and OTEL_EXPORTER_OTLP_HEADERS', async () => {
  await runScript('return Tool.invoke("calculator", { input = "1+1" }).result.result', {
    otlp_endpoint: collector.url,
    otlp_headers: { 'x-team': 'reports' },
    service_name: 'invoice-bot',
  }, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token-123' });
  const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'execute_tool calculator'));
  expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['run flow.lua', 'execute_tool calculator']));
  expect(new Set(spans.map((s) => s.resource['service.name']))).toEqual(new Set(['invoice-bot']));
  const headers = collector.requests[0].headers;
  expect(headers['x-team']).toBe('reports');
  expect(headers.authorization).toBe('Bearer collector-token-123');
});

test('OTEL_SDK_DISABLED / OTEL_TRACES_EXPORTER=none turn export off; the history still records', async () => {
  for (const env of [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }]) {
    const { telemetry, rec } = await runScript('return 1', {}, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...env });
    expect(telemetry.settings.otlp).toBeUndefined();
    expect(rec).toMatchObject({ exported: false, status: 'ok' });
  }
  expect(collector.requests).toHaveLength(0);
});

test('[observability] max_spans bounds the spans a run keeps; the rest are counted, in the totals and as dropped', async () => {
  const loop = 'for i = 1, 12 do Tool.invoke("calculator", { input = "1+" .. i }) end return 1';
  const { rec } = await runScript(loop, { max_spans: 5 }, {});
  expect(rec).toMatchObject({ status: 'ok', tool_calls: 12, spans: 5, dropped_spans: 8 });
  expect(rec!.span_tree).toHaveLength(5);
  expect(rec!.span_tree[0].name).toBe('run flow.lua');
  const { rec: all } = await runScript(loop, {}, {});
  expect(all).toMatchObject({ tool_calls: 12, spans: 13, dropped_spans: 0 });
});

test('spans over max_spans still reach the exporter, each with its own valid id and its parent, secrets masked', async () => {
  // The history keeps 5; the collector sees all 13. Without an exporter a dropped span draws no id (nothing sees it).
  const loop = `for i = 1, 12 do Tool.invoke("calculator", { input = "1+" .. i }) end Tool.invoke("calculator", { input = "${SECRET}" }) return 1`;
  const { rec } = await runScript(loop, { max_spans: 5 }, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  expect(rec).toMatchObject({ spans: 5, dropped_spans: 9 });
  const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'run flow.lua'));
  const tools = spans.filter((s) => s.name === 'execute_tool calculator');
  expect(tools).toHaveLength(13);
  const run = byName(spans, 'run flow.lua');
  for (const t of tools) {
    expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(t.spanId).not.toBe('0000000000000000');
    expect(t.parentSpanId).toBe(run.spanId);
  }
  expect(new Set(tools.map((t) => t.spanId)).size).toBe(13);
  // the last call failed on its secret input: its error message leaves masked
  expect(JSON.stringify(spans)).not.toContain(SECRET);
});

test('hook spans past max_spans are counted as dropped, and still each reach an exporter', async () => {
  // per call: the tool's span, its hook point's span and one span per hook that ran (2): 4
  const loop = `Hook.register("BeforeToolExecution", function(ctx) end, { name = "first" })
    Hook.register("BeforeToolExecution", function(ctx) end, { name = "second" })
    for i = 1, 5 do Tool.invoke("calculator", { input = "1+" .. i }) end return 1`;
  const { rec } = await runScript(loop, { max_spans: 6 }, {});
  expect(rec).toMatchObject({ status: 'ok', tool_calls: 5, spans: 6, dropped_spans: 15 });
  expect(rec!.span_tree.filter((s) => s.name === 'hook first' || s.name === 'hook second')).toHaveLength(2);
  const { rec: all } = await runScript(loop, {}, {});
  expect(all).toMatchObject({ tool_calls: 5, spans: 21, dropped_spans: 0 });
  const { rec: exported } = await runScript(loop, { max_spans: 6 }, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  expect(exported).toMatchObject({ spans: 6, dropped_spans: 15 });
  const spans = await collector.waitForSpans((s) => s.some((x) => x.name === 'run flow.lua'));
  expect(spans.filter((s) => s.name === 'hook first')).toHaveLength(5);
  expect(spans.filter((s) => s.name === 'hook second')).toHaveLength(5);
});

test('a bad endpoint is a clear configuration error naming the setting', async () => {
  await expect(runScript('return 1', {}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://example' })).rejects.toThrow(/CONFIG_INVALID.*OTEL_EXPORTER_OTLP_ENDPOINT.*http/);
  await expect(runScript('return 1', { otlp_endpoint: 'not a url' }, {})).rejects.toThrow(/observability\.otlp_endpoint/);
  await expect(runScript('return 1', { history_runs: -1 }, {})).rejects.toThrow(/observability\.history_runs/);
});

test('an unreachable collector is reported once, as a warning, and the run still succeeds and is recorded', async () => {
  const gone = await startOtlpCollector();
  const url = gone.url;
  await gone.close();
  const lines: string[] = [];
  const rt = await LlmspellRuntime.create({
    tools: utilTools,
    stateStore: new MemoryStateStore(),
    logger: createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
    features: [...builtinFeatures, telemetryFeature({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: url } })],
  });
  const telemetry = rt.service<Telemetry>(TELEMETRY_SERVICE)!;
  try {
    for (let i = 0; i < 2; i++) {
      expect(await rt.runScript(lua, 'return Tool.invoke("calculator", { input = "2+2" }).result.result', { filename: 'x.lua', output: { stdout() {}, stderr() {} } })).toBe(4);
    }
    await telemetry.flush();
    expect((await telemetry.history!.list()).map((r) => r.status)).toEqual(['ok', 'ok']);
  } finally {
    await rt.close();
  }
  const warnings = lines.filter((l) => l.includes('could not export spans'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(`${url}/v1/traces`);
});

test('a secret in a name, an event type, a scope or an error message is masked in every span', async () => {
  const { rec } = await runScript(`
    Event.publish("note.${SECRET}", {})
    State.save("custom:${SECRET}", "k", 1)
    Hook.register("BeforeToolExecution", function(ctx) end, { name = "audit-${SECRET}" })
    Tool.invoke("calculator", { input = "1+1" })
    Tool.invoke("calculator", { input = "2+2" })
    local wf = Workflow.sequential({ name = "wf-${SECRET}", steps = {
      { name = "step-${SECRET}", type = "custom", execute = function() return 1 end },
    }})
    wf:execute({})
    error("gave up on ${SECRET}")`, {}, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  await collector.waitForSpans((s) => s.some((x) => x.name === 'run flow.lua'));
  const exported = JSON.stringify(collector.requests.map((r) => r.body));
  const kept = JSON.stringify(rec);
  for (const text of [exported, kept]) {
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[REDACTED]');
  }
  expect(rec).toMatchObject({ status: 'error', error_code: 'SCRIPT_ERROR' });
  expect(rec!.span_tree.map((s) => s.name)).toEqual(expect.arrayContaining(['workflow wf-[REDACTED]', 'step step-[REDACTED]', 'state.set custom:[REDACTED]']));
  // the hook's span, once per call, under its masked name
  expect(rec!.span_tree.filter((s) => s.name === 'hook audit-[REDACTED]')).toHaveLength(2);
});
