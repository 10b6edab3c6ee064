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

export function backups(runtime: LlmspellRuntime): BackupManager {
  const b = manager(runtime).backups;
  if (!b) throw new LlmspellError('STATE_ERROR', 'backups are disabled ([runtime.state_persistence] backup_enabled = false)');
  return b;
}

export function print(io: CliIo, args: ParsedArgs, value: unknown, text: () => string): void {
  io.stdout(args.flags.output === 'text' ? text() : JSON.stringify(value, null, 2) + '\n');
}
