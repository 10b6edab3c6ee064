/**
 * What a workflow's steps show, with telemetry on: the workflow.step.* events a Lua script
 * subscribed to them receives, the stage hooks' contexts, and the spans the run history keeps.
 * Telemetry skips the stage points it does not read (AfterWorkflowStage without
 * capture_content); these tests pin that nothing a subscriber, a hook or `llmspell runs show`
 * sees changes with it.
 */
import { LlmspellRuntime, builtinFeatures } from '@llmspell/runtime';
import { MemoryStateStore } from '@llmspell/state-memory';
import { utilTools } from '@llmspell/tools-util';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { TELEMETRY_SERVICE, telemetryFeature } from './telemetry-feature.js';
import type { Telemetry } from './telemetry.js';
import type { RunRecord } from './run-history.js';
import type { SpanData } from './span-recorder.js';

const lua = createLuaEngine();
const SECRET = 'sk-test-secret-key-0123456789';

async function runLua(source: string, observability: Record<string, unknown> = {}): Promise<{ value: unknown; out: string[]; record: RunRecord }> {
  const rt = await LlmspellRuntime.create({
    tools: utilTools,
    stateStore: new MemoryStateStore(),
    config: { observability, providers: { providers: { mock: { provider_type: 'openai', base_url: 'http://127.0.0.1:9/v1', model: 'm', api_key: SECRET } } } },
    features: [...builtinFeatures, telemetryFeature({ env: {}, version: '9.9.9' })],
  });
  const out: string[] = [];
  try {
    const value = await rt.runScript(lua, source, { filename: 'steps.lua', output: { stdout: (t) => out.push(t), stderr: (t) => out.push(t) } });
    const telemetry = rt.service<Telemetry>(TELEMETRY_SERVICE)!;
    await telemetry.flush();
    const record = await telemetry.history!.get('latest');
    if (!record) throw new Error('no run recorded');
    return { value, out, record };
  } finally {
    await rt.close();
  }
}

/** Three steps: a tool step whose input holds the provider's key, a custom step, and one that fails and is continued past. */
const WORKFLOW = `
  local wf = Workflow.sequential({ name = "pipe", steps = {
    { name = "upper", tool = "text_manipulator", input = { operation = "lowercase", input = "key ${SECRET}" } },
    { name = "fn", type = "custom", execute = function(ctx) return 41 + 1 end },
    { name = "bad", type = "custom", error_strategy = "continue", execute = function(ctx) error("boom") end },
  }})
  local r = wf:execute({})`;

/** A span as the history keeps it, without its times and ids. */
function shape(s: SpanData, byId: Map<string, SpanData>) {
  return { name: s.name, kind: s.kind, parent: s.parent ? byId.get(s.parent)?.name : undefined, status: s.status, error: s.error, attributes: s.attributes, events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })), input: s.input, output: s.output };
}

function stepSpans(record: RunRecord) {
  const byId = new Map(record.span_tree.map((s) => [s.id, s]));
  return record.span_tree.filter((s) => s.kind === 'step' || s.kind === 'hook').map((s) => shape(s, byId));
}

