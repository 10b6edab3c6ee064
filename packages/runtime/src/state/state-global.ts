import {
  isLlmspellError,
  LlmspellError, hostAsync, isPromiseLike, isScriptCallback, type ScriptCallback, type ScriptObject, type ScriptValue,
} from '@llmspell/core';
import type { BackupMetadata, CustomTransform, StateCallOptions, StateManager } from '@llmspell/state';
import type { GlobalScope } from '../global-scope.js';

/** Host results as plain script data (drops undefined fields, copies nested values). */
function plain(value: unknown): ScriptValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as ScriptValue);
}

/**
 * rs-llmspell's backup scripts read `created_at` as Unix seconds (`os.date(fmt, b.created_at)`,
 * `os.time() - b.created_at`); the ISO time stays in `created_at_iso`.
 */
function scriptTimes<T extends { created_at: string }>(b: T): Omit<T, 'created_at'> & { created_at: number; created_at_iso: string } {
  return { ...b, created_at: Math.floor(Date.parse(b.created_at) / 1000), created_at_iso: b.created_at };
}

/** A backup's metadata for scripts, with the reference examples' `is_incremental`, `size_bytes`, `entry_count`. */
function scriptBackup(meta: BackupMetadata) {
  return {
    ...scriptTimes(meta),
    is_incremental: meta.backup_type === 'incremental',
    size_bytes: meta.compression.compressed_size,
    entry_count: meta.stats.total_entries,
  };
}

function asObject(value: ScriptValue, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || isScriptCallback(value)) throw new LlmspellError('INVALID_ARGUMENT', `${what} must be a table/object`);
  return value as Record<string, unknown>;
}

function scriptFunction(value: unknown): ((...args: unknown[]) => Promise<unknown>) | undefined {
  if (isScriptCallback(value)) {
    const cb = value as ScriptCallback;
    return async (...args: unknown[]) => {
      const out = await cb.call(...(args as ScriptValue[]));
      return out === null ? undefined : out;
    };
  }
  if (typeof value === 'function') return async (...args: unknown[]) => (value as (...a: unknown[]) => unknown)(...args);
  return undefined;
}

const toTransform = (value: unknown): CustomTransform | undefined => {
  const fn = scriptFunction(value);
  return fn ? (item, info) => fn(item, info as unknown) : undefined;
};

function present(value: ScriptValue): boolean {
  return value !== undefined && value !== null;
}

/**
 * The `State` global: scoped JSON state (`save/load/delete/list_keys`, the DOC's
 * `set/get/delete/list` in the global scope), atomic `increment` and `update`, `clear`,
 * schema migrations and backups. Lua calls return values directly; JS gets promises.
 */
