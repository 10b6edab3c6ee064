import { randomUUID } from 'node:crypto';
import type { HookContext, HookPoint } from '@llmspell/core';
import {
  BuiltinHooks, EventBus, HookExecutor, HookRegistry, ResourceMonitor, eventBusConfigFromConfig, hooksSettingsFromConfig,
} from '@llmspell/hooks';
import type { RuntimeFeature, RuntimeHost } from '../global-scope.js';
import { createEventGlobal } from '../hooks/event-global.js';
import { createHookGlobal } from '../hooks/hook-global.js';
import { createReplayGlobal } from '../replay/replay-global.js';

async function fireSystem(runtime: RuntimeHost, point: HookPoint, data: Record<string, unknown>): Promise<void> {
  const hooks = runtime.hooks;
  if (!hooks?.hasHooks(point)) return;
  const ctx: HookContext = {
    point,
    component_id: { id: 'system:runtime', type: 'system', name: 'runtime' },
    data,
    metadata: {},
    correlation_id: randomUUID(),
    language: 'native',
    timestamp: new Date().toISOString(),
  };
  await hooks.execute(point, ctx);
}

/**
 * Installs the hook registry and executor (`runtime.hooks`), the event bus (`runtime.events`)
 * and the built-in hooks from `[hooks]` / `[events]`, fires SystemStartup / SystemShutdown,
 * and gives scripts the `Hook`, `Event` and `Replay` globals.
 */
export const hooksFeature: RuntimeFeature = {
  name: 'hooks',
  async setup(runtime) {
    const settings = hooksSettingsFromConfig(runtime.config.hooks);
    const eventsConfig = eventBusConfigFromConfig(runtime.config.events);
    const registry = new HookRegistry();
    registry.setGloballyEnabled(settings.enabled);
    const executor = new HookExecutor(registry, { config: settings.executor, logger: runtime.logger });
    // The state feature is set up after this one, so the bus looks the state layer up lazily.
    const bus = new EventBus({ config: eventsConfig, logger: runtime.logger, hooks: executor, state: () => runtime.state });
    executor.setEventSink(bus);
    const builtins = new BuiltinHooks(registry, { logger: runtime.logger, events: bus, redact: (t) => runtime.policy.redact(t) }, executor);
    for (const [name, config] of Object.entries(settings.builtin)) builtins.enable(name, config);
    runtime.hooks = executor;
    if (eventsConfig.enabled) runtime.events = bus;
    runtime.services.set('hookRegistry', registry);
    runtime.services.set('hookExecutor', executor);
    runtime.services.set('eventBus', bus);
    runtime.services.set('builtinHooks', builtins);
    const monitor = new ResourceMonitor(executor, settings.monitor);
    monitor.start();
    runtime.services.set('resourceMonitor', monitor);
    await fireSystem(runtime, 'SystemStartup', { builtin_hooks: Object.keys(settings.builtin), cwd: runtime.cwd });
  },
  globals(scope) {
    return { Hook: createHookGlobal(scope), Event: createEventGlobal(scope), Replay: createReplayGlobal(scope) };
  },
  async close(runtime) {
    runtime.service<ResourceMonitor>('resourceMonitor')?.stop();
    await fireSystem(runtime, 'SystemShutdown', {});
    await runtime.service<EventBus>('eventBus')?.close();
  },
};
