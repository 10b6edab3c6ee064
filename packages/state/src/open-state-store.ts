import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { LlmspellError, type StateStore } from '@llmspell/core';

/** The part of `[runtime.state_persistence]` that picks and places the store. */
export interface StoreConfig {
  enabled?: boolean;
  backend_type?: string;
  /** SQLite file or RocksDB directory; default in the data directory. */
  path?: string;
  /** Connection string of a server backend (`postgres://user@host:5432/db`); `LLMSPELL_STATE_URL` overrides it. */
  url?: string;
  [key: string]: unknown;
}

export type Env = Record<string, string | undefined>;

/** `$XDG_DATA_HOME/llmspell`, else `~/.local/share/llmspell`. */
export function defaultDataDir(env: Env = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'llmspell');
  return join(env.HOME || homedir(), '.local', 'share', 'llmspell');
}

const BUILTIN: Record<string, { pkg: string; file: string | null }> = {
  memory: { pkg: '@llmspell/state-memory', file: null },
  sqlite: { pkg: '@llmspell/state-sqlite', file: 'state.db' },
  rocksdb: { pkg: '@llmspell/state-rocksdb', file: 'state.rocksdb' },
  postgres: { pkg: '@llmspell/state-postgres', file: null },
  postgresql: { pkg: '@llmspell/state-postgres', file: null },
};

/** Accepts the `[runtime.state_persistence]` section or a whole llmspell config holding it. */
function persistenceSection(input: unknown): StoreConfig {
  if (typeof input !== 'object' || input === null) return {};
  const nested = (input as { runtime?: { state_persistence?: unknown } }).runtime?.state_persistence;
  return (typeof nested === 'object' && nested !== null ? nested : input) as StoreConfig;
}

/** The backend name in effect: `LLMSPELL_STATE_BACKEND`, else config, else sqlite (memory when persistence is off). */
export function resolveBackend(config: StoreConfig = {}, env: Env = process.env): string {
  const fromEnv = env.LLMSPELL_STATE_BACKEND?.trim();
  if (fromEnv) return fromEnv.toLowerCase() === 'sled' ? 'sqlite' : fromEnv;
  if (config.enabled === false) return 'memory';
  const name = (config.backend_type ?? 'sqlite').trim();
  // The reference's persistent backend was sled; sqlite is ours.
  return name.toLowerCase() === 'sled' ? 'sqlite' : name;
}

export interface OpenStateStoreOptions {
  /** Base for a relative `path` (default the process's working directory). */
  cwd?: string;
  /** Loads a backend package; default dynamic `import()`. Tests inject failures through it. */
  importer?: (name: string) => Promise<unknown>;
  /**
   * Told when the store refused to open for writing (STATE_READ_ONLY: a read-only file or
   * directory) and was opened read-only instead: reads work, and only writes fail, with
   * STATE_READ_ONLY naming the path and this reason.
   */
  onReadOnly?: (error: LlmspellError) => void;
}

function isModuleMissing(error: unknown, pkg: string): boolean {
  const code = (error as { code?: string })?.code;
  const text = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(text)) && text.includes(pkg);
}

/**
 * Opens the configured store: `memory`, `sqlite` (default, `<data dir>/state.db`),
 * `rocksdb` (`<data dir>/state.rocksdb/`), `postgres` (the database at `url`), or the name
 * of any package exporting `createStateStore(options)`. `LLMSPELL_STATE_BACKEND` overrides the
 * config, `LLMSPELL_STATE_PATH` the location and `LLMSPELL_STATE_URL` the connection string.
 * The backend package is imported on demand, so only the one in use needs to be installed.
 */
export async function openStateStore(configInput: StoreConfig | { runtime?: { state_persistence?: StoreConfig } } = {}, env: Env = process.env, options: OpenStateStoreOptions = {}): Promise<StateStore> {
  const config = persistenceSection(configInput);
  const backend = resolveBackend(config, env);
  const known = BUILTIN[backend.toLowerCase()];
  const looksLikePackage = backend.startsWith('@') || backend.includes('/') || /^[a-z0-9][a-z0-9._-]*$/.test(backend);
  if (!known && !looksLikePackage) {
    throw new LlmspellError('CONFIG_INVALID', `runtime.state_persistence.backend_type '${backend}' is not a backend: use sqlite, rocksdb, postgres, memory, or the name of a package that exports createStateStore`);
  }
  const pkg = known ? known.pkg : backend;
  let path = env.LLMSPELL_STATE_PATH?.trim() || config.path;
  if (!path && known?.file) path = join(defaultDataDir(env), known.file);
  if (path && !isAbsolute(path)) path = resolve(options.cwd ?? process.cwd(), path);
  const importer = options.importer ?? ((name: string) => import(name));
  let mod: { createStateStore?: (o: Record<string, unknown>) => Promise<StateStore> | StateStore };
  try {
    mod = (await importer(pkg)) as typeof mod;
  } catch (error) {
    if (isModuleMissing(error, pkg)) {
      throw new LlmspellError('PACKAGE_NOT_INSTALLED', `the ${backend} state backend needs the package ${pkg}: install it with \`npm install ${pkg}\` (or pick another runtime.state_persistence.backend_type / LLMSPELL_STATE_BACKEND)`, { cause: error, details: { package: pkg } });
    }
    throw new LlmspellError('STATE_ERROR', `cannot load the state backend ${pkg}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof mod?.createStateStore !== 'function') {
    throw new LlmspellError('CONFIG_INVALID', `package ${pkg} does not export createStateStore(options), so it cannot be a state backend`);
  }
  const { enabled: _e, backend_type: _b, backup: _k, ...rest } = config;
  const url = env.LLMSPELL_STATE_URL?.trim() || config.url;
  const storeOptions: Record<string, unknown> = { ...rest, ...(path ? { path } : {}), ...(url ? { url } : {}) };
  try {
    return await mod.createStateStore(storeOptions);
  } catch (error) {
    // A read-only state file or directory should not stop what only reads: `state get`, a
    // script that loads state, `runs list`. Opened read-only, the store refuses writes alone.
    if ((error as LlmspellError)?.code !== 'STATE_READ_ONLY' || storeOptions.readonly === true) throw error;
    let store: StateStore;
    try {
      store = await mod.createStateStore({ ...storeOptions, readonly: true, readonlyReason: (error as LlmspellError).detail });
    } catch {
      // Not readable either (no database yet, a backend with no read-only mode): the first refusal says what to fix.
      throw error;
    }
    options.onReadOnly?.(error as LlmspellError);
    return store;
  }
}
