/**
 * Telemetry inside a real runtime: real Lua and JavaScript engines, real tools, workflows and
 * state, agents against the local OpenAI-compatible server. Asserts the span tree the
 * history records.
 */
import { defineTool, z, type ScriptEngine, type ScriptValue } from '@llmspell/core';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { LlmspellRuntime, builtinFeatures } from '@llmspell/runtime';
import { MemoryStateStore } from '@llmspell/state-memory';
import { utilTools } from '@llmspell/tools-util';
import { createJsEngine } from '@llmspell/bridge-js';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { TELEMETRY_SERVICE, telemetryFeature } from './telemetry-feature.js';
import type { Telemetry } from './telemetry.js';
import type { RunRecord } from './run-history.js';
import type { SpanData } from './span-recorder.js';

const lua = createLuaEngine();
const js = createJsEngine();

let server: MockLlmServer;
beforeAll(async () => {
  server = await startMockLlmServer();
});
afterAll(() => server.close());

interface Made {
  rt: LlmspellRuntime;
  store: MemoryStateStore;
  out: string[];
}

async function makeRuntime(observability: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Promise<Made> {
  const store = new MemoryStateStore();
  const rt = await LlmspellRuntime.create({
    tools: utilTools,
    stateStore: store,
    config: {
      observability,
      providers: { providers: { mock: { provider_type: 'openai', base_url: server.openaiBaseUrl, model: 'mock-model', api_key: 'sk-test-secret-key-0123456789' } } },
      runtime: { security: { allow_private_network: true } },
    },
    features: [...builtinFeatures, telemetryFeature({ env, version: '9.9.9' })],
  });
  return { rt, store, out: [] };
}

async function run(m: Made, engine: ScriptEngine, source: string, filename = engine.name === 'lua' ? 'test.lua' : 'test.js'): Promise<ScriptValue> {
  return m.rt.runScript(engine, source, { filename, output: { stdout: (t) => m.out.push(t), stderr: (t) => m.out.push(t) } });
}

async function lastRun(m: Made): Promise<RunRecord> {
  const t = m.rt.service<Telemetry>(TELEMETRY_SERVICE)!;
  await t.flush();
  const r = await t.history!.get('latest');
  if (!r) throw new Error('no run recorded');
  return r;
}

/** A runtime with the util tools and `slow_echo`, which answers after a turn of the event loop (`bad` is a soft failure). */
async function makeSlowEchoRuntime(): Promise<Made> {
  const store = new MemoryStateStore();
  const slow = defineTool({
    name: 'slow_echo', description: 'Echoes after a turn of the event loop', category: 'utility', securityLevel: 'safe',
    parameters: z.object({ input: z.string() }),
    execute: async ({ input }) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (input === 'bad') return { success: false, error: { message: 'bad input', code: 'BAD' } };
      return { result: input };
    },
  });
  const rt = await LlmspellRuntime.create({ tools: [...utilTools, slow], stateStore: store, features: [...builtinFeatures, telemetryFeature({ env: {}, version: '9.9.9' })] });
  return { rt, store, out: [] };
}

/** Each span as "parent-name > name", so a tree reads as a list of edges. */
function edges(spans: SpanData[]): string[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  return spans.filter((s) => s.parent).map((s) => `${byId.get(s.parent!)?.name} > ${s.name}`);
}

function find(spans: SpanData[], name: string): SpanData {
  const s = spans.find((x) => x.name === name);
  if (!s) throw new Error(`no span '${name}' in ${spans.map((x) => x.name).join(', ')}`);
  return s;
}

