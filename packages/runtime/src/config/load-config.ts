import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { LlmspellError, isLlmspellError } from '@llmspell/core';
import { LlmspellConfigSchema, normalizeProviders, type LlmspellConfig } from './config-schema.js';
import { findProjectDir } from './state-location.js';
import { findUnknownKeys, type SectionSchemas, type UnknownKey } from './unknown-keys.js';

export interface LoadConfigOptions {
  /** `--config` / `LLMSPELL_CONFIG`: must exist when given. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /**
   * Schemas of sections other packages read (the config schema keeps them as records), so
   * their unknown keys are reported too: the CLI gives `{ observability: ObservabilityConfigSchema }`.
   */
  sections?: SectionSchemas;
}

export interface LoadedConfig {
  config: LlmspellConfig;
  /** The file read, or null when built-in defaults were used. */
  source: string | null;
  /** Keys llmspell does not read (kept, not errors: `file:line: unknown key 'a.b' is ignored`) and similar notes. */
  warnings: string[];
  /** The warnings about unknown keys that are near misses of a key llmspell reads: typos, most likely. */
  typos: string[];
}

/**
 * The reference's search order (api.md 9.3), plus the `llmspell.toml` of the project the
 * working directory is in (the nearest one above it), so a script run from a subfolder gets
 * its project's config (and state).
 */
export function configSearchPaths(cwd: string, home: string, env: NodeJS.ProcessEnv): string[] {
  const configDir = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const project = findProjectDir(cwd);
  return [
    path.join(home, '.llmspell', 'config.toml'),
    path.join(cwd, 'llmspell.toml'),
    path.join(cwd, '.llmspell.toml'),
    path.join(cwd, 'config', 'llmspell.toml'),
    path.join(cwd, '.config', 'llmspell.toml'),
    ...(project ? [path.join(project, 'llmspell.toml')] : []),
    path.join(home, '.llmspell.toml'),
    path.join(home, '.config', 'llmspell.toml'),
    path.join(configDir, 'llmspell', 'config.toml'),
  ];
}

function parseBool(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new LlmspellError('CONFIG_INVALID', `environment variable ${name}=${value} must be true or false`);
}

function parsePositive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new LlmspellError('CONFIG_INVALID', `environment variable ${name}=${value} must be a positive number`);
  return n;
}

