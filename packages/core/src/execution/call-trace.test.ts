import {
  CONTINUE, createExecutionContext, defineTool, executeComponent, LlmspellError, z,
  type ComponentCallTrace, type HookContext, type HookExecutor, type HookPoint, type HookResult,
} from '../index.js';

const upper = defineTool({
  name: 'upper', description: 'Upper-cases text', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => ({ result: text.toUpperCase() }),
});
const lower = defineTool({
  name: 'lower', description: 'Lower-cases text', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => ({ result: text.toLowerCase() }),
});
let flakyCalls = 0;
const flaky = defineTool({
  name: 'flaky', description: 'Fails the first time', category: 'utility', securityLevel: 'safe',
  parameters: z.object({}),
  execute: () => {
    flakyCalls += 1;
    if (flakyCalls === 1) throw new LlmspellError('TIMEOUT', 'first try fails');
    return { result: 'ok' };
  },
});

type Answer = HookResult | ((ctx: HookContext) => HookResult);

/** A hook executor that traces every call into `log` and answers the points in `answers`. */
function tracingHooks(answers: Partial<Record<HookPoint, Answer>> = {}) {
  const log: string[] = [];
  const traces: ComponentCallTrace[] = [];
  const passed: Array<{ point: HookPoint; call: ComponentCallTrace | undefined }> = [];
  const hooks: HookExecutor = {
    hasHooks: (point) => point in answers,
    execute: (point, ctx) => Promise.resolve(hooks.executeNow!(point, ctx)),
    executeNow(point, ctx, call) {
      passed.push({ point, call });
      const a = answers[point];
      return typeof a === 'function' ? a(ctx) : a ?? CONTINUE;
    },
    traceCall(point, component, metadata, input) {
      log.push(`open ${point} ${component.name} ${JSON.stringify(input)}`);
      const trace: ComponentCallTrace = {
        started: (attempt, inp) => void log.push(`started ${attempt} ${JSON.stringify(inp)}`),
        returned: (output) => void log.push(`returned ${JSON.stringify(output)}`),
        errored: (code, message, attempt) => void log.push(`errored ${code} ${message} ${attempt}`),
        retrying: (attempt, code) => void log.push(`retrying ${attempt}${code ? ` ${code}` : ''}`),
        redirected: (target) => void log.push(`redirected ${target}`),
        completed: (how) => void log.push(`completed${how ? ` ${JSON.stringify(how)}` : ''}`),
        failed: (code, message) => void log.push(`failed ${code} ${message}`),
      };
      traces.push(trace);
      return trace;
    },
  };
  return { hooks, log, traces, passed };
}

describe('HookExecutor.traceCall: executeComponent reports each call to its trace', () => {
  beforeEach(() => {
    flakyCalls = 0;
  });

  test('a call that runs: opened with its checked input, started, returned, completed', async () => {
    const { hooks, log } = tracingHooks();
    const out = await executeComponent(upper, { text: 'a' }, createExecutionContext({ hooks }));
    expect(out).toMatchObject({ success: true, result: 'A' });
    expect(log).toEqual([
      'open BeforeToolExecution upper {"text":"a"}',
      'started 1 {"text":"a"}',
      expect.stringMatching(/^returned \{.*"result":"A"/),
      'completed',
    ]);
  });

  test('input that fails validation opens no trace', async () => {
    const { hooks, log } = tracingHooks();
    await expect(executeComponent(upper, { text: 1 }, createExecutionContext({ hooks }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(log).toEqual([]);
  });

  test('an error retried by an error hook: errored, retrying with the code, started again, completed', async () => {
    let asked = 0;
    const { hooks, log } = tracingHooks({ ToolError: () => (asked++ === 0 ? { type: 'retry', delay_ms: 0, max_attempts: 2 } : CONTINUE) });
    await executeComponent(flaky, {}, createExecutionContext({ hooks }));
    expect(log.map((l) => l.split(' {')[0])).toEqual([
      'open BeforeToolExecution flaky',
      'started 1',
      expect.stringMatching(/^errored TIMEOUT .*first try fails 1$/),
      'retrying 1 TIMEOUT',
      'started 2',
      'returned',
      'completed',
    ]);
  });

  test('an error no hook recovers ends the trace failed with the error code and message', async () => {
    const { hooks, log } = tracingHooks();
    await expect(executeComponent(flaky, {}, createExecutionContext({ hooks }))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(log.slice(-2)).toEqual([expect.stringMatching(/^errored TIMEOUT .*first try fails 1$/), expect.stringMatching(/^failed TIMEOUT .*first try fails$/)]);
  });

  test('Before hooks that cancel, stand in, or redirect end the trace before the call runs', async () => {
    const cancel = tracingHooks({ BeforeToolExecution: { type: 'cancel', reason: 'not today' } });
    await expect(executeComponent(upper, { text: 'a' }, createExecutionContext({ hooks: cancel.hooks }))).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    expect(cancel.log.slice(1)).toEqual(['failed HOOK_CANCELLED not today']);

    const replace = tracingHooks({ BeforeToolExecution: { type: 'replace', data: { output: 'stood in' } } });
    await expect(executeComponent(upper, { text: 'a' }, createExecutionContext({ hooks: replace.hooks }))).resolves.toBe('stood in');
    expect(replace.log.slice(1)).toEqual(['completed {"replaced":true}']);

    const components = { tool: (name: string) => (name === 'lower' ? lower : undefined), agent: () => undefined, workflow: () => undefined, tools: () => [lower] };
    const redirect = tracingHooks({ BeforeToolExecution: (ctx) => (ctx.component_id.name === 'upper' ? { type: 'redirect', target: 'lower' } : CONTINUE) });
    await expect(executeComponent(upper, { text: 'A' }, createExecutionContext({ hooks: redirect.hooks, components }))).resolves.toMatchObject({ result: 'a' });
    expect(redirect.log.map((l) => l.split(' {')[0])).toEqual([
      'open BeforeToolExecution upper',
      'redirected lower',
      'open BeforeToolExecution lower',
      'started 1',
      'returned',
      'completed',
    ]);
  });

  test('a Before hook that throws ends the trace failed instead of leaving it open', async () => {
    const { hooks, log } = tracingHooks({ BeforeToolExecution: () => { throw new Error('hook broke'); } });
    await expect(executeComponent(upper, { text: 'a' }, createExecutionContext({ hooks }))).rejects.toThrow('hook broke');
    expect(log.slice(1)).toEqual([expect.stringMatching(/^failed \w+ .*hook broke/)]);
  });

  test('the hook points of a call get its trace; points before it opens do not', async () => {
    const { hooks, traces, passed } = tracingHooks({ ToolValidation: CONTINUE, BeforeToolExecution: CONTINUE, AfterToolExecution: CONTINUE });
    await executeComponent(upper, { text: 'a' }, createExecutionContext({ hooks }));
    expect(passed.map((p) => p.point)).toEqual(['ToolValidation', 'BeforeToolExecution', 'AfterToolExecution']);
    expect(passed[0].call).toBeUndefined();
    expect(passed[1].call).toBe(traces[0]);
    expect(passed[2].call).toBe(traces[0]);
  });

  test('a workflow step is traced under the step points the engine passes', async () => {
    const { hooks, log } = tracingHooks();
    await executeComponent(upper, { text: 'a' }, createExecutionContext({ hooks }), {
      points: { before: 'BeforeWorkflowStage', after: 'AfterWorkflowStage', event: 'workflow.step' },
      metadata: { step: 's1' },
    });
    expect(log[0]).toBe('open BeforeWorkflowStage upper {"text":"a"}');
  });
});
