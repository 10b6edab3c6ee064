import { z } from 'zod';
import {
  ComponentRegistry, createExecutionContext, defineTool, describeParameters, executeComponent, isLlmspellError, isScriptError, SecurityPolicy, toToolResult,
  type HookExecutor, type HookResult, type HookPoint,
} from './index.js';

const shout = defineTool({
  name: 'shout',
  aliases: ['shout-tool'],
  description: 'Upper-cases text',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({
    input: z.string().describe('Text to shout'),
    times: z.number().int().min(1).default(1).describe('Repeat count'),
  }),
  execute: ({ input, times }) => ({ operation: 'shout', result: input.toUpperCase().repeat(times) }),
});

describe('defineTool', () => {
  test('runs with validated params and yields the reference result shape', async () => {
    const r = await executeComponent(shout, { input: 'hi', times: 2 }, createExecutionContext());
    expect(r.success).toBe(true);
    expect(r.result).toBe('HIHI');
    expect(JSON.parse(r.text)).toEqual({ operation: 'shout', success: true, result: 'HIHI' });
    expect(typeof r.metadata.execution_time_ms).toBe('number');
  });

  test('a bad argument names the parameter', async () => {
    await expect(executeComponent(shout, { input: 3 }, createExecutionContext())).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining("shout: parameter 'input'"),
    });
    await expect(executeComponent(shout, { input: 'x', times: 0 }, createExecutionContext())).rejects.toMatchObject({
      message: expect.stringContaining("parameter 'times'"),
    });
  });

  test('a missing required parameter reads as required, not as a wrong type', async () => {
    const e = await executeComponent(shout, {}, createExecutionContext()).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', message: "INVALID_ARGUMENT: shout: parameter 'input' is required" });
    // the details keep zod's issues as they were
    expect((e as { details: unknown }).details).toMatchObject({ tool: 'shout', parameter: 'input', issues: [{ path: ['input'], message: expect.stringContaining('expected string') }] });
    // a value of the wrong type keeps zod's wording
    await expect(executeComponent(shout, { input: 3 }, createExecutionContext())).rejects.toMatchObject({
      message: expect.stringMatching(/parameter 'input': Invalid input: expected string, received number$/),
    });
  });

  test('describes its parameters like the reference', () => {
    expect(describeParameters(shout.parameters)).toEqual([
      { name: 'input', type: 'string', description: 'Text to shout', required: true },
      { name: 'times', type: 'number', description: 'Repeat count', required: false, default: 1 },
    ]);
  });

  test('rejects invalid names', () => {
    expect(() => defineTool({ ...shoutDef(), name: '1bad' })).toThrow(/must start with a letter/);
  });

  test('tools above the policy level are refused before running', async () => {
    let ran = false;
    const priv = defineTool({ ...shoutDef(), name: 'priv', securityLevel: 'privileged', execute: () => { ran = true; return {}; } });
    const ctx = createExecutionContext({ policy: new SecurityPolicy({ maxSecurityLevel: 'safe' }) });
    await expect(executeComponent(priv, { input: 'x' }, ctx)).rejects.toMatchObject({ code: 'SECURITY_LEVEL_NOT_ALLOWED' });
    expect(ran).toBe(false);
  });
});

function shoutDef() {
  return {
    name: 'shout', description: 'd', category: 'utility', securityLevel: 'safe' as const,
    parameters: z.object({ input: z.string() }),
    execute: ({ input }: { input: string }) => ({ result: input }),
  };
}

