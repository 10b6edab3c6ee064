import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LlmspellError, createLogger, type LogLevel, type StateStore } from '@llmspell/core';
import { LlmspellRuntime, applyStateLocation, builtinFeatures, loadConfig, type LoadedConfig, type StateLocation } from '@llmspell/runtime';
import { ObservabilityConfigSchema, telemetryFeature } from '@llmspell/telemetry';
import { sayConfigWarnings } from './config-warnings.js';
import { defaultEngineOf, type EngineName } from './engines.js';
import type { CliIo } from './io.js';
import { importFromProjectOrCli, loadTools, packageLoadError } from './load-tools.js';
import type { GlobalFlags } from './parse-args.js';
import { startMark } from './start-marks.js';
import { cliVersion } from './version.js';

export interface ComposeOptions {
  /** Open the configured state backend (off for commands that never touch state). */
  state?: boolean;
  /** Load tools (off for `config show`, `completion`). */
  tools?: boolean;
  /** Record runs in the history and export spans ([observability]); off for `runs` and `ui`. */
  telemetry?: boolean;
  /** Called with the config as soon as it is read (the script host starts loading its engine then). */
  onConfig?: (loaded: LoadedConfig) => void;
}

export interface CliConfig extends LoadedConfig {
  /** Where the state lives and why (`llmspell info`). */
  state: StateLocation;
}

/** Sections the runtime does not parse itself, so their unknown keys are reported too. */
const SECTIONS = { observability: ObservabilityConfigSchema };

/**
 * Reads the config with CLI flag overrides applied, and a project's state placed in the
 * project; says its near misses of known keys (every warning with --verbose).
 */
export function loadCliConfig(flags: GlobalFlags, io: CliIo): CliConfig {
  const base = loadConfig({ configPath: flags.config, cwd: io.cwd, env: io.env, sections: SECTIONS });
  sayConfigWarnings(base, flags, io);
  const loaded: CliConfig = { ...base, state: applyStateLocation(base.config, io.cwd, io.env) };
  const runtime = loaded.config.runtime;
  if (flags.timeoutSeconds !== undefined) {
    runtime.script_timeout_seconds = Math.ceil(flags.timeoutSeconds);
    runtime.security.max_execution_time_ms = Math.round(flags.timeoutSeconds * 1000);
  }
  if (flags.maxMemoryMb !== undefined) runtime.security.max_memory_bytes = Math.round(flags.maxMemoryMb * 1024 * 1024);
  return loaded;
}

/** The config's `default_engine`, for a script neither --engine nor its extension gave one. */
export function configuredEngine(flags: GlobalFlags, io: CliIo): EngineName {
  return defaultEngineOf(loadCliConfig(flags, io));
}

/**
 * Where @llmspell/state is: the CLI's own folder once it is bundled in (the published
 * package), else the state package's folder (a source checkout running lib/).
 */
function stateModuleDir(): string {
  try {
    // its package folder (backends are looked for from there up), found as require finds it:
    // the script host's CommonJS entry has no import.meta.resolve
    return path.dirname(createRequire(import.meta.url).resolve('@llmspell/state/package.json'));
  } catch {
    // bundled: the package is not installed beside the CLI
  }
  return path.dirname(fileURLToPath(import.meta.url));
}

/**
 * Opened read-only because the store refused writing (a read-only state file or directory):
 * reads and scripts that only read state still work, so the run goes on, and says so once.
 */
function warnReadOnly(error: LlmspellError, io: CliIo, recordsRuns: boolean): void {
  const history = recordsRuns ? ', and this run cannot be recorded in the run history' : '';
  io.stderr(`llmspell: warning: ${error.message}\n  state is open read-only: reading works; saving state fails with STATE_READ_ONLY${history}\n`);
}

/** The configured store, and whether it had to be opened read-only. */
async function openConfiguredStore(loaded: LoadedConfig, io: CliIo, recordsRuns: boolean): Promise<{ store?: StateStore; readOnly?: boolean }> {
  let readOnly = false;
  const store = await openStore(loaded, io, (refusal) => {
    readOnly = true;
    warnReadOnly(refusal, io, recordsRuns);
  });
  return { store, readOnly };
}

