/**
 * `[agents] budget_usd` is a ceiling for scripts also before the agents package is loaded
 * (the lazy Agent global keeps the budget itself until then).
 */
import { agentsImplementationLoaded, createAgentsFeature } from '../features/agents.js';
import { LlmspellRuntime } from '../runtime.js';

type Obj = Record<string, any>;

test('Agent.setBudget may lower the configured budget, not lift or remove it, before and after loading', async () => {
  const rt = await LlmspellRuntime.create({ config: { agents: { budget_usd: 0.5 } }, features: [createAgentsFeature({ env: {} })] });
  const Agent = rt.buildGlobals({ language: 'lua' }).Agent as Obj;
  expect(() => Agent.setBudget(null)).toThrow(/^OPERATION_NOT_ALLOWED: budget removal refused: \[agents\] budget_usd = 0.5/);
  expect(() => Agent.setBudget(5)).toThrow(/^OPERATION_NOT_ALLOWED: budget of \$5 refused/);
  expect(Agent.setBudget(0.1)).toBeNull();
  expect(Agent.getBudget()).toMatchObject({ budget_usd: 0.1 });
  expect(agentsImplementationLoaded()).toBe(false);
  await expect(Agent.create({ name: 'x' })).rejects.toThrow('Model specification required');
  expect(agentsImplementationLoaded()).toBe(true);
  expect(Agent.getBudget()).toMatchObject({ budget_usd: 0.1 });
  expect(() => Agent.setBudget(null)).toThrow(/^OPERATION_NOT_ALLOWED/);
  expect(Agent.setBudget(0.5)).toBeNull();
  await rt.close();

  // Without a configured budget a script sets any, or none.
  const free = await LlmspellRuntime.create({ config: {}, features: [createAgentsFeature({ env: {} })] });
  const A = free.buildGlobals({ language: 'lua' }).Agent as Obj;
  A.setBudget(1000);
  A.setBudget(null);
  expect(A.getBudget()).toMatchObject({ budget_usd: null });
  await free.close();
});