function setPath(root: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = root;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/**
 * Environment overrides, applied also when the file came from `--config` (the
 * reference skipped them then; users expect the environment to win).
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const map: Array<[string, string, (name: string, v: string) => unknown]> = [
    ['LLMSPELL_DEFAULT_ENGINE', 'default_engine', (_n, v) => v],
    ['LLMSPELL_DEFAULT_PROVIDER', 'providers.default_provider', (_n, v) => v],
    ['LLMSPELL_ALLOW_FILE_ACCESS', 'runtime.security.allow_file_access', parseBool],
    ['LLMSPELL_ALLOW_NETWORK_ACCESS', 'runtime.security.allow_network_access', parseBool],
    ['LLMSPELL_ALLOW_PRIVATE_NETWORK', 'runtime.security.allow_private_network', parseBool],
    ['LLMSPELL_ALLOW_PROCESS_SPAWN', 'runtime.security.allow_process_spawn', parseBool],
    ['LLMSPELL_ALLOWED_PATHS', 'runtime.security.allowed_paths', (_n, v) => v.split(path.delimiter).filter(Boolean)],
    ['LLMSPELL_MAX_MEMORY_MB', 'runtime.security.max_memory_bytes', (n, v) => Math.round(parsePositive(n, v) * 1024 * 1024)],
    ['LLMSPELL_SCRIPT_TIMEOUT', 'runtime.script_timeout_seconds', (n, v) => Math.ceil(parsePositive(n, v))],
    ['LLMSPELL_ENABLE_STREAMING', 'runtime.enable_streaming', parseBool],
    ['LLMSPELL_STATE_BACKEND', 'runtime.state_persistence.backend_type', (_n, v) => v],
    ['LLMSPELL_STATE_PATH', 'runtime.state_persistence.path', (_n, v) => v],
    ['LLMSPELL_STATE_URL', 'runtime.state_persistence.url', (_n, v) => v],
    ['LLMSPELL_QUEUE_URL', 'queue.url', (_n, v) => v],
    ['LLMSPELL_DISTRIBUTE_WORKFLOWS', 'queue.distribute_workflows', parseBool],
    ['LLMSPELL_BACKUP_DIR', 'runtime.state_persistence.backup.backup_dir', (_n, v) => v],
  ];
  for (const [name, key, convert] of map) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, key, convert(name, value));
  }
}

/** Best-effort line of `key` inside its `[section]` in TOML text, for error messages. */
export function findKeyLine(text: string, keyPath: Array<string | number>): number | null {
  const lines = text.split(/\r?\n/);
  const names = keyPath.filter((k): k is string => typeof k === 'string');
  const leaf = names[names.length - 1];
  if (!leaf) return null;
  const section = names.slice(0, -1).join('.');
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const header = line.match(/^\[\[?\s*([^\]]+?)\s*\]\]?/);
    if (header) {
      current = header[1].replace(/["']/g, '');
      if (current === names.join('.')) return i + 1;
      continue;
    }
    const kv = line.match(/^["']?([A-Za-z0-9_.-]+)["']?\s*=/);
    if (!kv) continue;
    const full = current ? `${current}.${kv[1]}` : kv[1];
    if (full === names.join('.') || (kv[1] === leaf && current === section)) return i + 1;
  }
  return null;
}

/**
 * Keys of rs-llmspell's RuntimeConfig that llmspell accepts (so the reference's configs load)
 * but does not act on, each with the value llmspell behaves as (`undefined`: no value is acted
 * on). Set to anything else, they are reported as warnings (`llmspell validate`, `--verbose`).
 */
const NO_EFFECT: Array<[key: string, behavesAs: unknown, why: string]> = [
  ['runtime.max_concurrent_scripts', undefined, 'a run is one script in its own process; queue workers take [queue] concurrency'],
  ['runtime.enable_streaming', true, 'streaming is always available (--stream, agent streams)'],
  ['runtime.state_persistence.schema_directory', undefined, 'schemas and migrations are registered by scripts (State.register_schema, register_migration)'],
  ['engines.lua.stdlib', 'safe', 'Lua scripts always get the sandboxed library set (no io, os.execute, require, debug)'],
  ['engines.lua.debug', false, 'the Lua debug library is never available to scripts'],
  ['engines.lua.package_paths', [], 'Lua scripts cannot require modules'],
  ['engines.javascript.strict_mode', true, 'JavaScript scripts run as ES modules, always strict'],
  ['engines.javascript.enable_console', true, 'console is always available to JavaScript scripts'],
  ['engines.javascript.module_resolution', 'node', 'JavaScript scripts cannot import modules'],
];

/** Backup compression llmspell has: gzip, or none. */
const BACKUP_COMPRESSION = ['gzip', 'none'];

function valueAt(root: unknown, dotted: string): unknown {
  let node = root;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Warnings for keys set to what llmspell does not do (see NO_EFFECT), and an unavailable compression. */
function behaviourWarnings(raw: unknown, config: LlmspellConfig): string[] {
  const warnings: string[] = [];
  for (const [key, behavesAs, why] of NO_EFFECT) {
    const value = valueAt(raw, key);
    if (value === undefined || JSON.stringify(value) === JSON.stringify(behavesAs)) continue;
    warnings.push(`${key} = ${JSON.stringify(value)} has no effect in llmspell: ${why}`);
  }
  const compression = config.runtime.state_persistence.backup.compression_type;
  if (!BACKUP_COMPRESSION.includes(compression.toLowerCase())) {
    warnings.push(`runtime.state_persistence.backup.compression_type = ${JSON.stringify(compression)} is not available: backups use gzip ("gzip" or "none")`);
  }
  return warnings;
}

/** `file:line: ` (as much of it as is known) before a message about a key. */
function keyLocation(file: string | null, line: number | null): string {
  return file ? `${file}${line ? `:${line}` : ''}: ` : '';
}

function unknownKeyWarning(key: UnknownKey, file: string | null, text: string | undefined): string {
  const line = text ? findKeyLine(text, key.path) : null;
  const hint = key.suggestion === undefined ? '' : ` (did you mean '${key.suggestion}'?)`;
  return `${keyLocation(file, line)}unknown key '${key.path.join('.')}' is ignored${hint}`;
}

/**
 * Validates raw config data; errors name the file, the key and the line. Unknown keys are
 * warnings (`sections`: see LoadConfigOptions), near misses of known ones also `typos`.
 */
export function validateConfig(given: unknown, file: string | null, text?: string, sections?: SectionSchemas): LoadedConfig {
  let raw: unknown;
  try {
    raw = normalizeProviders(given);
  } catch (error) {
    const line = text && isLlmspellError(error) ? findKeyLine(text, String(error.details?.key ?? '').split('.')) : null;
    throw isLlmspellError(error) ? new LlmspellError(error.code, `${keyLocation(file, line)}${error.detail}`, { details: { ...error.details, file, line } }) : error;
  }
  // jitless: parsed once per process, where zod's compiled fast path for a schema this large
  // costs several times the parse itself (a tenth of a script host's setup)
  const parsed = LlmspellConfigSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String).join('.');
    const line = text ? findKeyLine(text, issue.path as Array<string | number>) : null;
    throw new LlmspellError('CONFIG_INVALID', `${keyLocation(file, line)}invalid value for '${key}': ${issue.message}`, {
      details: { file, key, line },
    });
  }
  const warnings: string[] = [];
  const typos: string[] = [];
  for (const key of findUnknownKeys(raw, sections)) {
    const warning = unknownKeyWarning(key, file, text);
    warnings.push(warning);
    if (key.suggestion !== undefined) typos.push(warning);
  }
  warnings.push(...behaviourWarnings(raw, parsed.data));
  return { config: parsed.data, source: file, warnings, typos };
}

const isRelativePath = (v: unknown): v is string => typeof v === 'string' && v !== '' && !path.isAbsolute(v);

function tableAt(raw: Record<string, unknown>, keys: string[]): Record<string, unknown> | undefined {
  let t: unknown = raw;
  for (const k of keys) {
    t = t && typeof t === 'object' && !Array.isArray(t) ? (t as Record<string, unknown>)[k] : undefined;
  }
  return t && typeof t === 'object' && !Array.isArray(t) ? (t as Record<string, unknown>) : undefined;
}

/**
 * The project's `llmspell.toml`, found from a folder below it, means its relative paths from
 * the project: the state file, backups, allowed roots and plugin paths stay the same wherever
 * in the project a command runs (from the working directory, `path = "./state.db"` in a
 * subfolder was a second, empty store). Other configs keep the working directory, as
 * rs-llmspell read them (a `config/llmspell.toml` names paths from the project root).
 */
function anchorRelativePaths(raw: Record<string, unknown>, base: string): void {
  const security = tableAt(raw, ['runtime', 'security']);
  if (Array.isArray(security?.allowed_paths)) security.allowed_paths = security.allowed_paths.map((p) => (isRelativePath(p) ? path.resolve(base, p) : p));
  const persistence = tableAt(raw, ['runtime', 'state_persistence']);
  if (persistence && isRelativePath(persistence.path)) persistence.path = path.resolve(base, persistence.path);
  const backup = tableAt(raw, ['runtime', 'state_persistence', 'backup']);
  if (backup && isRelativePath(backup.backup_dir)) backup.backup_dir = path.resolve(base, backup.backup_dir);
  const tools = tableAt(raw, ['tools']);
  // a path names a plugin being written (`./my-plugin`); a bare name is a package
  if (Array.isArray(tools?.packages)) tools.packages = tools.packages.map((p) => (typeof p === 'string' && /^\.\.?(\/|\\|$)/.test(p) ? path.resolve(base, p) : p));
}

/** Finds, parses, overrides from the environment and validates the configuration. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = options.home ?? env.HOME ?? os.homedir();
  const explicit = options.configPath ?? env.LLMSPELL_CONFIG;
  let file: string | null = null;
  if (explicit) {
    file = path.resolve(cwd, explicit);
    if (!fs.existsSync(file)) throw new LlmspellError('CONFIG_NOT_FOUND', `Configuration file not found: ${file}`, { details: { file } });
  } else {
    file = configSearchPaths(cwd, home, env).find((p) => fs.existsSync(p)) ?? null;
  }
  let raw: Record<string, unknown> = {};
  let text: string | undefined;
  if (file) {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new LlmspellError('CONFIG_INVALID', `${file}: cannot read: ${(error as Error).message}`, { details: { file } });
    }
    try {
      raw = parseToml(text) as Record<string, unknown>;
    } catch (error) {
      const line = error instanceof TomlError ? error.line : undefined;
      const msg = (error as Error).message.split('\n')[0];
      throw new LlmspellError('CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: TOML syntax error: ${msg}`, { details: { file, line } });
    }
  }
  if (file && !explicit && path.basename(file) === 'llmspell.toml' && path.dirname(file) !== path.resolve(cwd) && path.dirname(file) === findProjectDir(cwd)) {
    anchorRelativePaths(raw, path.dirname(file));
  }
  applyEnvOverrides(raw, env);
  return validateConfig(raw, file, text, options.sections);
}