export function createStateGlobal(scope: GlobalScope, manager: StateManager): ScriptObject {
  const settings = scope.runtime.config.runtime.state_persistence;
  const call = (): StateCallOptions => ({ language: scope.language });
  const backups = () => {
    if (!manager.backups) throw new LlmspellError('UNSUPPORTED', 'backups are disabled (runtime.state_persistence.backup_enabled = false)');
    return manager.backups;
  };
  const migrations = () => {
    if (settings.migration_enabled === false) throw new LlmspellError('UNSUPPORTED', 'migrations are disabled (runtime.state_persistence.migration_enabled = false)');
    return manager.migrations;
  };

  return {
    // save and load answer within the call when the store can (memory, SQLite): a script's
    // loop of State calls then never waits for the event loop
    save: hostAsync((s: ScriptValue, key: ScriptValue, value: ScriptValue) => {
      const written = manager.setNow(s as string, key as string, value, call());
      return isPromiseLike(written) ? written.then(() => null) : null;
    }),
    load: hostAsync((s: ScriptValue, key: ScriptValue) => {
      // a freshly decoded JSON value is already plain script data
      const value = manager.getNow(s as string, key as string);
      return isPromiseLike(value) ? value.then((v) => (v === undefined ? null : (v as ScriptValue))) : value === undefined ? null : (value as ScriptValue);
    }),
    delete: async (...args: ScriptValue[]) => {
      const [s, key] = args.length >= 2 && present(args[1]) ? [args[0], args[1]] : ['global', args[0]];
      return manager.delete(s as string, key as string, call());
    },
    list_keys: async (s?: ScriptValue) => manager.keys((s ?? 'global') as string),
    /** DOC form: `State.set(key, value)` in the global scope, or `State.set(scope, key, value)`. */
    set: async (...args: ScriptValue[]) => {
      if (args.length >= 3) await manager.set(args[0] as string, args[1] as string, args[2], call());
      else await manager.set('global', args[0] as string, args[1], call());
      return null;
    },
    /** DOC form: `State.get(key)` in the global scope, or `State.get(scope, key)`. */
    get: async (...args: ScriptValue[]) => {
      const [s, key] = args.length >= 2 && present(args[1]) ? [args[0], args[1]] : ['global', args[0]];
      return plain(await manager.get(s as string, key as string));
    },
    list: async (s?: ScriptValue) => manager.keys((s ?? 'global') as string),
    exists: async (...args: ScriptValue[]) => {
      const [s, key] = args.length >= 2 && present(args[1]) ? [args[0], args[1]] : ['global', args[0]];
      return manager.exists(s as string, key as string);
    },
    clear: async (s: ScriptValue) => {
      if (!present(s)) throw new LlmspellError('INVALID_ARGUMENT', 'State.clear: scope is required (use "global" to clear the global scope)');
      return manager.clear(s as string, call());
    },
    increment: async (s: ScriptValue, key: ScriptValue, delta?: ScriptValue) => {
      if (present(delta ?? null) && typeof delta !== 'number') throw new LlmspellError('INVALID_ARGUMENT', 'State.increment: delta must be a number');
      return manager.increment(s as string, key as string, (delta as number | undefined) ?? 1, call());
    },
    update: async (s: ScriptValue, key: ScriptValue, fn: ScriptValue) => {
      const f = scriptFunction(fn);
      if (!f) throw new LlmspellError('INVALID_ARGUMENT', 'State.update: fn must be a function(current) returning the new value');
      return plain(await manager.update(s as string, key as string, (current) => f(current === undefined ? null : current), call()));
    },

    migrate: async (target: ScriptValue) => {
      const m = migrations();
      const opts = typeof target === 'object' && target !== null && !Array.isArray(target) ? asObject(target, 'State.migrate options') : { target_version: target };
      const version = opts.target_version ?? opts.to ?? opts.version;
      if (!present(version as ScriptValue)) throw new LlmspellError('INVALID_ARGUMENT', 'State.migrate: target_version is required');
      return plain(await m.migrate(version, {
        dry_run: opts.dry_run === true,
        validation_level: opts.validation_level as 'none' | 'basic' | 'strict' | undefined,
        backup: typeof opts.backup === 'boolean' ? opts.backup : undefined,
      }));
    },
    migration_status: async () => {
      const status = await migrations().status();
      // With no schema the reference answered `error = "No current schema found"`, which its scripts test.
      const none = status.total_schemas === 0 && status.current_version === 'unknown';
      return plain(none ? { ...status, error: 'No current schema found' } : status);
    },
    schema_versions: () => migrations().versions(),
    register_schema: (schema: ScriptValue) => plain(migrations().registerSchema(schema)),
    register_migration: (definition: ScriptValue) => {
      const def = migrations().registerMigration(definition, toTransform);
      return { from: def.from, to: def.to, steps: def.steps.length, validation_rules: def.validation.length };
    },
    set_schema_version: async (version: ScriptValue) => {
      await migrations().setCurrentVersion(version as string);
      return null;
    },

    create_backup: async (arg?: ScriptValue) => {
      const opts = typeof arg === 'object' && arg !== null ? asObject(arg, 'State.create_backup options') : { incremental: arg === true };
      const created = await backups().create({
        incremental: opts.incremental === true,
        description: typeof opts.description === 'string' ? opts.description : undefined,
        important: opts.important === true,
      });
      // `entry_count` is the reference examples' name for the number of entries.
      return plain({ ...scriptTimes(created), entry_count: created.entries, is_incremental: created.backup_type === 'incremental' });
    },
    list_backups: async () => plain((await backups().list()).map(scriptBackup)),
    // A validation answers "not valid" for an unknown or malformed id rather than raising.
    validate_backup: async (id: ScriptValue) => {
      try {
        return plain(await backups().validate(id as string));
      } catch (error) {
        if (!isLlmspellError(error) || !['BACKUP_NOT_FOUND', 'INVALID_ARGUMENT'].includes(error.code)) throw error;
        return { valid: false, backup_id: typeof id === 'string' ? id : null, checksum_valid: false, integrity_valid: false, chain: [], errors: [error.message], warnings: [] };
      }
    },
    // Like validate_backup, an id naming no backup is answered `success = false` (the reference's
    // result shape, which its scripts check) rather than raised; other failures still raise.
    restore_backup: async (id: ScriptValue, options?: ScriptValue) => {
      const opts = asObject(options ?? null, 'State.restore_backup options');
      try {
        return plain(await backups().restore(id as string, { dry_run: opts.dry_run === true, backup_current: opts.backup_current === true }));
      } catch (error) {
        if (!isLlmspellError(error) || !['BACKUP_NOT_FOUND', 'INVALID_ARGUMENT'].includes(error.code) || typeof id !== 'string') throw error;
        return { success: false, backup_id: id, error: error.message, code: error.code };
      }
    },
    backup_info: async (id: ScriptValue) => plain(scriptBackup(await backups().info(id as string))),
    get_storage_usage: async () => plain(await backups().usage()),
    cleanup_backups: async (arg?: ScriptValue) => {
      const dryRun = typeof arg === 'object' && arg !== null ? asObject(arg, 'State.cleanup_backups options').dry_run === true : arg === true;
      const report = await backups().cleanup({ dry_run: dryRun });
      // `success`, `deleted_count`, `retained_count`: the names rs-llmspell's retention scripts check.
      return plain({ success: true, ...report, deleted_count: report.deleted.length, retained_count: report.retained });
    },
  };
}
