import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SCRIPT_LIMITS, SecurityPolicy, type ScriptLimits } from '@llmspell/core';
import type { LlmspellConfig } from './config-schema.js';
import { configSearchPaths } from './load-config.js';
import { stateLocation } from './state-location.js';

export interface PolicyFromConfigOptions {
  /** Config files the runtime read (`LoadedConfig.source`); no tool may read or write them. */
  configFiles?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/**
 * The files tools may never read or write: the configs that were loaded, every place a config
 * would be looked for (a script must not plant one that raises its own limits on the next run),
 * and the file `LLMSPELL_CONFIG` names. `.env*` files are protected by the policy itself.
 */
export function protectedConfigFiles(cwd: string, options: PolicyFromConfigOptions = {}): string[] {
  const env = options.env ?? process.env;
  const home = options.home ?? env.HOME ?? os.homedir();
  const files = [...configSearchPaths(cwd, home, env), ...(options.configFiles ?? [])];
  if (env.LLMSPELL_CONFIG) files.push(path.resolve(cwd, env.LLMSPELL_CONFIG));
  return [...new Set(files)];
}

/**
 * What no tool may touch because the runtime keeps its state or code there: the state file with
 * its SQLite companions (-wal, -shm, -journal), the state directory, the backups and the user's
 * llmspell cache folder (see userCacheDir).
 */
export function protectedStatePaths(config: LlmspellConfig, cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const location = stateLocation(config, cwd, env);
  const file = location.file ? [location.file, ...['-wal', '-shm', '-journal'].map((s) => location.file + s)] : [];
  return [...location.privateDirs, ...file, userCacheDir(env)];
}

/**
 * The user's llmspell cache folder (`$XDG_CACHE_HOME/llmspell`, else `~/.cache/llmspell`;
 * a relative XDG_CACHE_HOME is ignored, as the XDG spec says). The CLI keeps the script
 * host's compiled code there (V8's code cache, run by the next `llmspell run` outside any
 * sandbox), so no tool may write it, whatever the allowed paths.
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'llmspell');
}

/** The security policy a config describes. */
export function policyFromConfig(config: LlmspellConfig, cwd: string, options: PolicyFromConfigOptions = {}): SecurityPolicy {
  const s = config.runtime.security;
  return new SecurityPolicy({
    cwd,
    allowFileAccess: s.allow_file_access,
    protectedFiles: protectedConfigFiles(cwd, options),
    protectedDirs: protectedStatePaths(config, cwd, options.env),
    allowedPaths: s.allowed_paths,
    allowPrivateNetwork: s.allow_private_network,
    allowNetwork: s.allow_network_access,
    allowProcessSpawn: s.allow_process_spawn,
    allowedExecutables: s.allowed_executables,
    maxSecurityLevel: s.max_security_level,
    maxFileBytes: s.max_file_bytes,
    maxResponseBytes: s.max_response_bytes,
    maxExtractBytes: s.max_extract_bytes,
    allowedDomains: s.allowed_domains,
    blockedDomains: s.blocked_domains,
  });
}

/**
 * Memory and time limits for scripts: the time limit is the tightest of the settings given; the memory limit is
 * `runtime.security.max_memory_bytes`, else the engine's own (`engines.lua.max_memory`,
 * `engines.javascript.max_heap_size`; Lua's when no engine is named).
 */
export function scriptLimitsFromConfig(config: LlmspellConfig, engine = 'lua'): ScriptLimits {
  const s = config.runtime.security;
  const timeouts = [config.runtime.script_timeout_seconds * 1000];
  if (s.max_execution_time_ms !== undefined) timeouts.push(s.max_execution_time_ms);
  const engineMemory = engine === 'javascript' ? config.engines.javascript.max_heap_size : config.engines.lua.max_memory;
  return {
    memoryBytes: s.max_memory_bytes ?? engineMemory ?? DEFAULT_SCRIPT_LIMITS.memoryBytes,
    timeoutMs: Math.min(...timeouts),
  };
}
