import fs from 'node:fs';
import path from 'node:path';
import { defaultDataDir, resolveBackend } from '@llmspell/state';
import type { LlmspellConfig } from './config-schema.js';

/** The file each local backend keeps in the state directory. */
const STATE_FILES: Record<string, string> = { sqlite: 'state.db', rocksdb: 'state.rocksdb' };

/** The project folder holding its state, backups and editor types (git-ignored by `llmspell init`). */
export const PROJECT_STATE_DIR = '.llmspell';

export interface StateLocation {
  /** The backend in effect (`sqlite`, `rocksdb`, `memory`, `postgres`…). */
  backend: string;
  /** The SQLite file or RocksDB directory; null for backends without a local file. */
  file: string | null;
  /** The project whose `llmspell.toml` put the state beside it, or null. */
  project: string | null;
  /** Why the state is where it is, for `llmspell info`. */
  reason: string;
  /** Directories only the runtime touches (state, backups): file tools are refused there. */
  privateDirs: string[];
}

/** The nearest directory at or above `cwd` holding an `llmspell.toml`, or null. */
export function findProjectDir(cwd: string): string | null {
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'llmspell.toml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Where the state lives, and why: `LLMSPELL_STATE_PATH`, else `runtime.state_persistence.path`,
 * else, inside a project (an `llmspell.toml` in the working directory or above),
 * `<project>/.llmspell/`, else the user data directory (`$XDG_DATA_HOME/llmspell`). So two
 * projects never share state, and scripts run outside any project share the user's.
 */
export function stateLocation(config: LlmspellConfig, cwd: string, env: NodeJS.ProcessEnv = process.env): StateLocation {
  const persistence = config.runtime.state_persistence;
  const backend = resolveBackend(persistence, env);
  const project = findProjectDir(cwd);
  const dataDir = project ? path.join(project, PROJECT_STATE_DIR) : defaultDataDir(env);
  const backupDir = persistence.backup?.backup_dir ? path.resolve(cwd, persistence.backup.backup_dir) : path.join(dataDir, 'backups');
  const fileName = STATE_FILES[backend.toLowerCase()];
  const privateDirs = [...new Set([dataDir, backupDir])];
  const fromEnv = env.LLMSPELL_STATE_PATH?.trim();
  if (!fileName) return { backend, file: null, project, reason: `the ${backend} backend keeps no local file`, privateDirs };
  if (fromEnv) return { backend, file: path.resolve(cwd, fromEnv), project, reason: 'set by LLMSPELL_STATE_PATH', privateDirs };
  if (persistence.path) return { backend, file: path.resolve(cwd, persistence.path), project, reason: 'set by runtime.state_persistence.path', privateDirs };
  const reason = project
    ? `project state: ${path.join(project, 'llmspell.toml')} found`
    : `user data directory: no llmspell.toml in ${path.resolve(cwd)} or above`;
  return { backend, file: path.join(dataDir, fileName), project, reason, privateDirs };
}

/**
 * Puts a project's state in the project: fills `state_persistence.path` and the backup
 * directory when neither the config nor the environment chose them. Returns where the state is.
 */
export function applyStateLocation(config: LlmspellConfig, cwd: string, env: NodeJS.ProcessEnv = process.env): StateLocation {
  const location = stateLocation(config, cwd, env);
  const persistence = config.runtime.state_persistence;
  if (location.project) {
    const dir = path.join(location.project, PROJECT_STATE_DIR);
    if (location.file && !persistence.path && !env.LLMSPELL_STATE_PATH?.trim()) persistence.path = location.file;
    if (!persistence.backup.backup_dir) persistence.backup.backup_dir = path.join(dir, 'backups');
  }
  return location;
}
