/**
 * The Agent global loads @llmspell/agents (and the ai SDK) only when a script creates an
 * agent; until then its other functions must answer exactly as the full global does.
 */
import type { ScriptValue } from '@llmspell/core';
import { describeGlobals } from '../api/describe-globals.js';
import { agentsImplementationLoaded, createAgentsFeature, type LazyAgentServices } from '../features/agents.js';
import { HandleTable } from '../handles.js';
import { LlmspellRuntime } from '../runtime.js';

type Obj = Record<string, any>;
const config = { providers: { providers: { lab: { provider_type: 'openai', base_url: 'http://127.0.0.1:9/v1', model: 'm' } } } };

async function boot(): Promise<{ rt: LlmspellRuntime; Agent: Obj }> {
  const rt = await LlmspellRuntime.create({ config, features: [createAgentsFeature({ env: {} })] });
  return { rt, Agent: rt.buildGlobals({ language: 'lua' }).Agent as Obj };
}

/** Every answer the global gives without creating an agent, errors included. */
function answers(Agent: Obj): unknown[] {
  const attempt = (f: () => unknown) => {
    try {
      return { value: f() };
    } catch (error) {
      return { error: (error as Error).message, code: (error as { code?: string }).code };
    }
  };
  return [
    attempt(() => Agent.get('nope')), attempt(() => Agent.list()), attempt(() => Agent.listInstances()), attempt(() => Agent.discover()),
    attempt(() => Agent.listTemplates()), attempt(() => Agent.listCapabilities()), attempt(() => Agent.discoverByCapability('tool_use')),
    attempt(() => Agent.getBudget()), attempt(() => Agent.getUsage()), attempt(() => Agent.providers()),
    attempt(() => Agent.getInfo('')), attempt(() => Agent.getInfo('llm')), attempt(() => Agent.getInfo('nope')), attempt(() => Agent.getDetails('nope')), attempt(() => Agent.wrapAsTool('nope')), attempt(() => Agent.destroy(7)),
    attempt(() => Agent.setBudget('lots')), attempt(() => Agent.setBudget(-1)), attempt(() => Agent.createComposite('x')),
  ];
}

test('Agent answers without the agents package, loads it on create, then matches the full global', async () => {
  const first = await boot();
  const before = answers(first.Agent);
  expect(first.Agent.providers()).toEqual(expect.arrayContaining(['openai', 'lab']));
  expect(first.Agent.setBudget(2)).toBeNull();
  expect(first.Agent.getBudget()).toMatchObject({ budget_usd: 2, calls: 0 });
  expect(agentsImplementationLoaded()).toBe(false);

  await expect(first.Agent.create({ name: 'x' })).rejects.toThrow("Model specification required (use 'model' field)");
  expect(agentsImplementationLoaded()).toBe(true);
  // A budget set before the package was loaded carries over.
  expect(first.Agent.getBudget()).toMatchObject({ budget_usd: 2, calls: 0 });

  const second = await boot();
  expect(answers(second.Agent)).toEqual(before);

  // Same members with the same parameter names as the full global (`llmspell types` reads them).
  const { createAgentGlobal } = await import('./agent-impl.js');
  const rt = second.rt;
  const scope = { runtime: rt, language: 'lua', handles: new HandleTable(), output: { stdout() {}, stderr() {} }, signal: new AbortController().signal, context: () => rt.createContext() };
  const full = createAgentGlobal(scope, rt.service<LazyAgentServices>('agents')!.now()!) as Record<string, ScriptValue>;
  expect(describeGlobals({ Agent: second.Agent })).toEqual(describeGlobals(full));
  await first.rt.close();
  await second.rt.close();
});

test('a bad [agents] section still fails when the runtime is created', async () => {
  await expect(LlmspellRuntime.create({ config: { agents: { budget_usd: -1 } }, features: [createAgentsFeature()] })).rejects.toThrow(/^CONFIG_INVALID: agents\.budget_usd/);
});