describe('workflow steps under telemetry', () => {
  test('a Lua subscriber to workflow.step.* receives each step\'s events, the step input masked', async () => {
    const { value } = await runLua(`
      local sub = Event.subscribe("workflow.step.*")
      ${WORKFLOW}
      local seen = {}
      for _, e in ipairs(Event.receive_batch(sub, 100)) do
        local d = e.data
        seen[#seen + 1] = { type = e.event_type, component = d.component, kind = d.kind, attempt = d.attempt, input = d.input,
          code = d.code, error = d.error, timed = type(d.duration_ms) == "number", source = e.metadata.source }
      end
      return JSON.stringify({ success = r.success, events = seen })`);
    const { success, events } = JSON.parse(value as string) as { success: boolean; events: Array<Record<string, unknown>> };
    expect(success).toBe(true);
    expect(events).toEqual([
      { type: 'workflow.step.started', component: 'pipe.upper', kind: 'workflow', attempt: 1, input: { operation: 'lowercase', input: 'key [REDACTED]' }, timed: false, source: 'workflow:pipe.upper' },
      { type: 'workflow.step.completed', component: 'pipe.upper', kind: 'workflow', attempt: 1, timed: true, source: 'workflow:pipe.upper' },
      { type: 'workflow.step.started', component: 'pipe.fn', kind: 'workflow', attempt: 1, timed: false, source: 'workflow:pipe.fn' },
      { type: 'workflow.step.completed', component: 'pipe.fn', kind: 'workflow', attempt: 1, timed: true, source: 'workflow:pipe.fn' },
      { type: 'workflow.step.started', component: 'pipe.bad', kind: 'workflow', attempt: 1, timed: false, source: 'workflow:pipe.bad' },
      { type: 'workflow.step.failed', component: 'pipe.bad', kind: 'workflow', attempt: 1, code: 'SCRIPT_ERROR', error: expect.stringContaining('boom'), timed: false, source: 'workflow:pipe.bad' },
    ]);
  });

  test('the history keeps one span per step with its attributes, a failed step\'s exception, and no content', async () => {
    const { record } = await runLua(`${WORKFLOW}\nreturn r.success`);
    expect(record).toMatchObject({ status: 'ok', steps: 3, tool_calls: 1 });
    const spans = stepSpans(record);
    const attributes = (step: string) => ({
      'llmspell.component': `pipe.${step}`, 'llmspell.component.kind': 'step', 'llmspell.workflow.name': 'pipe', 'llmspell.workflow.step': step,
      'llmspell.workflow.step.path': String(['upper', 'fn', 'bad'].indexOf(step)),
    });
    expect(spans).toEqual([
      { name: 'step upper', kind: 'step', parent: 'workflow pipe', status: 'ok', attributes: attributes('upper'), events: [] },
      { name: 'step fn', kind: 'step', parent: 'workflow pipe', status: 'ok', attributes: attributes('fn'), events: [] },
      {
        name: 'step bad', kind: 'step', parent: 'workflow pipe', status: 'error', error: { code: 'SCRIPT_ERROR', message: expect.stringContaining('boom') },
        attributes: { ...attributes('bad'), 'error.type': 'SCRIPT_ERROR' },
        events: [{ name: 'exception', attributes: { 'exception.type': 'SCRIPT_ERROR', 'exception.message': expect.stringContaining('boom'), 'llmspell.attempt': 1 } }],
      },
    ]);
    expect(record.span_tree.find((s) => s.name === 'execute_tool text_manipulator')?.parent).toBe(record.span_tree.find((s) => s.name === 'step upper')?.id);
    expect(JSON.stringify(record.span_tree)).not.toContain(SECRET);
  });

  test('a step span\'s attributes keep their order in the history, a durable run\'s run id last', async () => {
    const keys = ['llmspell.component', 'llmspell.component.kind', 'llmspell.workflow.name', 'llmspell.workflow.step', 'llmspell.workflow.step.path'];
    const plain = stepSpans((await runLua(`${WORKFLOW}\nreturn r.success`)).record).filter((s) => s.kind === 'step');
    expect(plain.map((s) => Object.keys(s.attributes))).toEqual([keys, keys, [...keys, 'error.type']]);
    const { value, record } = await runLua(`
      local wf = Workflow.sequential({ name = "durable", steps = { { name = "one", type = "custom", execute = function(ctx) return ctx.run_id end } } })
      return wf:execute({ run_id = "run-7" }).success`);
    expect(value).toBe(true);
    const [one] = stepSpans(record).filter((s) => s.kind === 'step');
    expect(Object.entries(one.attributes)).toEqual([
      ['llmspell.component', 'durable.one'], ['llmspell.component.kind', 'step'], ['llmspell.workflow.name', 'durable'],
      ['llmspell.workflow.step', 'one'], ['llmspell.workflow.step.path', '0'], ['llmspell.workflow.run_id', 'run-7'],
    ]);
  });

  test('with capture_content each step span keeps its output (the After point is read), secrets masked', async () => {
    const { record } = await runLua(`${WORKFLOW}\nreturn r.success`, { capture_content: true });
    const byName = new Map(stepSpans(record).map((s) => [s.name, s]));
    expect(byName.get('step fn')?.output).toBe('42');
    expect(byName.get('step upper')?.output).toContain('[REDACTED]');
    expect(byName.get('step upper')?.input).toContain('[REDACTED]');
    expect(JSON.stringify(record.span_tree)).not.toContain(SECRET);
  });

  test('hooks at the stage points run with the same contexts, each point in a hook span under its step', async () => {
    const { value, out, record } = await runLua(`
      Hook.register("BeforeWorkflowStage", function(ctx) print("before " .. ctx.metadata.step .. " " .. ctx.metadata.path) end, "normal")
      Hook.register("AfterWorkflowStage", function(ctx) print("after " .. ctx.metadata.step .. " " .. tostring(ctx.data.output):sub(1, 4)) end, "normal")
      ${WORKFLOW}
      return r.success`);
    expect(value).toBe(true);
    expect(out.join('\n')).toBe('before upper 0\nafter upper key \nbefore fn 1\nafter fn 42\nbefore bad 2');
    const hookSpans = stepSpans(record).filter((s) => s.kind === 'hook' && s.name.startsWith('hook ') && s.name.includes('WorkflowStage'));
    expect(hookSpans.map((s) => `${s.parent} > ${s.name}`)).toEqual([
      'step upper > hook BeforeWorkflowStage', 'step upper > hook AfterWorkflowStage',
      'step fn > hook BeforeWorkflowStage', 'step fn > hook AfterWorkflowStage',
      'step bad > hook BeforeWorkflowStage',
    ]);
    expect(hookSpans.every((s) => s.status === 'ok' && s.attributes['llmspell.hook.count'] === 1)).toBe(true);
  });
});
