import { LlmspellError, executeComponent } from '@llmspell/core';
import { assertHookCallLive, HookExecutor } from './hook-executor.js';
import { HookRegistry } from './hook-registry.js';
import { scriptHookHandler } from './script-hook.js';
import { context, echoTool, hookContext, scriptCallback, scriptCallbackNow } from './__fixtures__/helpers.js';

/** Busy-waits `ms` (a synchronous hook doing slow work). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* busy */ }
}

const slowBreaker = { failure_threshold: 3, success_threshold: 1, open_duration_ms: 60_000, slow_call_threshold: 2, slow_call_duration_ms: 5 };

function logger() {
  const lines: string[] = [];
  const log = (m: string) => {
    lines.push(m);
  };
  return { lines, logger: { debug: log, info: log, warn: log, error: log } as never };
}

describe('guards: a hook that enforces a rule fails closed', () => {
  test('slow calls that cancel never open the breaker: the third slow write is still refused', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { breaker: slowBreaker } });
    registry.register({ point: 'BeforeToolExecution', name: 'read-only', handler: () => {
      spin(8);
      return { type: 'cancel', reason: 'read-only mode' };
    } });
    for (let i = 0; i < 3; i++) {
      await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    }
    expect(registry.list('BeforeToolExecution')[0]).toMatchObject({ guard: true, circuit_breaker: { state: 'closed' } });
  });

  test('a guard slow on inputs it allows keeps its breaker closed; an observer is still switched off', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { breaker: slowBreaker } });
    registry.register({ point: 'BeforeToolExecution', name: 'guard', guard: true, handler: () => spin(8) });
    registry.register({ point: 'BeforeToolExecution', name: 'observer', handler: () => spin(8) });
    for (let i = 0; i < 3; i++) await executeComponent(echoTool, { text: 'x' }, context(executor));
    const state = Object.fromEntries(registry.list('BeforeToolExecution').map((h) => [h.name, h.circuit_breaker?.state]));
    expect(state).toEqual({ guard: 'closed', observer: 'open' });
  });

  test('a guard that fails, times out or has an open breaker refuses the operation (HOOK_ERROR)', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { breaker: { ...slowBreaker, failure_threshold: 2, slow_call_duration_ms: 1e9 } } });
    let mode: 'throw' | 'hang' = 'throw';
    registry.register({ point: 'BeforeToolExecution', name: 'policy', guard: true, timeout_ms: 20, handler: () => {
      if (mode === 'throw') throw new Error('policy file unreadable');
      return new Promise(() => undefined);
    } });
    const run = () => executeComponent(echoTool, { text: 'x' }, context(executor));
    await expect(run()).rejects.toMatchObject({ code: 'HOOK_ERROR', message: expect.stringContaining("guard hook 'policy' at BeforeToolExecution could not check this operation: it failed (HOOK_ERROR: policy file unreadable)") });
    mode = 'hang';
    await expect(run()).rejects.toMatchObject({ code: 'HOOK_ERROR', message: expect.stringContaining('timed out after 20 ms') });
    // two failures opened its breaker: the hook is not called, and the call is still refused
    await expect(run()).rejects.toMatchObject({ code: 'HOOK_ERROR', message: expect.stringContaining('its circuit breaker is open') });
  });

  test('guard = false opts out: its failures are skipped as an observer\'s', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry);
    let calls = 0;
    registry.register({ point: 'BeforeToolExecution', name: 'best-effort', guard: false, handler: () => {
      calls += 1;
      if (calls === 1) return { type: 'cancel', reason: 'first' };
      throw new Error('flaky');
    } });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).resolves.toMatchObject({ result: 'x' });
  });

  test('a cancel at a point that ignores it is logged once and does not make a guard', async () => {
    const registry = new HookRegistry();
    const { lines, logger: log } = logger();
    const executor = new HookExecutor(registry, { logger: log });
    registry.register({ point: 'WorkflowStageTransition', name: 't', handler: () => ({ type: 'cancel', reason: 'stop' }) });
    await executor.execute('WorkflowStageTransition', hookContext('WorkflowStageTransition'));
    await executor.execute('WorkflowStageTransition', hookContext('WorkflowStageTransition'));
    expect(lines.filter((l) => l.includes('returned cancel at WorkflowStageTransition, which does not stop anything there'))).toHaveLength(1);
    expect(registry.list('WorkflowStageTransition')[0].guard).toBe(false);
  });
});

