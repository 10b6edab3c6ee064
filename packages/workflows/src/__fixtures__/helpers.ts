import {
  createExecutionContext, defineTool, z, type Component, type ExecutionContext, type HookExecutor, type StateAccess, type Tool,
} from '@llmspell/core';

/** A StateAccess over a Map: the interface the state layer implements, for unit tests. */
export function mapState(): StateAccess & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async (scope, key) => structuredClone(data.get(`${scope}|${key}`)),
    set: async (scope, key, value) => {
      data.set(`${scope}|${key}`, structuredClone(value));
    },
    delete: async (scope, key) => data.delete(`${scope}|${key}`),
    keys: async (scope) => [...data.keys()].filter((k) => k.startsWith(`${scope}|`)).map((k) => k.slice(scope.length + 1)).sort(),
  };
}

export const upper = defineTool({
  name: 'upper', description: 'upper-cases', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ input: z.string() }),
  execute: ({ input }) => ({ result: input.toUpperCase() }),
});

export const add = defineTool({
  name: 'add', description: 'adds', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ result: { sum: a + b } }),
});

export const fail = defineTool({
  name: 'fail', description: 'always fails', category: 'utility', securityLevel: 'safe',
  parameters: z.object({}).loose(),
  execute: () => {
    throw new Error('tool failure');
  },
});

export const echoAgent: Component = {
  kind: 'agent', name: 'echo-agent', description: 'echoes',
  run: async (input) => ({ text: `agent says: ${(input as { text: string }).text}`, metadata: {} }),
};

export function context(extra: { state?: StateAccess; tools?: Tool[]; hooks?: HookExecutor; signal?: AbortSignal; workflows?: Component[]; events?: { publish(type: string, data: unknown): void } } = {}): ExecutionContext {
  const tools = new Map((extra.tools ?? [upper, add, fail]).map((t) => [t.name, t]));
  return createExecutionContext({
    state: extra.state,
    hooks: extra.hooks,
    signal: extra.signal,
    events: extra.events,
    components: {
      tool: (n) => tools.get(n),
      agent: (n) => (n === 'echo-agent' ? echoAgent : undefined),
      workflow: (n) => extra.workflows?.find((w) => w.name === n),
      tools: () => [...tools.values()],
    },
  });
}