describe('span tree of a run', () => {
  test('a Lua workflow: workflow > step > tool, custom steps, state, one trace', async () => {
    const m = await makeRuntime();
    try {
      await run(m, lua, `
        State.save("custom:notes", "k", 1)
        local wf = Workflow.sequential({ name = "pipe", steps = {
          { name = "calc", tool = "calculator", input = { input = "6*7" } },
          { name = "fn", type = "custom", execute = function(ctx) return ctx.outputs.calc.result end },
        }})
        local r = wf:execute({})
        return r.success`);
      const r = await lastRun(m);
      expect(r).toMatchObject({ script: 'test.lua', engine: 'lua', status: 'ok', steps: 2, tool_calls: 1, errors: 0 });
      const e = edges(r.span_tree);
      expect(e).toEqual(expect.arrayContaining([
        'run test.lua > state.set custom:notes',
        'run test.lua > workflow pipe',
        'workflow pipe > step calc',
        'step calc > execute_tool calculator',
        'workflow pipe > step fn',
      ]));
      const tool = find(r.span_tree, 'execute_tool calculator');
      expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'calculator', 'llmspell.tool.outcome': 'success' });
      // the order the run history shows them in
      expect(Object.keys(tool.attributes)).toEqual(['llmspell.component', 'llmspell.component.kind', 'gen_ai.operation.name', 'gen_ai.tool.name', 'gen_ai.tool.type', 'llmspell.tool.outcome']);
      expect(tool.status).toBe('ok');
      // Every span ends inside its parent.
      const byId = new Map(r.span_tree.map((s) => [s.id, s]));
      for (const s of r.span_tree) {
        const p = s.parent ? byId.get(s.parent) : undefined;
        if (p) {
          expect(s.start).toBeGreaterThanOrEqual(p.start);
          expect(s.end!).toBeLessThanOrEqual(p.end!);
        }
      }
      // Without capture_content nothing of the data is kept.
      expect(r.span_tree.every((s) => s.input === undefined && s.output === undefined)).toBe(true);
      // A second run in the same runtime is a trace of its own, nested the same way.
      await run(m, lua, 'local wf = Workflow.sequential({ name = "again", steps = { { name = "c", tool = "calculator", input = { input = "1+1" } } } })\nreturn wf:execute({}).success');
      const second = await lastRun(m);
      expect(second.trace_id).not.toBe(r.trace_id);
      expect(edges(second.span_tree)).toEqual(['run test.lua > workflow again', 'workflow again > step c', 'step c > execute_tool calculator']);
    } finally {
      await m.rt.close();
    }
  });

  test('parallel branches interleave and each tool still lands under its own step', async () => {
    const m = await makeRuntime();
    try {
      await run(m, js, `
        const wf = Workflow.parallel({ name: 'fan', max_concurrency: 3, branches: [
          { name: 'a', steps: [{ name: 'a1', type: 'custom', execute: async () => 1 }, { name: 'a2', tool: 'calculator', input: { input: '1+1' } }] },
          { name: 'b', steps: [{ name: 'b1', tool: 'uuid_generator', input: {} }, { name: 'b2', tool: 'calculator', input: { input: '2+2' } }] },
          { name: 'c', steps: [{ name: 'c1', tool: 'calculator', input: { input: '3+3' } }] },
        ]});
        const r = await wf.execute({});
        export default r.success;`);
      const r = await lastRun(m);
      const e = edges(r.span_tree);
      expect(e).toEqual(expect.arrayContaining([
        'step a2 > execute_tool calculator',
        'step b1 > execute_tool uuid_generator',
        'step b2 > execute_tool calculator',
        'step c1 > execute_tool calculator',
      ]));
      // No tool ever nests under another tool or a step of another branch.
      expect(e.filter((x) => x.endsWith('> execute_tool calculator'))).toHaveLength(3);
      expect(e.filter((x) => x.startsWith('execute_tool'))).toEqual([]);
    } finally {
      await m.rt.close();
    }
  });

  test('a tool whose work waits, started within a caller\'s synchronous step, does not become its sibling\'s parent', async () => {
    const m = await makeSlowEchoRuntime();
    try {
      // Both calls start before either settles: the slow one is still running when the
      // calculator's span opens, and the calculator answers within its call.
      await run(m, js, `
        const [a, b] = await Promise.all([Tool.invoke('slow_echo', { input: 'x' }), Tool.invoke('calculator', { input: '1+1' })]);
        export default a.success && b.success;`);
      const r = await lastRun(m);
      expect(edges(r.span_tree).sort()).toEqual(['run test.js > execute_tool calculator', 'run test.js > execute_tool slow_echo']);
      expect(r.span_tree.every((s) => s.status === 'ok')).toBe(true);
    } finally {
      await m.rt.close();
    }
  });

  test('a failed tool step: the step and tool spans carry the error code, the run records it', async () => {
    const m = await makeRuntime();
    try {
      await expect(run(m, lua, `
        local wf = Workflow.sequential({ name = "breaks", steps = {
          { name = "ok", tool = "calculator", input = { input = "1+1" } },
          { name = "bad", tool = "calculator", input = { input = "1 +" } },
        }})
        local r = wf:execute({})
        error("workflow failed: " .. tostring(r.error and r.error.message or r.error))`)).rejects.toThrow(/workflow failed/);
      const r = await lastRun(m);
      expect(r.status).toBe('error');
      expect(r.error_code).toBe('SCRIPT_ERROR');
      expect(r.errors).toBeGreaterThanOrEqual(1);
      const step = find(r.span_tree, 'step bad');
      expect(step.status).toBe('error');
      expect(step.error?.code).toBeTruthy();
      const edgesList = edges(r.span_tree);
      expect(edgesList).toContain('step bad > execute_tool calculator');
      const badTool = r.span_tree.find((s) => s.name === 'execute_tool calculator' && s.parent === step.id)!;
      expect(badTool.status).toBe('error');
      expect(badTool.attributes['llmspell.tool.outcome']).toMatch(/failure|error/);
      expect(badTool.attributes['error.type']).toBeTruthy();
      expect(find(r.span_tree, 'step ok').status).toBe('ok');
    } finally {
      await m.rt.close();
    }
  });

  test('an agent with a tool call: GenAI attributes, tokens and the tool under the agent', async () => {
    const m = await makeRuntime();
    try {
      server.reply(
        { toolCalls: [{ name: 'calculator', arguments: { input: '6*7' } }], usage: { input: 11, output: 5 } },
        { text: 'It is 42.', usage: { input: 20, output: 4 } },
      );
      const result = await run(m, lua, `
        local a = Agent.create({ name = "helper", model = "mock/mock-model", tools = { "calculator" } })
        return a:invoke({ text = "What is 6*7?" }).text`);
      expect(result).toBe('It is 42.');
      const r = await lastRun(m);
      const agent = find(r.span_tree, 'invoke_agent helper');
      expect(agent.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'helper',
        'gen_ai.request.model': 'mock-model',
        'gen_ai.provider.name': 'mock',
        'gen_ai.usage.input_tokens': 31,
        'gen_ai.usage.output_tokens': 9,
        'gen_ai.response.finish_reasons': ['stop'],
      });
      expect(edges(r.span_tree)).toContain('invoke_agent helper > execute_tool calculator');
      expect(r).toMatchObject({ agent_calls: 1, tool_calls: 1, tokens: { input: 31, output: 9, total: 40 } });
      expect(JSON.stringify(r)).not.toContain('What is 6*7?');
      expect(JSON.stringify(r)).not.toContain('It is 42.');
    } finally {
      await m.rt.close();
    }
  });

  test('hooks: a span per point with one child per hook that ran, under the component it fired for', async () => {
    const m = await makeRuntime();
    try {
      const result = await run(m, lua, `
        Hook.register("BeforeToolExecution", function(ctx)
          local p = ctx.data.input
          p.input = p.input:gsub("x", "*")
          return { type = "modified", data = { input = p } }
        end, { priority = "high", name = "times" })
        Hook.register("BeforeToolExecution", function(ctx) end, { priority = "low", name = "audit" })
        return Tool.invoke("calculator", { input = "6 x 7" }).result.result`);
      expect(result).toBe(42);
      const r = await lastRun(m);
      const e = edges(r.span_tree);
      expect(e).toEqual(expect.arrayContaining([
        'run test.lua > execute_tool calculator',
        'execute_tool calculator > hook BeforeToolExecution',
        'hook BeforeToolExecution > hook times',
        'hook BeforeToolExecution > hook audit',
      ]));
      const point = find(r.span_tree, 'hook BeforeToolExecution');
      expect(point.attributes).toMatchObject({ 'llmspell.hook.count': 2, 'llmspell.hook.names': ['times', 'audit'], 'llmspell.hook.result': 'modified' });
      expect(find(r.span_tree, 'hook times').attributes['llmspell.hook.result']).toMatch(/modified/);
      expect(find(r.span_tree, 'hook audit').attributes['llmspell.hook.result']).toBe('continue');
      expect(r.span_tree.filter((x) => x.kind === 'hook')).toHaveLength(3);
    } finally {
      await m.rt.close();
    }
  });

  test('hook spans mask a secret learned after the hook first ran (names made once are masked again)', async () => {
    const learn = defineTool({
      name: 'learn_secret', description: 'Registers a secret with the policy', category: 'utility', securityLevel: 'safe',
      parameters: z.object({ value: z.string() }),
      execute: ({ value }, ctx) => {
        ctx.policy.secrets.add(value);
        return { result: 'ok' };
      },
    });
    const store = new MemoryStateStore();
    const rt = await LlmspellRuntime.create({ tools: [...utilTools, learn], stateStore: store, features: [...builtinFeatures, telemetryFeature({ env: {}, version: '9.9.9' })] });
    const m: Made = { rt, store, out: [] };
    try {
      await run(m, lua, `
        Hook.register("BeforeToolExecution", function(ctx) end, { name = "audit-plainword4242" })
        Tool.invoke("calculator", { input = "1 + 1" })
        Tool.invoke("learn_secret", { value = "plainword4242" })
        Tool.invoke("calculator", { input = "2 + 2" })`);
      const r = await lastRun(m);
      const byId = new Map(r.span_tree.map((x) => [x.id, x]));
      const calls = r.span_tree.filter((x) => x.name === 'execute_tool calculator');
      expect(calls).toHaveLength(2);
      const under = (parent: SpanData) => r.span_tree.filter((x) => x.parent === parent.id);
      // the first call's hook spans ended before the secret was known; the second call's are masked
      const first = under(calls[0]).find((x) => x.name === 'hook BeforeToolExecution')!;
      expect(first.attributes['llmspell.hook.names']).toEqual(['audit-plainword4242']);
      const point = under(calls[1]).find((x) => x.name === 'hook BeforeToolExecution')!;
      expect(point.attributes['llmspell.hook.names']).toEqual(['audit-[REDACTED]']);
      const hook = under(point);
      expect(hook).toHaveLength(1);
      expect(hook[0].name).toBe('hook audit-[REDACTED]');
      expect(hook[0].attributes['llmspell.hook.name']).toBe('audit-[REDACTED]');
      expect(byId.get(hook[0].parent!)).toBe(point);
    } finally {
      await m.rt.close();
    }
  });

  test('a retried step: one span per attempt, the failed ones with their error', async () => {
    const m = await makeRuntime();
    try {
      await run(m, lua, `
        local n = 0
        local wf = Workflow.sequential({ name = "flaky", steps = {
          { name = "try", type = "custom", execute = function(ctx)
              n = n + 1
              if n < 3 then error("not yet") end
              return n
            end, error_strategy = { type = "retry", max_attempts = 3, backoff_ms = 1 } },
        }})
        return wf:execute({}).success`);
      const r = await lastRun(m);
      const steps = r.span_tree.filter((x) => x.name === 'step try').sort((a, b) => a.start - b.start);
      expect(steps.map((x) => x.status)).toEqual(['error', 'error', 'ok']);
      expect(steps[0].error?.message).toContain('not yet');
      expect(r).toMatchObject({ status: 'ok', errors: 2 });
    } finally {
      await m.rt.close();
    }
  });

  test('script events become span events on the span they were published under; content only with capture_content', async () => {
    for (const capture of [false, true]) {
      const m = await makeRuntime({ capture_content: capture });
      try {
        await run(m, lua, `
          Event.publish("user.progress", { note = "halfway there" })
          local wf = Workflow.sequential({ name = "w", steps = {
            { name = "say", type = "custom", execute = function(ctx) Event.publish("step.note", { text = "inside" }) return 1 end },
          }})
          return wf:execute({}).success`);
        const r = await lastRun(m);
        const root = r.span_tree.find((x) => x.kind === 'run')!;
        const top = root.events.find((e) => e.name === 'user.progress');
        expect(top).toBeDefined();
        const inner = find(r.span_tree, 'step say').events.find((e) => e.name === 'step.note');
        expect(inner).toBeDefined();
        if (capture) expect(top!.attributes!['llmspell.event.data']).toContain('halfway there');
        else expect(JSON.stringify(r)).not.toContain('halfway there');
      } finally {
        await m.rt.close();
      }
    }
  });

  test('a tool call\'s input still reaches script subscribers of tool.started, masked, and the span with capture_content', async () => {
    for (const capture of [false, true]) {
      const m = await makeRuntime({ capture_content: capture });
      try {
        const got = await run(m, lua, `
          local sub = Event.subscribe("tool.started")
          Tool.invoke("text_manipulator", { operation = "uppercase", input = "key sk-test-secret-key-0123456789 here" })
          local e = Event.receive(sub, 1000)
          return e.data.input.input`);
        expect(got).toBe('key [REDACTED] here');
        const r = await lastRun(m);
        const tool = find(r.span_tree, 'execute_tool text_manipulator');
        if (capture) expect(tool.input).toContain('[REDACTED]');
        else expect(tool.input).toBeUndefined();
        expect(JSON.stringify(r)).not.toContain('sk-test-secret-key-0123456789');
        // No subscriber: telemetry alone still gets the call's span, and with capture_content its input.
        await run(m, lua, 'return Tool.invoke("text_manipulator", { operation = "uppercase", input = "plain words" }).result');
        const alone = find((await lastRun(m)).span_tree, 'execute_tool text_manipulator');
        expect(alone.attributes['llmspell.tool.outcome']).toBe('success');
        if (capture) expect(alone.input).toContain('plain words');
        else expect(alone.input).toBeUndefined();
      } finally {
        await m.rt.close();
      }
    }
  });

  test('a secret in a tool result is masked in result, output, text, in the script and in the run history', async () => {
    const secret = 'sk-test-secret-key-0123456789';
    for (const capture of [false, true]) {
      const m = await makeRuntime({ capture_content: capture });
      try {
        // the same short text twice: the second is masked too (the redactor's clean-text cache never holds it)
        for (const engine of [lua, js, lua]) {
          const got = await run(m, engine, engine === lua
            ? `local r = Tool.invoke("text_manipulator", { operation = "lowercase", input = "${secret}" })
               return { r.result, r.output, r.text }`
            : `const r = await Tool.invoke('text_manipulator', { operation: 'lowercase', input: '${secret}' });
               export default [r.result, r.output, r.text];`);
          const [result, output, text] = got as string[];
          expect(result).toBe('[REDACTED]');
          expect(output).toBe('[REDACTED]');
          expect(JSON.parse(text).result).toBe('[REDACTED]');
          const r = await lastRun(m);
          expect(find(r.span_tree, 'execute_tool text_manipulator').attributes['llmspell.tool.outcome']).toBe('success');
          if (capture) expect(find(r.span_tree, 'execute_tool text_manipulator').output).toContain('[REDACTED]');
          expect(JSON.stringify(r)).not.toContain(secret);
        }
        expect(m.out.join('\n')).not.toContain(secret);
      } finally {
        await m.rt.close();
      }
    }
  });

  test('calls of one tool opened together each get their own span, in order, whichever way they finish', async () => {
    const m = await makeSlowEchoRuntime();
    try {
      await run(m, js, `
        for (let i = 0; i < 3; i++) await Tool.invoke('calculator', { input: '1+' + i });
        const rs = await Promise.all(['a', 'bad', 'c'].map((input) => Tool.invoke('slow_echo', { input })));
        await Tool.invoke('calculator', { input: '2+2' });
        export default rs.map((r) => r.success);`);
      const r = await lastRun(m);
      expect(r.tool_calls).toBe(7);
      const tools = r.span_tree.filter((s) => s.name.startsWith('execute_tool'));
      expect(tools.map((s) => s.name)).toEqual([
        ...Array(3).fill('execute_tool calculator'), ...Array(3).fill('execute_tool slow_echo'), 'execute_tool calculator',
      ]);
      expect(edges(r.span_tree).every((e) => e.startsWith('run test.js > '))).toBe(true);
      expect(tools.every((s) => s.end !== undefined && s.end >= s.start)).toBe(true);
      expect(tools.map((s) => s.attributes['llmspell.tool.outcome'])).toEqual(['success', 'success', 'success', 'success', 'failure', 'success', 'success']);
    } finally {
      await m.rt.close();
    }
  });

  test('a call a Before hook cancels ends its span with the error, and its hook span stays under it', async () => {
    const m = await makeRuntime();
    try {
      const result = await run(m, js, `
        Hook.register('BeforeToolExecution', (ctx) => { if (ctx.data.input.input === 'boom') return { type: 'cancel', reason: 'no booms' }; }, { name: 'gate' });
        const outcomes = [];
        for (const input of ['1+1', 'boom']) {
          try { outcomes.push((await Tool.invoke('calculator', { input })).success); } catch (e) { outcomes.push(String(e.code ?? e.message)); }
        }
        export default outcomes;`);
      expect(result).toEqual([true, 'HOOK_CANCELLED']);
      const r = await lastRun(m);
      const tools = r.span_tree.filter((s) => s.name === 'execute_tool calculator');
      expect(tools.map((s) => s.status)).toEqual(['ok', 'error']);
      expect(tools[1].error?.code).toBe('HOOK_CANCELLED');
      expect(tools[1].attributes['llmspell.tool.outcome']).toBe('error');
      expect(tools.every((s) => s.end !== undefined && !('llmspell.incomplete' in s.attributes))).toBe(true);
      expect(edges(r.span_tree).filter((e) => e.endsWith('> hook BeforeToolExecution'))).toEqual(['execute_tool calculator > hook BeforeToolExecution', 'execute_tool calculator > hook BeforeToolExecution']);
      expect(r.tool_calls).toBe(2);
    } finally {
      await m.rt.close();
    }
  });

  test('a tool that reports a failure and succeeds when an After hook retries it ends its span ok, with both attempts', async () => {
    let calls = 0;
    const moody = defineTool({
      name: 'moody', description: 'Fails softly the first time', category: 'utility', securityLevel: 'safe',
      parameters: z.object({}),
      execute: () => (++calls === 1 ? { success: false, error: { code: 'NOT_YET', message: 'try again' } } : { result: 'fine' }),
    });
    const rt = await LlmspellRuntime.create({ tools: [moody], stateStore: new MemoryStateStore(), features: [...builtinFeatures, telemetryFeature({ env: {} })] });
    const m: Made = { rt, store: new MemoryStateStore(), out: [] };
    try {
      const result = await run(m, js, `
        Hook.register('AfterToolExecution', (ctx) => (ctx.data.output.success === false ? { type: 'retry', delay_ms: 0, max_attempts: 2 } : undefined), { name: 'again' });
        export default (await Tool.invoke('moody', {})).result;`);
      expect(result).toBe('fine');
      const r = await lastRun(m);
      const span = find(r.span_tree, 'execute_tool moody');
      expect(span.status).toBe('ok');
      expect(span.attributes).toMatchObject({ 'llmspell.tool.outcome': 'success', 'llmspell.attempts': 2 });
      expect(span.attributes['error.type']).toBeUndefined();
    } finally {
      await m.rt.close();
    }
  });

  test('a script hook that throws does not fail the call: its hook span records the error, the call\'s span ends ok', async () => {
    const m = await makeRuntime();
    try {
      const result = await run(m, js, `
        Hook.register('BeforeToolExecution', () => { throw new Error('hook broke'); }, { name: 'breaker' });
        const a = await Tool.invoke('calculator', { input: '1+1' });
        const b = await Tool.invoke('uuid_generator', {});
        export default [a.success, b.success];`);
      expect(result).toEqual([true, true]);
      const r = await lastRun(m);
      const tools = r.span_tree.filter((s) => s.kind === 'tool');
      expect(tools.map((s) => s.status)).toEqual(['ok', 'ok']);
      expect(tools.every((s) => s.end !== undefined && !('llmspell.incomplete' in s.attributes))).toBe(true);
      const breakers = r.span_tree.filter((s) => s.name === 'hook breaker');
      expect(breakers.map((s) => s.error?.code)).toEqual(['HOOK_ERROR', 'HOOK_ERROR']);
      expect(breakers[0].error?.message).toContain('hook broke');
    } finally {
      await m.rt.close();
    }
  });

  test('calls outside a script run (a REPL) are kept under a session root when the runtime closes', async () => {
    const m = await makeRuntime();
    const telemetry = m.rt.service<Telemetry>(TELEMETRY_SERVICE)!;
    const history = telemetry.history!;
    const ctx = await m.rt.createScriptContext(lua, { globals: m.rt.buildGlobals({ language: 'lua' }), limits: m.rt.scriptLimits, output: { stdout() {}, stderr() {} } });
    await ctx.run('return Tool.invoke("calculator", { input = "2+2" }).result.result', { filename: 'repl' });
    ctx.dispose();
    expect(await history.list()).toEqual([]);
    // Read before the runtime closes its (memory) store: close writes the session.
    const saved: unknown[] = [];
    const original = history.save.bind(history);
    history.save = async (summary, spans) => {
      saved.push({ summary, spans });
      return original(summary, spans);
    };
    await m.rt.close();
    expect(saved).toHaveLength(1);
    const { summary, spans } = saved[0] as { summary: { script: string; tool_calls: number }; spans: SpanData[] };
    expect(summary).toMatchObject({ script: 'session', tool_calls: 1 });
    expect(edges(spans)).toEqual(['session > execute_tool calculator']);
  });
});


test('onRunStarted names each run as it starts, with its record already written; a script publishing run.started names nothing', async () => {
  const m = await makeRuntime();
  try {
    const telemetry = m.rt.service<Telemetry>(TELEMETRY_SERVICE)!;
    const seen: Array<{ run_id: string; status?: string }> = [];
    const off = telemetry.onRunStarted((run) => {
      // Called before the script runs; the record is readable by then.
      void telemetry.history!.get(run.run_id).then((r) => seen.push({ run_id: run.run_id, status: r?.status }));
    });
    await run(m, lua, 'Event.publish("run.started", { run_id = "zzzzzzzzzzzz", history = true }) return 1');
    const first = await lastRun(m);
    expect(seen).toEqual([{ run_id: first.id, status: 'running' }]);
    off();
    await run(m, lua, 'return 2');
    expect(seen).toHaveLength(1);
  } finally {
    await m.rt.close();
  }
});