describe('hook timeouts stop the hook from acting', () => {
  test('a synchronous hook that answers after its timeout: the answer is ignored and counted as a timeout', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { circuit_breaker: false } });
    registry.register({ point: 'BeforeToolExecution', name: 'late', language: 'lua', timeout_ms: 10, handler: scriptHookHandler(scriptCallbackNow(() => {
      spin(30);
      return { type: 'cancel', reason: 'late' };
    })) });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).resolves.toMatchObject({ result: 'x' });
    expect(registry.list('BeforeToolExecution')[0].stats).toMatchObject({ failures: 1, last_error: expect.stringContaining('timed out after 10 ms') });
  });

  test('an async hook past its timeout: its late answer is logged and dropped, its host calls are refused', async () => {
    const registry = new HookRegistry();
    const { lines, logger: log } = logger();
    const executor = new HookExecutor(registry, { logger: log, config: { circuit_breaker: false } });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let laterCall: unknown;
    registry.register({ point: 'BeforeToolExecution', name: 'zombie', language: 'lua', timeout_ms: 10, handler: scriptHookHandler(scriptCallback(async () => {
      await gate;
      try {
        assertHookCallLive('State.save');
        laterCall = 'allowed';
      } catch (e) {
        laterCall = e;
      }
      return { type: 'cancel', reason: 'late' };
    })) });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).resolves.toMatchObject({ result: 'x' });
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(laterCall).toBeInstanceOf(LlmspellError);
    expect(laterCall).toMatchObject({ code: 'HOOK_ERROR', message: expect.stringContaining("State.save: refused: called from hook 'zombie' at BeforeToolExecution, which timed out after 10 ms") });
    expect(lines.some((l) => l.includes('hook zombie at BeforeToolExecution answered cancel: late after its 10 ms timeout; ignored'))).toBe(true);
    // once the abandoned call ended, nothing is refused any more
    expect(() => assertHookCallLive('State.save')).not.toThrow();
  });

  test.each(['SCRIPT_TIMEOUT', 'CANCELLED', 'SCRIPT_MEMORY_LIMIT'] as const)('%s inside a hook ends the operation, without a "continuing without it"', async (code) => {
    const registry = new HookRegistry();
    const { lines, logger: log } = logger();
    const executor = new HookExecutor(registry, { logger: log });
    registry.register({ point: 'BeforeToolExecution', name: 'h', handler: () => {
      throw new LlmspellError(code, 'run ends');
    } });
    await expect(executeComponent(echoTool, { text: 'x' }, context(executor))).rejects.toMatchObject({ code });
    expect(registry.list('BeforeToolExecution')[0].stats.failures).toBe(0);
    expect(lines.filter((l) => l.includes('continuing without it'))).toEqual([]);
  });
});

describe('a chain and the hooks removed while it runs', () => {
  test('a later hook unregistered by an earlier one is not run (and does not fail)', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry);
    const order: string[] = [];
    const second = registry.register({ point: 'BeforeToolExecution', name: 'second', priority: 'low', handler: () => {
      order.push('second');
    } });
    registry.register({ point: 'BeforeToolExecution', name: 'first', priority: 'high', handler: () => {
      order.push('first');
      registry.unregister(second.id);
    } });
    await executeComponent(echoTool, { text: 'x' }, context(executor));
    expect(order).toEqual(['first']);
    expect(second.stats).toMatchObject({ calls: 0, failures: 0 });
  });
});