describe('per-call security levels', () => {
  let executed = 0;
  const encoder = defineTool({
    name: 'encoder',
    description: 'Encodes text, or a file',
    category: 'utility',
    securityLevel: 'safe',
    parameterLevels: { input_file: 'restricted', dangerous: 'privileged' },
    parameters: z.object({ input: z.string().optional(), input_file: z.string().optional(), dangerous: z.boolean().default(false) }),
    execute: () => {
      executed += 1;
      return { result: 'ran' };
    },
  });
  const at = (level: 'safe' | 'restricted' | 'privileged') => createExecutionContext({ policy: new SecurityPolicy({ maxSecurityLevel: level }) });

  test('a parameter that touches more raises the level of the call that uses it', async () => {
    expect((await executeComponent(encoder, { input: 'x' }, at('safe'))).result).toBe('ran');
    const e = await executeComponent(encoder, { input_file: 'a.txt' }, at('safe')).catch((error: Error) => error);
    expect(e).toMatchObject({ code: 'SECURITY_LEVEL_NOT_ALLOWED', details: { parameter: 'input_file', level: 'restricted' } });
    expect((e as Error).message).toContain("for parameter 'input_file'");
    expect((await executeComponent(encoder, { input_file: 'a.txt' }, at('restricted'))).result).toBe('ran');
    await expect(executeComponent(encoder, { input_file: 'a.txt', dangerous: true }, at('restricted'))).rejects.toMatchObject({ details: { parameter: 'dangerous', level: 'privileged' } });
    // false / null / absent do not count as using the parameter
    expect((await executeComponent(encoder, { dangerous: false }, at('safe'))).result).toBe('ran');
    expect(encoder.callSecurityLevel!({ input_file: null, dangerous: false })).toEqual({ level: 'safe' });
    expect(encoder.callSecurityLevel!({ input_file: 'x' })).toEqual({ level: 'restricted', parameter: 'input_file' });
  });

  test('the check sees the arguments a hook put in, and refuses before the tool runs', async () => {
    const before = executed;
    const hooks: HookExecutor = {
      hasHooks: (p: HookPoint) => p === 'BeforeToolExecution',
      execute: async (): Promise<HookResult> => ({ type: 'modified', data: { input: { input_file: 'smuggled.txt' } } }),
    } as unknown as HookExecutor;
    const ctx = createExecutionContext({ policy: new SecurityPolicy({ maxSecurityLevel: 'safe' }), hooks });
    await expect(executeComponent(encoder, { input: 'x' }, ctx)).rejects.toMatchObject({ code: 'SECURITY_LEVEL_NOT_ALLOWED' });
    expect(executed).toBe(before);
  });
});

