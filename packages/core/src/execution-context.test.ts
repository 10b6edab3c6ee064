import { getEventListeners } from 'node:events';
import { createExecutionContext } from './execution-context.js';

describe('createExecutionContext without a signal', () => {
  it('gives a real AbortSignal that is not aborted and works where Node expects one', async () => {
    const { signal } = createExecutionContext();
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
    expect(() => signal.throwIfAborted()).not.toThrow();
    expect(AbortSignal.any([signal]).aborted).toBe(false);
    const answer = await fetch('data:text/plain,ok', { signal });
    expect(await answer.text()).toBe('ok');
  });

  it('keeps a caller\'s own signal', () => {
    const controller = new AbortController();
    const ctx = createExecutionContext({ signal: controller.signal });
    controller.abort();
    expect(ctx.signal.aborted).toBe(true);
  });

  it('does not pile up abort listeners that components add and never remove', () => {
    const signals = new Set<AbortSignal>();
    for (let i = 0; i < 100; i++) {
      const { signal } = createExecutionContext();
      signals.add(signal);
      signal.addEventListener('abort', () => {}, { once: true });
    }
    // Contexts share signals (that is the point); a shared one must not keep what it can never call.
    expect(signals.size).toBeLessThan(100);
    for (const signal of signals) expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
