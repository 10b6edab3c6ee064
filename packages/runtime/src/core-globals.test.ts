import { defineTool, HOST_METHOD, getIndexFallback, isHostAsync, z, type ScriptValue } from '@llmspell/core';
import { LlmspellRuntime } from './index.js';

const echo = defineTool({
  name: 'echo_tool',
  aliases: ['echo-tool'],
  description: 'Echoes its input back',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ input: z.string().describe('what to echo') }),
  execute: ({ input }) => ({ operation: 'echo', result: { echoed: input } }),
});

type Obj = Record<string, any>;

describe('core globals (host level)', () => {
  let rt: LlmspellRuntime;
  let g: Record<string, ScriptValue>;
  beforeAll(async () => {
    rt = await LlmspellRuntime.create({ tools: [echo], config: { providers: { providers: { x: { provider_type: 'openai', api_key: 'sk-secret-config-key-123456' } } } } });
    g = rt.buildGlobals({ language: 'lua', args: { positional: ['a', 'b'], named: { name: 'Ada' } } });
  });
  afterAll(() => rt.close());

  test('Tool.list/exists/categories/discover/get', () => {
    const Tool = g.Tool as Obj;
    expect(Tool.list()).toEqual([{ name: 'echo_tool', description: 'Echoes its input back', version: '1.0.0', category: 'utility', security_level: 'safe' }]);
    expect(Tool.exists('echo-tool')).toBe(true);
    expect(Tool.exists('nope')).toBe(false);
    expect(Tool.categories()).toEqual(['utility']);
    expect(Tool.discover({ tag: 'ECHOES' })).toHaveLength(1);
    expect(Tool.discover({ category: 'web' })).toHaveLength(0);
    const t = Tool.get('echo_tool');
    expect(t.schema.parameters).toEqual([{ name: 'input', type: 'string', description: 'what to echo', required: true }]);
    expect(t.execute[HOST_METHOD]).toBe(true);
    expect(Tool.get('missing')).toBeNull();
    expect(Tool.getByName('echo-tool').name).toBe('echo_tool');
    expect(Tool.getByName('missing')).toBeNull();
  });

  test('Tool.invoke and Tool.<name> run through the execution path', async () => {
    const Tool = g.Tool as Obj;
    const r = await Tool.invoke('echo_tool', { input: 'hi' });
    expect(r.result).toEqual({ echoed: 'hi' });
    expect(JSON.parse(r.text).operation).toBe('echo');
    const byIndex = getIndexFallback(Tool)!('echo-tool') as Obj;
    expect((await byIndex.execute({ input: 'x' })).result).toEqual({ echoed: 'x' });
    expect(getIndexFallback(Tool)!('list')).toBeNull();
    // Tool.invoke is a hostAsync function: an answer it has at once is returned or thrown
    // (bridges turn it into a settled promise for JavaScript)
    expect(isHostAsync(Tool.invoke)).toBe(true);
    expect(() => Tool.invoke('nope', {})).toThrow(/^TOOL_NOT_FOUND: Tool 'nope' not found/);
    expect(() => Tool.invoke('echo_tool', { input: 1 })).toThrow(/^INVALID_ARGUMENT: echo_tool: parameter 'input'/);
    expect(() => Tool.invoke('echo_tool', 'str')).toThrow(/INVALID_ARGUMENT/);
  });

  test('JSON is declared for every engine (the JS bridge keeps the language\'s own)', () => {
    const J = g.JSON as Obj;
    expect(J.parse('{"a":[1,2,{"b":null}]}')).toEqual({ a: [1, 2, { b: null }] });
    expect(J.stringify({ a: 1 })).toBe('{"a":1}');
    expect(() => J.parse('{bad')).toThrow(/^INVALID_ARGUMENT: JSON parse error/);
    expect(Object.keys(rt.buildGlobals({ language: 'javascript' }).JSON as Obj).sort()).toEqual(['parse', 'stringify']);
  });

  test('Config masks secrets and reads dotted paths', () => {
    const C = g.Config as Obj;
    expect(C.get('runtime.script_timeout_seconds')).toBe(300);
    expect(C.get('providers.providers.x.api_key')).toBe('[REDACTED]');
    expect(C.get('nope.nothing', 'dflt')).toBe('dflt');
    expect(C.has('runtime.security')).toBe(true);
    expect(C.has('runtime.nope')).toBe(false);
  });

  test('Utils', async () => {
    const U = g.Utils as Obj;
    expect(U.uuid()).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(U.timestamp() - Date.now() / 1000)).toBeLessThan(5);
    expect(U.hash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(U.hash('abc', 'md5')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(() => U.hash('abc', 'crc')).toThrow(/unknown algorithm/);
    expect(U.hash({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(U.hash({ a: [1, { c: 3, d: 2 }], b: 1 }));
    await expect(U.sleep(0.001)).resolves.toBeNull();
    expect(() => U.sleep(-1)).toThrow(/non-negative/);
  });

  test('ARGS is an array with named fields', () => {
    const args = g.ARGS as unknown as string[] & { name: string };
    expect([...args]).toEqual(['a', 'b']);
    expect(args.name).toBe('Ada');
  });

  test('secret config values never reach tool output', async () => {
    const leak = defineTool({ name: 'leak', description: 'd', category: 'utility', securityLevel: 'safe', parameters: z.object({}), execute: () => ({ result: 'key=sk-secret-config-key-123456' }) });
    rt.registerTool(leak);
    const Tool = rt.buildGlobals({ language: 'lua' }).Tool as Obj;
    const r = await Tool.invoke('leak', {});
    expect(JSON.stringify(r)).not.toContain('sk-secret-config-key-123456');
  });

  test('a tool result that is a table is masked in result and in output alike (one object behind both)', async () => {
    const leak = defineTool({
      name: 'leak_table', description: 'd', category: 'utility', securityLevel: 'safe', parameters: z.object({}),
      execute: () => ({ result: { note: 'key=sk-secret-config-key-123456', password: 'hunter2hunter2' } }),
    });
    rt.registerTool(leak);
    const Tool = rt.buildGlobals({ language: 'lua' }).Tool as Obj;
    const r = await Tool.invoke('leak_table', {});
    expect(r.output).toEqual(r.result);
    expect(r.output.password).toBe('[REDACTED]');
    expect(JSON.stringify(r)).not.toContain('sk-secret-config-key-123456');
    expect(JSON.stringify(r)).not.toContain('hunter2hunter2');
  });
});

describe('tool discovery hook points', () => {
  test('Tool.list and Tool.discover fire BeforeToolDiscovery and AfterToolDiscovery', async () => {
    const rt = await LlmspellRuntime.create({ tools: [echo] });
    const seen: Array<{ point: string; data: Record<string, unknown> }> = [];
    rt.hooks = { hasHooks: () => true, execute: async (point, ctx) => { seen.push({ point, data: ctx.data }); return { type: 'continue' }; } };
    const g = rt.buildGlobals({ language: 'lua' }).Tool as Obj;
    g.list();
    g.discover({ category: 'utility' });
    await new Promise((r) => setImmediate(r));
    expect(seen.map((s) => s.point)).toEqual(['BeforeToolDiscovery', 'AfterToolDiscovery', 'BeforeToolDiscovery', 'AfterToolDiscovery']);
    expect(seen[3].data.tools).toEqual(['echo_tool']);
    await rt.close();
  });
});
