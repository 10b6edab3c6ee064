import {
  SCRIPT_CALLBACK, createExecutionContext, defineTool, z,
  type Component, type ComponentLookup, type ExecutionContext, type HookContext, type ScriptCallback, type ScriptValue, type Tool,
} from '@llmspell/core';
import { EventBus } from '../events/event-bus.js';
import { HookExecutor } from '../hook-executor.js';
import { HookRegistry } from '../hook-registry.js';

/**
 * A ScriptCallback exactly as the bridges implement the core interface: calling it runs the
 * function (here a JS function standing in for the Lua/JS engine) and resolves its value.
 */
export function scriptCallback(fn: (...args: ScriptValue[]) => unknown, language = 'lua'): ScriptCallback & { calls: ScriptValue[][]; released: boolean } {
  const cb = {
    [SCRIPT_CALLBACK]: true as const,
    language,
    calls: [] as ScriptValue[][],
    released: false,
    async call(...args: ScriptValue[]): Promise<ScriptValue> {
      if (cb.released) throw new Error('script callback was released');
      cb.calls.push(args);
      return (await fn(...args)) as ScriptValue;
    },
    release() {
      cb.released = true;
    },
  };
  return cb;
}

/**
 * A ScriptCallback with `callNow`, as the Lua bridge implements it: a function that answers at
 * once answers within the call (its value, or a thrown error); one that waits gives a promise.
 */
export function scriptCallbackNow(fn: (...args: ScriptValue[]) => unknown, language = 'lua'): ScriptCallback & { calls: ScriptValue[][] } {
  const cb = {
    [SCRIPT_CALLBACK]: true as const,
    language,
    calls: [] as ScriptValue[][],
    callNow(...args: ScriptValue[]): ScriptValue | Promise<ScriptValue> {
      cb.calls.push(args);
      return fn(...args) as ScriptValue | Promise<ScriptValue>;
    },
    call(...args: ScriptValue[]): Promise<ScriptValue> {
      try {
        return Promise.resolve(cb.callNow(...args));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    release() {},
  };
  return cb;
}

export function setup(): { registry: HookRegistry; executor: HookExecutor; bus: EventBus } {
  const registry = new HookRegistry();
  const bus = new EventBus();
  const executor = new HookExecutor(registry, { events: bus });
  return { registry, executor, bus };
}

export function hookContext(point: HookContext['point'], data: Record<string, unknown> = {}): HookContext {
  return {
    point,
    component_id: { id: 'system:test', type: 'system', name: 'test' },
    data,
    metadata: {},
    correlation_id: 'corr-1',
    language: 'native',
    timestamp: new Date().toISOString(),
  };
}

export const echoTool: Tool = defineTool({
  name: 'echo',
  description: 'Returns its text',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => ({ result: text }),
});

export const upperTool: Tool = defineTool({
  name: 'upper',
  description: 'Upper-cases its text',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => ({ result: text.toUpperCase() }),
});

/** A tool that fails the first `failures` times, then succeeds; counts its runs. */
export function flakyTool(failures: number, message = 'connection reset (ECONNRESET)'): Tool & { runs: number } {
  const t = defineTool({
    name: 'flaky',
    description: 'Fails a few times',
    category: 'utility',
    securityLevel: 'safe',
    parameters: z.object({}),
    execute: () => {
      t.runs += 1;
      if (t.runs <= failures) throw new Error(message);
      return { result: `ok after ${t.runs}` };
    },
  }) as Tool & { runs: number };
  t.runs = 0;
  return t;
}

export function component(kind: 'agent' | 'workflow', name: string, run: (input: unknown) => unknown): Component & { runs: number } {
  const c = {
    kind,
    name,
    description: `${kind} ${name}`,
    runs: 0,
    async run(input: unknown) {
      c.runs += 1;
      return run(input);
    },
  };
  return c;
}

export function lookup(tools: Tool[], agents: Component[] = [], workflows: Component[] = []): ComponentLookup {
  return {
    tool: (n) => tools.find((t) => t.name === n),
    agent: (n) => agents.find((a) => a.name === n),
    workflow: (n) => workflows.find((w) => w.name === n),
    tools: () => tools,
  };
}

export function context(executor: HookExecutor, bus?: EventBus, components?: ComponentLookup): ExecutionContext {
  return createExecutionContext({ hooks: executor, events: bus, components, language: 'lua' });
}
