import { isLlmspellError, type SecurityPolicy } from '@llmspell/core';
import { safeText } from './content.js';
import type { SpanRecorder } from './span-recorder.js';

/** State manager methods that are one state operation each (scope first, then key). */
const OPERATIONS = new Set(['get', 'exists', 'set', 'delete', 'keys', 'entries', 'clear', 'deletePrefix', 'increment', 'update']);

/**
 * The state manager seen through a span per operation (`state.set custom:notes`): scope,
 * key and outcome, never the value. Calls the manager makes to itself are not traced again.
 * Outside a run (a CLI command reading state) nothing is recorded.
 */
export function traceStateManager<T extends object>(manager: T, recorder: SpanRecorder, policy: SecurityPolicy, active: () => boolean): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(manager, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !OPERATIONS.has(prop) || typeof value !== 'function') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const method = value as (...args: unknown[]) => Promise<unknown>;
        fn = function traced(...args: unknown[]): Promise<unknown> {
          const parent = active() ? recorder.current() : undefined;
          if (!parent) return method.apply(target, args);
          const scope = typeof args[0] === 'string' ? args[0] : 'global';
          const attributes: Record<string, string> = { 'llmspell.state.operation': prop, 'llmspell.state.scope': safeText(scope, policy) };
          if (typeof args[1] === 'string' && prop !== 'deletePrefix') attributes['llmspell.state.key'] = safeText(args[1], policy);
          const span = recorder.start('state', `state.${prop} ${attributes['llmspell.state.scope']}`, attributes, parent);
          let result: Promise<unknown>;
          try {
            result = recorder.runWith(span, () => method.apply(target, args));
          } catch (error) {
            recorder.end(span, { code: isLlmspellError(error) ? error.code : 'STATE_ERROR', message: safeText(error instanceof Error ? error.message : error, policy) });
            throw error;
          }
          return Promise.resolve(result).then(
            (v) => {
              if (prop === 'get') span.data.attributes['llmspell.state.found'] = v !== undefined;
              recorder.end(span);
              return v;
            },
            (error: unknown) => {
              recorder.end(span, { code: isLlmspellError(error) ? error.code : 'STATE_ERROR', message: safeText(error instanceof Error ? error.message : error, policy) });
              throw error;
            },
          );
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
