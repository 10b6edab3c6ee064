import { SCRIPT_CALLBACK, defineTool, z, type Logger, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { LlmspellRuntime } from '../index.js';

type Obj = Record<string, any>;

function cb(fn: (...args: any[]) => unknown, language = 'lua'): ScriptCallback {
  return {
    [SCRIPT_CALLBACK]: true as const,
    language,
    async call(...args: ScriptValue[]) {
      return (await fn(...args)) as ScriptValue;
    },
    release() {},
  };
}

const echo = defineTool({
  name: 'echo_tool',
  description: 'Echoes',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ input: z.string() }),
  execute: ({ input }) => ({ result: input }),
});

function capture(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const log = (m: string) => {
    lines.push(m);
  };
  const logger = { debug: log, info: log, warn: log, error: log, child: () => logger } as unknown as Logger;
  return { lines, logger };
}

describe('what config puts in place holds against scripts', () => {
  let rt: LlmspellRuntime;
  let run: AbortController;
  let g: Obj;
  let lines: string[];
  beforeEach(async () => {
    const c = capture();
    lines = c.lines;
    rt = await LlmspellRuntime.create({
      tools: [echo],
      logger: c.logger,
      config: { hooks: { builtin: { cost_tracking: { budget_limit: 0.000001 }, security: { block_on_violations: true, blocked_patterns: ['forbidden-word'] } } } },
    });
    run = new AbortController();
    g = rt.buildGlobals({ language: 'lua', signal: run.signal }) as Obj;
  });
  afterEach(async () => {
    run.abort();
    await rt.close();
  });

  const blocked = () => g.Tool.invoke('echo_tool', { input: 'forbidden-word' });

  test('disable_all_builtin, disable_builtin and enable_builtin (re-configure) are refused for config built-ins', async () => {
    expect(() => g.Hook.disable_all_builtin()).toThrow(/^OPERATION_NOT_ALLOWED: Hook.disable_all_builtin: built-in hooks 'cost_tracking', 'security' come from llmspell.toml/);
    expect(() => g.Hook.disable_builtin('SecurityValidator')).toThrow(/OPERATION_NOT_ALLOWED: Hook.disable_builtin: built-in hook 'security' comes from llmspell.toml/);
    expect(() => g.Hook.enable_builtin('cost_tracking', { budget_limit: 1e9 })).toThrow(/OPERATION_NOT_ALLOWED: Hook.enable_builtin: built-in hook 'cost_tracking'/);
    expect(rt.service<Obj>('builtinHooks')!.stats('cost_tracking')).toMatchObject({ budget_usd: 0.000001 });
    await expect(blocked()).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
  });

  test('Hook.unregister / disable / enable of a config hook by id are refused', async () => {
    const ids = (g.Hook.list() as Obj[]).filter((h) => h.language === 'native').map((h) => h.id as string);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      expect(() => g.Hook.unregister(id)).toThrow(/OPERATION_NOT_ALLOWED: Hook.unregister: hook 'builtin:/);
      expect(() => g.Hook.disable(id)).toThrow(/OPERATION_NOT_ALLOWED: Hook.disable: hook 'builtin:/);
      expect(() => g.Hook.enable(id)).toThrow(/OPERATION_NOT_ALLOWED/);
    }
    await expect(blocked()).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
  });

  test('a hook registered by the host program is protected too', () => {
    const hook = rt.service<Obj>('hookRegistry')!.register({ point: 'BeforeToolExecution', name: 'host-policy', handler: () => undefined });
    expect(() => g.Hook.unregister(hook.id)).toThrow(/OPERATION_NOT_ALLOWED: Hook.unregister: hook 'host-policy'/);
  });

  test('a script still changes what it registered and what it enabled itself', () => {
    const h = g.Hook.register('BeforeToolExecution', cb(() => undefined));
    expect(g.Hook.disable(h.id())).toBe(true);
    expect(g.Hook.enable(h.id())).toBe(true);
    expect(g.Hook.unregister(h.id())).toBe(true);
    expect(g.Hook.enable_builtin('metrics')).toBe('metrics');
    expect(g.Hook.enable_builtin('metrics', { priority: 'low' })).toBe('metrics');
    const metricsId = (g.Hook.list() as Obj[]).find((x) => x.name === 'builtin:metrics')!.id;
    expect(g.Hook.disable(metricsId)).toBe(true);
    expect(g.Hook.disable_builtin('metrics')).toBe(true);
  });

  test('a point nothing fires is accepted with one warning', () => {
    g.Hook.register('SessionStart', cb(() => undefined));
    g.Hook.register('session_start', cb(() => undefined));
    g.Hook.register('BeforeToolExecution', cb(() => undefined));
    expect(lines.filter((l) => l.includes('nothing in llmspell fires'))).toEqual([
      'Hook.register: nothing in llmspell fires SessionStart yet, so this hook will not run (Hook.fire("SessionStart") runs it by hand)',
    ]);
  });

  test('Hook.register takes guard = true/false', () => {
    const h = g.Hook.register('BeforeToolExecution', cb(() => undefined), { guard: true });
    expect((g.Hook.list() as Obj[]).find((x) => x.id === h.id())).toMatchObject({ guard: true });
    expect(() => g.Hook.register('BeforeToolExecution', cb(() => undefined), { guard: 'yes' })).toThrow(/options.guard must be true or false/);
  });
});

describe('Event.publish refuses what is not data', () => {
  test.each([
    ['a function', () => cb(() => 1), '$'],
    ['a function in a table', () => ({ x: 1, f: cb(() => 1) }), '$.f'],
    ['a JS function in a list', () => [1, () => 1], '$[1]'],
    ['a Map', () => ({ m: new Map([[1, 2]]) }), '$.m'],
  ])('%s', async (_label, make, path) => {
    const rt = await LlmspellRuntime.create({});
    const run = new AbortController();
    const g = rt.buildGlobals({ language: 'javascript', signal: run.signal }) as Obj;
    try {
      expect(() => g.Event.publish('odd.x', make())).toThrow(`INVALID_ARGUMENT: Event.publish: data at ${path} is a`);
      expect(g.Event.publish('odd.x', { fine: [1, 'a', true, null, { n: 2 }] })).toBe(true);
    } finally {
      run.abort();
      await rt.close();
    }
  });
});
