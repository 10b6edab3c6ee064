import { isAbsolute, join, resolve } from 'node:path';
import { LlmspellError, type EventSink, type HookExecutor, type Logger, type SecretRedactor, type StateStore } from '@llmspell/core';
import { defaultDataDir, type Env } from './open-state-store.js';
import { StateManager } from './state-manager.js';
import type { SecretValuePolicy } from './value-codec.js';

/** `[runtime.state_persistence]` as the manager reads it (all optional, defaults as documented). */
export interface StatePersistenceSettings {
  backup_enabled?: boolean;
  backup_on_migration?: boolean;
  max_state_size_bytes?: number;
  secret_values?: SecretValuePolicy;
  backup?: {
    backup_dir?: string;
    compression_enabled?: boolean;
    /** `none` stores backups uncompressed; any other value is gzip (the only algorithm). */
    compression_type?: string;
    compression_level?: number;
    incremental_enabled?: boolean;
    max_backups?: number;
    max_backup_age?: number;
    /** Environment variable holding the key that signs backups (HMAC-SHA256). */
    signing_key_env?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ManagerFromConfigOptions {
  env?: Env;
  cwd?: string;
  hooks?: HookExecutor | (() => HookExecutor | undefined);
  events?: EventSink | (() => EventSink | undefined);
  redactor?: SecretRedactor;
  logger?: Logger;
}

/** The backup directory: `backup.backup_dir` (relative to cwd), else `<data dir>/backups`. */
export function resolveBackupDir(settings: StatePersistenceSettings = {}, env: Env = process.env, cwd = process.cwd()): string {
  const dir = settings.backup?.backup_dir;
  if (dir) return isAbsolute(dir) ? dir : resolve(cwd, dir);
  return join(defaultDataDir(env), 'backups');
}

/** Reads the backup signing key when a backup operation needs it; unset is a clear error then. */
function signingKeyFromEnv(name: string, env: Env): () => string {
  return () => {
    const value = env[name];
    if (!value) {
      throw new LlmspellError('CONFIG_INVALID', `backup.signing_key_env names ${name}, which is not set: backups cannot be signed or checked`, { details: { env: name } });
    }
    return value;
  };
}

/** A StateManager configured from `[runtime.state_persistence]`, as the runtime and the CLI build it. */
export function createStateManager(store: StateStore, settings: StatePersistenceSettings = {}, options: ManagerFromConfigOptions = {}): StateManager {
  const backup = settings.backup ?? {};
  return new StateManager({
    store,
    hooks: options.hooks,
    events: options.events,
    redactor: options.redactor,
    logger: options.logger,
    secretValues: settings.secret_values ?? 'redact',
    maxValueBytes: settings.max_state_size_bytes ?? 10_000_000,
    backupOnMigration: settings.backup_on_migration ?? true,
    backup: settings.backup_enabled === false ? undefined : {
      dir: resolveBackupDir(settings, options.env, options.cwd),
      compression: (backup.compression_enabled ?? true) && backup.compression_type?.toLowerCase() !== 'none',
      compressionLevel: backup.compression_level ?? 3,
      incrementalEnabled: backup.incremental_enabled ?? true,
      maxBackups: backup.max_backups ?? 10,
      maxBackupAgeSeconds: backup.max_backup_age ?? 2_592_000,
      signingKey: backup.signing_key_env ? signingKeyFromEnv(backup.signing_key_env, options.env ?? process.env) : undefined,
    },
  });
}
