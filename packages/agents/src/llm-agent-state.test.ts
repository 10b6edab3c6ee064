import { createExecutionContext, type ExecutionContext, type StateAccess } from '@llmspell/core';
import type { LanguageModel as LanguageModelLike } from 'ai';
import { createAgent, type AgentDeps } from './llm-agent.js';
import { PriceTable } from './prices.js';
import { ProviderRegistry } from './provider-registry.js';
import { mockTextModel } from './testing/mock-models.js';

function depsWith(model: LanguageModelLike): AgentDeps {
  return { providers: new ProviderRegistry({ env: { OPENAI_API_KEY: 'sk-test-000000' }, modelFactory: () => model }), prices: new PriceTable() };
}

const ctx = (): ExecutionContext => createExecutionContext({
  components: { tool: () => undefined, agent: () => undefined, workflow: () => undefined, tools: () => [] },
});

function stateHolding(conversation: unknown): StateAccess {
  const data = new Map<string, unknown>([['agent:helper|conversation', conversation]]);
  return {
    get: async (s, k) => structuredClone(data.get(`${s}|${k}`)),
    set: async (s, k, v) => void data.set(`${s}|${k}`, structuredClone(v)),
    delete: async (s, k) => data.delete(`${s}|${k}`),
    keys: async () => [],
  };
}

describe('LlmAgent.loadState with a malformed saved conversation', () => {
  it.each([
    ['a bad role first', [{ role: 'bogus', content: 5 }, { foo: 1 }, 'str'], /message at index 0 has role "bogus", not one of system, user, assistant, tool/],
    ['a message without a role', [{ role: 'user', content: 'hi' }, { foo: 1 }], /message at index 1 has role nil/],
    ['a string among messages', [{ role: 'user', content: 'hi' }, 'str'], /message at index 1 is a string, not a message/],
    ['content of the wrong shape', [{ role: 'user', content: 5 }], /message at index 0 \(role user\) does not have the content a user message holds/],
    ['not a list at all', 'hello', /it is a string/],
  ])('refuses %s with STATE_ERROR naming the scope and key, and keeps the current conversation', async (_label, saved, reason) => {
    const model = mockTextModel('fine');
    const agent = await createAgent({ name: 'helper', model: 'gpt-4o' }, depsWith(model));
    await agent.run('first', ctx());
    const before = agent.getHistory();
    const error = await agent.loadState(stateHolding(saved)).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'STATE_ERROR', details: { scope: 'agent:helper', key: 'conversation' } });
    expect((error as Error).message).toMatch(/agent 'helper': the saved conversation \(scope agent:helper, key conversation\) is not a list of chat messages/);
    expect((error as Error).message).toMatch(reason);
    expect(agent.getHistory()).toEqual(before);
    // and the agent still works
    await expect(agent.run('again', ctx())).resolves.toMatchObject({ text: 'fine' });
  });

  it('loads a well-formed one, and an empty Lua table as an empty conversation', async () => {
    const agent = await createAgent({ name: 'helper', model: 'gpt-4o' }, depsWith(mockTextModel('ok')));
    const saved = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'text', text: 'hello' }] }];
    await expect(agent.loadState(stateHolding(saved))).resolves.toBe(true);
    expect(agent.getHistory()).toEqual(saved);
    await expect(agent.loadState(stateHolding({}))).resolves.toBe(true);
    expect(agent.getHistory()).toEqual([]);
    await expect(agent.loadState(stateHolding(undefined))).resolves.toBe(false);
  });
});
