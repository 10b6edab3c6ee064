import {
  createExecutionContext, defineTool, executeComponent, executeComponentNow, isPromiseLike, runMaybeSync, z,
  type EventSink, type HookExecutor, type HookPoint, type HookResult, type ToolResult,
} from '../index.js';

const upper = defineTool({
  name: 'upper', description: 'Upper-cases text', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => ({ result: text.toUpperCase() }),
});
const later = defineTool({
  name: 'later', description: 'Answers after a timer', category: 'utility', securityLevel: 'safe',
  parameters: z.object({}),
  execute: () => new Promise((resolve) => setTimeout(() => resolve({ result: 'done' }), 1)),
});
const broken = defineTool({
  name: 'broken', description: 'Throws', category: 'utility', securityLevel: 'safe',
  parameters: z.object({}),
  execute: () => {
    throw new Error('disk on fire');
  },
});

function recordingEvents(): EventSink & { types: string[] } {
  const types: string[] = [];
  return { types, publish: (type) => void types.push(type) };
}

describe('runMaybeSync', () => {
  test('finishes within the call while the steps yield plain values', () => {
    function* steps() {
      const a = (yield 1) as number;
      const b = (yield a + 1) as number;
      return a + b;
    }
    expect(runMaybeSync(steps())).toBe(3);
  });

  test('throws within the call what the steps throw before any promise', () => {
    function* steps(): Generator<unknown, never, unknown> {
      yield 1;
      throw new Error('early');
    }
    expect(() => runMaybeSync(steps())).toThrow('early');
  });

  test('goes on asynchronously from the first promise, with try/catch/finally intact', async () => {
    const trail: string[] = [];
    function* steps(): Generator<unknown, string, unknown> {
      try {
        trail.push(String(yield Promise.resolve('a')));
        trail.push(String(yield 'b'));
        yield Promise.reject(new Error('c'));
        trail.push('not reached');
      } catch (error) {
        trail.push(`caught ${(error as Error).message}`);
      } finally {
        trail.push(String(yield Promise.resolve('finally')));
      }
      return trail.join(',');
    }
    const result = runMaybeSync(steps());
    expect(isPromiseLike(result)).toBe(true);
    await expect(result).resolves.toBe('a,b,caught c,finally');
  });

  test('rejects with what the steps throw after a promise', async () => {
    function* steps(): Generator<unknown, never, unknown> {
      yield Promise.resolve();
      throw new Error('late');
    }
    await expect(runMaybeSync(steps())).rejects.toThrow('late');
  });
});

describe('executeComponentNow', () => {
  test('a synchronous tool with no hooks answers within the call, events in order', () => {
    const events = recordingEvents();
    const ctx = createExecutionContext({ events });
    const result = executeComponentNow(upper, { text: 'abc' }, ctx) as ToolResult;
    expect(isPromiseLike(result)).toBe(false);
    expect(result.result).toBe('ABC');
    expect(events.types).toEqual(['tool.started', 'tool.completed']);
  });

  test('executeComponent still returns a promise for the same call', async () => {
    const result = executeComponent(upper, { text: 'x' }, createExecutionContext());
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toMatchObject({ result: 'X' });
  });

  test('a tool that waits gives a promise', async () => {
    const result = executeComponentNow(later, {}, createExecutionContext());
    expect(isPromiseLike(result)).toBe(true);
    await expect(result).resolves.toMatchObject({ result: 'done' });
  });

  test('errors keep their codes: thrown within the call, rejected by executeComponent', async () => {
    const events = recordingEvents();
    const ctx = createExecutionContext({ events });
    expect(() => executeComponentNow(upper, { text: 1 }, ctx)).toThrow(/^INVALID_ARGUMENT: upper: parameter 'text'/);
    expect(() => executeComponentNow(broken, {}, ctx)).toThrow(expect.objectContaining({ code: 'TOOL_EXECUTION_FAILED' }));
    expect(events.types).toEqual(['tool.started', 'tool.failed']);
    const rejected = executeComponent(broken, {}, ctx);
    expect(rejected).toBeInstanceOf(Promise);
    await expect(rejected).rejects.toMatchObject({ code: 'TOOL_EXECUTION_FAILED' });
  });

  test('registered hooks make the call wait for them, and their results still count', async () => {
    const points: HookPoint[] = [];
    const hooks: HookExecutor = {
      hasHooks: (point) => point === 'BeforeToolExecution',
      execute: async (point): Promise<HookResult> => {
        points.push(point);
        return { type: 'cancel', reason: 'not today' };
      },
    };
    const result = executeComponentNow(upper, { text: 'a' }, createExecutionContext({ hooks }));
    expect(isPromiseLike(result)).toBe(true);
    await expect(result).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    expect(points).toEqual(['BeforeToolExecution']);
  });
});

describe('lifecycle events of a call', () => {
  test('started and completed carry the component, kind, attempt and duration, with the call\'s correlation id and source', () => {
    const seen: Array<{ type: string; data: unknown; options: unknown }> = [];
    const events: EventSink = { publish: (type, data, options) => void seen.push({ type, data, options: { ...options } }) };
    const ctx = createExecutionContext({ events, correlationId: 'corr-1' });
    expect(isPromiseLike(executeComponentNow(upper, { text: 'a' }, ctx))).toBe(false);
    expect(seen.map((e) => e.type)).toEqual(['tool.started', 'tool.completed']);
    expect(Object.keys(seen[1].data as object)).toEqual(['component', 'kind', 'attempt', 'duration_ms']);
    expect(seen[1].data).toMatchObject({ component: 'upper', kind: 'tool', attempt: 1 });
    expect(typeof (seen[1].data as { duration_ms: unknown }).duration_ms).toBe('number');
    for (const e of seen) expect(e.options).toEqual({ correlation_id: 'corr-1', source: 'tool:upper' });
  });
});