describe('executeComponent', () => {
  function hooksReturning(map: Partial<Record<HookPoint, HookResult | ((n: number) => HookResult)>>): HookExecutor & { calls: string[] } {
    const calls: string[] = [];
    let n = 0;
    return {
      calls,
      hasHooks: (p) => p in map,
      execute: async (p) => {
        calls.push(p);
        const r = map[p]!;
        return typeof r === 'function' ? r(n++) : r;
      },
    };
  }

  test('a before hook can modify input, an after hook the output', async () => {
    const hooks = hooksReturning({
      BeforeToolExecution: { type: 'modified', data: { input: { input: 'changed' } } },
      AfterToolExecution: { type: 'modified', data: { output: { text: 't', metadata: {}, success: true, result: 'OUT' } } },
    });
    const r = await executeComponent(shout, { input: 'x' }, createExecutionContext({ hooks }));
    expect(r.result).toBe('OUT');
    expect(hooks.calls).toEqual(['BeforeToolExecution', 'AfterToolExecution']);
  });

  test('cancel fails the call with the reason; replace stands in for the result', async () => {
    await expect(executeComponent(shout, { input: 'x' }, createExecutionContext({ hooks: hooksReturning({ BeforeToolExecution: { type: 'cancel', reason: 'nope' } }) })))
      .rejects.toMatchObject({ code: 'HOOK_CANCELLED', message: expect.stringContaining('nope') });
    const r = await executeComponent(shout, { input: 'x' }, createExecutionContext({ hooks: hooksReturning({ BeforeToolExecution: { type: 'replace', data: { result: 'R' } } }) }));
    expect(r).toEqual({ result: 'R' });
  });

  test('an error hook asking for retry re-runs the component', async () => {
    let runs = 0;
    const flaky = defineTool({ ...shoutDef(), name: 'flaky', execute: () => { runs++; if (runs < 3) throw new Error('boom'); return { result: 'ok' }; } });
    const hooks = hooksReturning({ ToolError: { type: 'retry', delay_ms: 1, max_attempts: 3 } });
    const r = await executeComponent(flaky, { input: 'x' }, createExecutionContext({ hooks }));
    expect(r.result).toBe('ok');
    expect(runs).toBe(3);
  });

  test('timeouts and cancellation', async () => {
    const slow = defineTool({ ...shoutDef(), name: 'slow', execute: (_p, ctx) => new Promise((resolve) => { const t = setTimeout(() => resolve({ result: 'late' }), 5000); ctx.signal.addEventListener('abort', () => clearTimeout(t)); }) });
    await expect(executeComponent(slow, { input: 'x' }, createExecutionContext(), { timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const ac = new AbortController();
    const p = executeComponent(slow, { input: 'x' }, createExecutionContext({ signal: ac.signal }), { timeoutMs: 5000 });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  test('errors thrown by a tool become TOOL_EXECUTION_FAILED unless already coded', async () => {
    const bad = defineTool({ ...shoutDef(), name: 'bad', execute: () => { throw new Error('kaput'); } });
    const err = await executeComponent(bad, { input: 'x' }, createExecutionContext()).catch((e) => e);
    expect(isLlmspellError(err)).toBe(true);
    expect(err.code).toBe('TOOL_EXECUTION_FAILED');
    expect(err.message).toContain('kaput');
  });

  test('events are published for start and completion', async () => {
    const seen: string[] = [];
    const events = { publish: (type: string) => { seen.push(type); } };
    await executeComponent(shout, { input: 'x' }, createExecutionContext({ events }));
    expect(seen).toEqual(['tool.started', 'tool.completed']);
  });
});

describe('ComponentRegistry', () => {
  test('register, aliases, duplicates and lookup', () => {
    const reg = new ComponentRegistry<{ name: string }>('tool', 'TOOL_NOT_FOUND');
    reg.register({ name: 'a' }, { aliases: ['a-1'] });
    expect(reg.get('a-1')?.name).toBe('a');
    expect(() => reg.register({ name: 'a' })).toThrow(/already registered/);
    expect(() => reg.require('zzz')).toThrow(/TOOL_NOT_FOUND/);
    expect(reg.unregister('a-1')).toBe(true);
    expect(reg.has('a')).toBe(false);
  });
});

describe('toToolResult', () => {
  test("a soft failure's error is a marked copy: its fields in JSON, its message as text, the tool's object untouched", () => {
    const given = Object.freeze({ code: 'MISSING_API_KEY', message: 'MISSING_API_KEY: needs an API key' });
    const r = toToolResult({ success: false, error: given }, 'send');
    expect(isScriptError(r.error)).toBe(true);
    expect(r.error).not.toBe(given);
    expect(isScriptError(given)).toBe(false);
    expect(JSON.stringify(r.error)).toBe('{"code":"MISSING_API_KEY","message":"MISSING_API_KEY: needs an API key"}');
    expect(`failed: ${String(r.error)}`).toBe('failed: MISSING_API_KEY: needs an API key');
    // the redacted copy a script gets stays marked
    const redacted = new SecurityPolicy().redactValue(r);
    expect(redacted.error).not.toBe(r.error);
    expect(isScriptError(redacted.error)).toBe(true);
    expect(isScriptError(toToolResult({ result: 1 }, 'x').error)).toBe(false);
  });

  test('text is the pretty JSON of the fields given, in the reference order, without the ones not given', () => {
    expect(toToolResult({ result: 'X' }, 'uppercase').text).toBe('{\n  "operation": "uppercase",\n  "success": true,\n  "result": "X"\n}');
    expect(toToolResult({}, undefined).text).toBe('{\n  "success": true\n}');
    const full = toToolResult({
      operation: 'read', success: false, message: 'm', result: [1, { a: null }], error: { message: 'e', code: 'C' }, metadata: { n: 1 },
    }, 'other', 2.5);
    expect(full.text).toBe(JSON.stringify({ operation: 'read', success: false, message: 'm', result: [1, { a: null }], error: { message: 'e', code: 'C' }, metadata: { n: 1 } }, null, 2));
    expect(full).toMatchObject({ success: false, result: [1, { a: null }], output: [1, { a: null }], message: 'm', error: { message: 'e', code: 'C' } });
    expect(full.metadata).toEqual({ n: 1, execution_time_ms: 2.5 });
    expect(toToolResult({ result: undefined }, 'x')).toMatchObject({ result: null, output: null });
  });

  test('metadata is a copy: the tool\'s own object is not changed, and a __proto__ key stays data', () => {
    const given = JSON.parse('{"__proto__": {"polluted": true}, "n": 1}') as Record<string, unknown>;
    const r = toToolResult({ result: 1, metadata: given }, undefined, 3);
    expect(given).not.toHaveProperty('execution_time_ms');
    expect(Object.getPrototypeOf(r.metadata)).toBe(Object.prototype);
    expect(Object.keys(r.metadata)).toEqual(['__proto__', 'n', 'execution_time_ms']);
    expect((r.metadata as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.parse(r.text).metadata).toEqual(given);
  });
});
