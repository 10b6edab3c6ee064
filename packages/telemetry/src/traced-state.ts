import { isLlmspellError, type SecurityPolicy } from '@llmspell/core';
import { safeText } from './content.js';
import type { SpanRecorder } from './span-recorder.js';

/**
 * State manager methods that are one state operation each (scope first, then key), by the
 * operation's name: `setNow`/`getNow` are `set`/`get` answering within the call when the store
 * can (a script's State.save/State.load), traced the same way and kept synchronous.
 */
const OPERATIONS = new Map<string, string>([
  ['get', 'get'], ['getNow', 'get'], ['exists', 'exists'], ['set', 'set'], ['setNow', 'set'], ['delete', 'delete'], ['keys', 'keys'],
  ['entries', 'entries'], ['clear', 'clear'], ['deletePrefix', 'deletePrefix'], ['increment', 'increment'], ['update', 'update'],
]);

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/**
 * The state manager seen through a span per operation (`state.set custom:notes`): scope,
 * key and outcome, never the value. Calls the manager makes to itself are not traced again.
 * Outside a run (a CLI command reading state) nothing is recorded.
 */
export function traceStateManager<T extends object>(manager: T, recorder: SpanRecorder, policy: SecurityPolicy, active: () => boolean): T {
  const wrapped = new Map<PropertyKey, unknown>();
  // Scopes and keys recur (a loop saving one key): each is masked once, until a secret is added.
  const masked = new Map<string, string>();
  let secretsKnown = -1;
  const safe = (text: string): string => {
    if (policy.secrets.size !== secretsKnown) {
      masked.clear();
      secretsKnown = policy.secrets.size;
    }
    let out = masked.get(text);
    if (out === undefined) {
      out = safeText(text, policy);
      if (masked.size >= 1024) masked.clear();
      masked.set(text, out);
    }
    return out;
  };
  return new Proxy(manager, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      const op = typeof prop === 'string' ? OPERATIONS.get(prop) : undefined;
      if (op === undefined || typeof value !== 'function') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const method = value as (...args: unknown[]) => unknown;
        fn = function traced(...args: unknown[]): unknown {
          const parent = active() ? recorder.current() : undefined;
          if (!parent) return method.apply(target, args);
          const scope = typeof args[0] === 'string' ? args[0] : 'global';
          const attributes: Record<string, string> = { 'llmspell.state.operation': op, 'llmspell.state.scope': safe(scope) };
          if (typeof args[1] === 'string' && op !== 'deletePrefix') attributes['llmspell.state.key'] = safe(args[1]);
          const span = recorder.start('state', `state.${op} ${attributes['llmspell.state.scope']}`, attributes, parent);
          let result: unknown;
          try {
            result = recorder.runWith(span, () => method.apply(target, args));
          } catch (error) {
            recorder.end(span, { code: isLlmspellError(error) ? error.code : 'STATE_ERROR', message: safeText(error instanceof Error ? error.message : error, policy) });
            throw error;
          }
          const done = (v: unknown) => {
            if (op === 'get') span.data.attributes['llmspell.state.found'] = v !== undefined;
            recorder.end(span);
            return v;
          };
          if (!isPromiseLike(result)) return done(result);
          return Promise.resolve(result).then(
            done,
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