async function openStore(loaded: LoadedConfig, io: CliIo, onReadOnly: (error: LlmspellError) => void): Promise<StateStore | undefined> {
  const persistence = loaded.config.runtime.state_persistence;
  if (!persistence.enabled) return undefined;
  let stateModule: {
    openStateStore?: (config: unknown, env: NodeJS.ProcessEnv, options?: { cwd?: string; importer?: (name: string) => Promise<unknown>; onReadOnly?: (error: LlmspellError) => void }) => Promise<StateStore>;
  };
  try {
    stateModule = (await import('@llmspell/state')) as typeof stateModule;
  } catch {
    return undefined;
  }
  if (typeof stateModule.openStateStore !== 'function') return undefined;
  // A backend package is looked for where the state package sees it (the backends installed
  // with the CLI, and any installed globally next to it), then in the project (rocksdb added
  // with `npm i` there). SQLite, the CLI's own dependency, is a literal import (bundled).
  // (found only for such a backend: the search costs a default run's start a few ms)
  const importer = (name: string) => (name === '@llmspell/state-sqlite' ? import('@llmspell/state-sqlite') : importFromProjectOrCli(name, io.cwd, [stateModuleDir()]));
  try {
    return await stateModule.openStateStore(loaded.config, io.env, { cwd: io.cwd, importer, onReadOnly });
  } catch (error) {
    // The state package blames the backend package for any missing module: say what is missing.
    const pkg = (error as LlmspellError).details?.package;
    if ((error as LlmspellError).code !== 'PACKAGE_NOT_INSTALLED' || typeof pkg !== 'string') throw error;
    throw packageLoadError((error as Error).cause, pkg, 'the state backend set by runtime.state_persistence.backend_type');
  }
}

export async function composeRuntime(flags: GlobalFlags, io: CliIo, options: ComposeOptions = {}): Promise<{ runtime: LlmspellRuntime; loaded: LoadedConfig }> {
  const loaded = loadCliConfig(flags, io);
  startMark('host: config loaded');
  options.onConfig?.(loaded);
  const level: LogLevel = flags.verbose ? 'debug' : flags.quiet ? 'error' : 'info';
  // Loading the tool packages and opening the store overlap (file reads, the SQLite open).
  const [toolsResult, storeResult] = await Promise.allSettled([
    options.tools === false ? [] : loadTools(loaded.config, io.cwd).finally(() => startMark('host: tools loaded')),
    options.state === false ? undefined : openConfiguredStore(loaded, io, options.telemetry !== false).finally(() => startMark('host: store open')),
  ]);
  if (toolsResult.status === 'rejected') {
    if (storeResult.status === 'fulfilled') await storeResult.value?.store?.close();
    throw toolsResult.reason;
  }
  if (storeResult.status === 'rejected') throw storeResult.reason;
  const tools = toolsResult.value;
  const stateStore = storeResult.value?.store;
  // The warning above said the run goes unrecorded; telemetry need not fail at each write to say it again.
  if (storeResult.value?.readOnly) loaded.config.observability = { ...loaded.config.observability, history_runs: 0 };
  let runtime: LlmspellRuntime | undefined;
  try {
    runtime = await LlmspellRuntime.create({
      config: loaded.config,
      tools,
      stateStore,
      cwd: io.cwd,
      configFiles: loaded.source ? [loaded.source] : [],
      features: options.telemetry === false ? builtinFeatures : [...builtinFeatures, telemetryFeature({ env: io.env, version: cliVersion() })],
      logger: createLogger({ level, sink: (line) => io.stderr(line + '\n'), redact: (t) => runtime?.policy.redact(t) ?? t }),
    });
  } catch (error) {
    await stateStore?.close();
    throw error;
  }
  startMark('host: runtime created');
  if (options.tools !== false) {
    // The MCP global's connector, and the tools of the configured MCP servers.
    const { attachMcp } = await import('./attach-mcp.js');
    await attachMcp(runtime, io, { lazy: true }).catch(async (error: unknown) => {
      await runtime!.close();
      throw error;
    });
  }
  return { runtime, loaded };
}

export function notFound(what: string): LlmspellError {
  return new LlmspellError('NOT_FOUND', what);
}
