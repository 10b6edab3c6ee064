import { LlmspellError } from '@llmspell/core';
import type { LlmspellRuntime } from '@llmspell/runtime';
import type { BackupManager, StateManager } from '@llmspell/state';
import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';

export function manager(runtime: LlmspellRuntime): StateManager {
  const m = runtime.service<StateManager>('stateManager');
  if (!m) throw new LlmspellError('STATE_ERROR', 'state is not available (is [runtime.state_persistence] enabled?)');
  return m;
}

/**
 * The state manager, for a command whose effect must outlive it (`state set`, `backup create`):
 * a store that keeps nothing past the process (the memory backend, or state persistence off)
 * would report success and lose the data at once, so the command is refused instead.
 */
export function persistentManager(runtime: LlmspellRuntime, command: string): StateManager {
  const m = manager(runtime);
  if (!m.store.persistent) {
    const off = runtime.config.runtime.state_persistence.enabled === false;
    const why = off ? 'state persistence is off ([runtime.state_persistence] enabled = false)' : `the state backend is '${m.store.name}', which keeps nothing after the command ends`;
    throw new LlmspellError('STATE_ERROR', `\`llmspell ${command}\` needs a persistent state store, and ${why}: set [runtime.state_persistence] enabled = true and backend_type = "sqlite" (or LLMSPELL_STATE_BACKEND=sqlite)`, {
      details: { backend: m.store.name, command },
    });
  }
  return m;
}

export function backups(runtime: LlmspellRuntime): BackupManager {
  const b = manager(runtime).backups;
  if (!b) throw new LlmspellError('STATE_ERROR', 'backups are disabled ([runtime.state_persistence] backup_enabled = false)');
  return b;
}

export function print(io: CliIo, args: ParsedArgs, value: unknown, text: () => string): void {
  io.stdout(args.flags.output === 'text' ? text() : JSON.stringify(value, null, 2) + '\n');
}
