import type { BuiltinHooks, EventBus, HookExecutor, HookRegistry } from '@llmspell/hooks';
import { LlmspellError } from '@llmspell/core';
import type { RuntimeHost } from '../global-scope.js';

export interface HookServices {
  registry: HookRegistry;
  executor: HookExecutor;
  bus: EventBus;
  builtins: BuiltinHooks;
}

/** The hook registry, executor, event bus and built-ins the hooks feature installed. */
export function hookServices(runtime: RuntimeHost): HookServices {
  const registry = runtime.service<HookRegistry>('hookRegistry');
  const executor = runtime.service<HookExecutor>('hookExecutor');
  const bus = runtime.service<EventBus>('eventBus');
  const builtins = runtime.service<BuiltinHooks>('builtinHooks');
  if (!registry || !executor || !bus || !builtins) {
    throw new LlmspellError('INTERNAL', 'the hooks feature is not installed in this runtime');
  }
  return { registry, executor, bus, builtins };
}
