import { executeComponent, type HookPoint } from '@llmspell/core';
import type { UniversalEvent } from './events/universal-event.js';
import { component, context, echoTool, flakyTool, lookup, setup, upperTool } from './__fixtures__/helpers.js';

async function drain(bus: ReturnType<typeof setup>['bus'], id: string): Promise<UniversalEvent[]> {
  const out: UniversalEvent[] = [];
  for (let e = await bus.receive(id, 0); e; e = await bus.receive(id, 0)) out.push(e);
  return out;
}

describe('executeComponent fires the hooks of tools, agents and workflows', () => {
  test('tool points: ToolValidation, BeforeToolExecution, AfterToolExecution, ToolError', async () => {
    const { registry, executor, bus } = setup();
    const seen: HookPoint[] = [];
    for (const p of ['ToolValidation', 'BeforeToolExecution', 'AfterToolExecution', 'ToolError'] as HookPoint[]) {
      registry.register({ point: p, handler: (c) => { seen.push(c.point); } });
    }
    const ctx = context(executor, bus);
    await executeComponent(echoTool, { text: 'a' }, ctx);
    await expect(executeComponent(flakyTool(5), {}, ctx)).rejects.toThrow(/ECONNRESET/);
    expect(seen).toEqual(['ToolValidation', 'BeforeToolExecution', 'AfterToolExecution', 'ToolValidation', 'BeforeToolExecution', 'ToolError']);
  });

  test('agent and workflow points, and workflow-step overrides', async () => {
    const { registry, executor } = setup();
    const seen: string[] = [];
    for (const p of ['BeforeAgentExecution', 'AfterAgentExecution', 'AgentError', 'BeforeWorkflowStart', 'AfterWorkflowComplete', 'WorkflowError', 'BeforeWorkflowStage', 'AfterWorkflowStage'] as HookPoint[]) {
      registry.register({ point: p, handler: (c) => { seen.push(`${c.point}:${c.component_id.type}:${c.component_id.name}`); } });
    }
    const ctx = context(executor);
    const agent = component('agent', 'helper', (i) => ({ text: `agent got ${JSON.stringify(i)}` }));
    const badAgent = component('agent', 'bad', () => { throw new Error('llm down'); });
    const wf = component('workflow', 'flow', () => ({ ok: true }));
    const badWf = component('workflow', 'badflow', () => { throw new Error('step failed'); });
    await executeComponent(agent, { text: 'x' }, ctx);
    await expect(executeComponent(badAgent, {}, ctx)).rejects.toMatchObject({ code: 'AGENT_ERROR' });
    await executeComponent(wf, {}, ctx);
    await expect(executeComponent(badWf, {}, ctx)).rejects.toMatchObject({ code: 'WORKFLOW_ERROR' });
    await executeComponent(agent, {}, ctx, { points: { before: 'BeforeWorkflowStage', after: 'AfterWorkflowStage', event: 'workflow.step' } });
    expect(seen).toEqual([
      'BeforeAgentExecution:agent:helper', 'AfterAgentExecution:agent:helper',
      'BeforeAgentExecution:agent:bad', 'AgentError:agent:bad',
      'BeforeWorkflowStart:workflow:flow', 'AfterWorkflowComplete:workflow:flow',
      'BeforeWorkflowStart:workflow:badflow', 'WorkflowError:workflow:badflow',
      'BeforeWorkflowStage:agent:helper', 'AfterWorkflowStage:agent:helper',
    ]);
  });

  test('publishes <kind>.started/completed/failed with dotted types', async () => {
    const { executor, bus } = setup();
    const sub = bus.subscribe(['tool.*', 'agent.*', 'workflow.**']);
    const ctx = context(executor, bus);
    await executeComponent(echoTool, { text: 'a' }, ctx);
    await expect(executeComponent(flakyTool(1), {}, ctx)).rejects.toThrow();
    await executeComponent(component('agent', 'a', () => 'x'), {}, ctx);
    await executeComponent(component('workflow', 'w', () => 'y'), {}, ctx);
    await executeComponent(echoTool, { text: 's' }, ctx, { points: { event: 'workflow.step' } });
    const events = await drain(bus, sub.id);
    expect(events.map((e) => e.event_type)).toEqual([
      'tool.started', 'tool.completed', 'tool.started', 'tool.failed', 'agent.started', 'agent.completed',
      'workflow.started', 'workflow.completed', 'workflow.step.started', 'workflow.step.completed',
    ]);
    expect(events[0]).toMatchObject({ data: { component: 'echo', kind: 'tool', attempt: 1, input: { text: 'a' } }, metadata: { correlation_id: ctx.correlationId, source: 'tool:echo' }, schema_version: '1.0' });
    expect(events[3].data).toMatchObject({ code: 'TOOL_EXECUTION_FAILED' });
  });
});

