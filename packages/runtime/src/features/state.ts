import { LlmspellError } from '@llmspell/core';
import { StateManager, createStateManager } from '@llmspell/state';
import { MemoryStateStore } from '@llmspell/state-memory';
import type { RuntimeFeature } from '../global-scope.js';
import { createStateGlobal } from '../state/state-global.js';

/**
 * Installs the StateManager over `runtime.stateStore` (the CLI passes the configured one;
 * default an in-memory store) as `runtime.state` and the `stateManager` service, and adds
 * the `State` global.
 */
export const stateFeature: RuntimeFeature = {
  name: 'state',
  setup(runtime) {
    if (!runtime.stateStore) runtime.stateStore = new MemoryStateStore();
    const manager = createStateManager(runtime.stateStore, runtime.config.runtime.state_persistence, {
      cwd: runtime.cwd,
      hooks: () => runtime.hooks,
      events: () => runtime.events,
      redactor: runtime.policy.secrets,
      logger: runtime.logger,
    });
    runtime.state = manager;
    runtime.services.set('stateManager', manager);
  },
  globals(scope) {
    const manager = scope.runtime.service<StateManager>('stateManager');
    if (!manager) throw new LlmspellError('INTERNAL', 'the state feature was not set up');
    return { State: createStateGlobal(scope, manager) };
  },
};