describe('hook results take effect through executeComponent', () => {
  test('modified changes the input before and the output after', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'BeforeToolExecution', handler: () => ({ type: 'modified', data: { text: 'changed' } }) });
    registry.register({ point: 'AfterToolExecution', handler: (c) => ({ type: 'modified', data: { output: { ...(c.data.output as object), result: 'after:' + (c.data.output as { result: string }).result } } }) });
    const r = await executeComponent(echoTool, { text: 'orig' }, context(executor));
    expect(r.result).toBe('after:changed');
  });

  test('a modified input is validated again: invalid input a hook made is HOOK_ERROR naming the hook, point and parameter', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'BeforeToolExecution', name: 'fixer', handler: () => ({ type: 'modified', data: { text: 5 } }) });
    const error = await executeComponent(echoTool, { text: 'x' }, context(executor)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'HOOK_ERROR',
      message: expect.stringMatching(/^HOOK_ERROR: hook 'fixer' at BeforeToolExecution gave echo invalid input: parameter 'text'/),
      details: expect.objectContaining({ parameter: 'text', point: 'BeforeToolExecution', hooks: ['fixer'], code: 'INVALID_ARGUMENT' }),
    });
    // the caller's own invalid input is still the caller's error
    await expect(executeComponent(echoTool, { text: 5 } as never, context(executor))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  test('invalid input from a ToolValidation hook names that hook too', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'ToolValidation', name: 'v', handler: () => ({ type: 'modified', data: { input: { text: [] } } }) });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).rejects.toMatchObject({
      code: 'HOOK_ERROR', message: expect.stringContaining("hook 'v' at ToolValidation gave echo invalid input: parameter 'text'"),
    });
  });

  test('ToolValidation can modify or cancel', async () => {
    const { registry, executor } = setup();
    const h = registry.register({ point: 'ToolValidation', handler: () => ({ type: 'modified', data: { input: { text: 'fixed' } } }) });
    expect((await executeComponent(echoTool, { wrong: 1 }, context(executor))).result).toBe('fixed');
    registry.unregister(h.id);
    registry.register({ point: 'ToolValidation', handler: () => ({ type: 'cancel', reason: 'not valid today' }) });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: 'HOOK_CANCELLED: echo: not valid today' });
  });

  test('cancel fails with HOOK_CANCELLED and the reason; the component never runs', async () => {
    const { registry, executor, bus } = setup();
    const sub = bus.subscribe('agent.*');
    registry.register({ point: 'BeforeAgentExecution', handler: () => ({ action: 'cancel', reason: 'policy says no' }) });
    const agent = component('agent', 'a', () => 'ran');
    await expect(executeComponent(agent, {}, context(executor, bus))).rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: 'HOOK_CANCELLED: a: policy says no' });
    expect(agent.runs).toBe(0);
    expect((await bus.receive(sub.id, 0))!.event_type).toBe('agent.failed');
  });

  test('cancel after the run fails the operation too', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'AfterToolExecution', handler: () => 'output looks wrong' });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: expect.stringContaining('output looks wrong') });
  });

  test('replace stands in for the result', async () => {
    const { registry, executor } = setup();
    const agent = component('agent', 'a', () => 'real');
    registry.register({ point: 'BeforeAgentExecution', handler: () => ({ type: 'replace', data: 'canned' }) });
    expect(await executeComponent(agent, {}, context(executor))).toBe('canned');
    expect(agent.runs).toBe(0);
    registry.clear();
    registry.register({ point: 'AfterAgentExecution', handler: () => ({ type: 'replace', data: { text: 'swapped' } }) });
    expect(await executeComponent(agent, {}, context(executor))).toEqual({ text: 'swapped' });
  });

  test('redirect runs another component', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'BeforeToolExecution', when: (c) => c.component_id.name === 'echo', handler: () => ({ type: 'redirect', target: 'upper' }) });
    const r = await executeComponent(echoTool, { text: 'quiet' }, context(executor, undefined, lookup([echoTool, upperTool])));
    expect(r.result).toBe('QUIET');
    registry.clear();
    registry.register({ point: 'BeforeToolExecution', handler: () => ({ type: 'redirect', target: 'nope' }) });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor, undefined, lookup([echoTool])))).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    registry.clear();
    const helper = component('agent', 'helper', (i) => `helper: ${JSON.stringify(i)}`);
    registry.register({ point: 'BeforeToolExecution', handler: () => ({ type: 'redirect', target: 'agent:helper' }) });
    expect(await executeComponent(echoTool, { text: 'x' }, context(executor, undefined, lookup([echoTool], [helper])))).toBe('helper: {"text":"x"}');
  });

  test('redirect loops stop', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'BeforeToolExecution', handler: (c) => ({ type: 'redirect', target: c.component_id.name === 'echo' ? 'upper' : 'echo' }) });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor, undefined, lookup([echoTool, upperTool])))).rejects.toMatchObject({ code: 'HOOK_ERROR' });
  });

  test('retry re-runs after an error (error hook) and after a result (after hook)', async () => {
    const { registry, executor, bus } = setup();
    const sub = bus.subscribe('tool.retrying');
    registry.register({ point: 'ToolError', handler: () => ({ type: 'retry', delay_ms: 1, max_attempts: 3 }) });
    const t = flakyTool(2);
    expect((await executeComponent(t, {}, context(executor, bus))).result).toBe('ok after 3');
    expect(t.runs).toBe(3);
    expect((await bus.receive(sub.id, 0))!.data).toMatchObject({ attempt: 1 });
    const t2 = flakyTool(5);
    await expect(executeComponent(t2, {}, context(executor))).rejects.toThrow(/ECONNRESET/);
    expect(t2.runs).toBe(3);
    registry.clear();
    let n = 0;
    registry.register({ point: 'AfterAgentExecution', handler: (c) => (c.data.output === 'draft 2' ? undefined : { type: 'retry', delay_ms: 0, max_attempts: 5 }) });
    const agent = component('agent', 'writer', () => `draft ${++n}`);
    expect(await executeComponent(agent, {}, context(executor))).toBe('draft 2');
  });

  test('cache serves the cached result', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'BeforeAgentExecution', handler: () => ({ type: 'cache', ttl_ms: 60_000 }) });
    const agent = component('agent', 'slow', (i) => `answer ${(i as { q: number }).q} #${agent.runs}`);
    const ctx = context(executor);
    expect(await executeComponent(agent, { q: 1 }, ctx)).toBe('answer 1 #1');
    expect(await executeComponent(agent, { q: 1 }, ctx)).toBe('answer 1 #1');
    expect(await executeComponent(agent, { q: 2 }, ctx)).toBe('answer 2 #2');
    expect(agent.runs).toBe(2);
  });

  test('cache from an after hook stores under its key; expired entries run again', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'AfterToolExecution', handler: () => ({ type: 'cache', key: 'k1', ttl_ms: 30 }) });
    registry.register({ point: 'BeforeToolExecution', handler: () => ({ type: 'cache', key: 'k1', ttl_ms: 30 }) });
    const t = flakyTool(0);
    const ctx = context(executor);
    await executeComponent(t, {}, ctx);
    await executeComponent(t, {}, ctx);
    expect(t.runs).toBe(1);
    await new Promise((r) => setTimeout(r, 40));
    await executeComponent(t, {}, ctx);
    expect(t.runs).toBe(2);
  });

  test('error hooks may recover with an output, or cancel', async () => {
    const { registry, executor } = setup();
    const h = registry.register({ point: 'ToolError', handler: (c) => ({ type: 'replace', data: { recovered: (c.data.error as { code: string }).code } }) });
    expect(await executeComponent(flakyTool(1), {}, context(executor))).toEqual({ recovered: 'TOOL_EXECUTION_FAILED' });
    registry.unregister(h.id);
    registry.register({ point: 'ToolError', handler: () => ({ type: 'cancel', reason: 'give up' }) });
    await expect(executeComponent(flakyTool(1), {}, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: expect.stringContaining('give up') });
  });

  test('fork runs extra operations alongside and reports them as events', async () => {
    const { registry, executor, bus } = setup();
    const sub = bus.subscribe('tool.fork.*');
    const audit = component('agent', 'auditor', (i) => `audited ${JSON.stringify(i)}`);
    registry.register({ point: 'BeforeToolExecution', when: (c) => c.component_id.name === 'echo', handler: () => ({
      type: 'fork', operations: [{ id: 'u', operation_type: 'tool:upper', parameters: { text: 'side' } }, { operation_type: 'agent:auditor', parameters: { n: 1 } }, 'tool:missing'],
    }) });
    const r = await executeComponent(echoTool, { text: 'main' }, context(executor, bus, lookup([echoTool, upperTool], [audit])));
    expect(r.result).toBe('main');
    const events = [await bus.receive(sub.id, 0), await bus.receive(sub.id, 0), await bus.receive(sub.id, 0)].map((e) => e!);
    expect(events.map((e) => e.event_type).sort()).toEqual(['tool.fork.completed', 'tool.fork.completed', 'tool.fork.failed']);
    expect(events.find((e) => (e.data as { operation: string }).operation === 'u')!.data).toMatchObject({ output: { result: 'SIDE' } });
    expect(audit.runs).toBe(1);
  });

  test('skipped and continue change nothing; a throwing hook does not fail the run', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'BeforeToolExecution', handler: () => ({ type: 'skipped', reason: 'n/a' }) });
    registry.register({ point: 'BeforeToolExecution', handler: () => { throw new Error('hook bug'); } });
    registry.register({ point: 'AfterToolExecution', handler: () => 'continue' });
    expect((await executeComponent(echoTool, { text: 'x' }, context(executor))).result).toBe('x');
  });
});

describe('events carry no secrets', () => {
  test('secret-named input fields are masked in <kind>.started', async () => {
    const { executor, bus } = setup();
    const sub = bus.subscribe('agent.started');
    await executeComponent(component('agent', 'a', () => 'ok'), { prompt: 'hi', api_key: 'sk-live-123456789' }, context(executor, bus));
    const e = await bus.receive(sub.id, 0);
    expect(JSON.stringify(e)).not.toContain('sk-live-123456789');
    expect((e!.data as { input: { prompt: string } }).input.prompt).toBe('hi');
  });
});
