import type { LoadedConfig, ScriptArgs } from '@llmspell/runtime';
import type { IsolatedSetup, IsolatedSetupContext } from '@llmspell/runtime/isolation';
import { TELEMETRY_SERVICE, type Telemetry } from '@llmspell/telemetry';
import { composeRuntime } from './compose-runtime.js';
import { CONFIG_WARNING_EVENT } from './config-warnings.js';
import { defaultEngineOf, loadEngine, normalizeEngineName, preloadEngine, type EngineName } from './engines.js';
import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';
import { PROGRESS_EVENTS, progressData } from './progress.js';
import { startMark } from './start-marks.js';

/** Set by the host entry with this setup built in (dist/host/script-host.mjs). */
export const BUNDLED_HOST_ENTRY = Symbol.for('llmspell.cli.bundledHostEntry');
const isBundledEntry = () => (globalThis as Record<symbol, unknown>)[BUNDLED_HOST_ENTRY] === true;

/** Writes the host bundle's code cache when its loader asked for it (see host-code-cache.ts). */
function writeCodeCache(): void {
  (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('llmspell.cli.writeCodeCache')]?.();
}

/** What a host learns of its job: at setup, or before the run when it was started ahead. */
export interface ScriptHostJob {
  /** Absolute path of a script file (recorded with durable workflow runs). */
  file?: string;
  args?: ScriptArgs;
  resumeRunId?: string;
}

/** What the CLI hands its script host (structured-cloned across the boundary). */
export interface ScriptHostData extends ScriptHostJob {
  flags: GlobalFlags;
  cwd: string;
  isTTY: boolean;
  /** Forward the events the progress line shows. */
  progress: boolean;
}

interface EventBusLike {
  on(pattern: string, fn: (event: { event_type: string; data: unknown }) => void): () => void;
}

/**
 * The setup module of the CLI's script host (a child process the CLI supervises): composes
 * the runtime from config, flags and the environment exactly as an in-process run would,
 * and loads the engine. The engine name is empty when the config's `default_engine` decides
 * (`exec` and the REPL without --engine, a script file whose extension names none).
 */
export async function setup(context: IsolatedSetupContext): Promise<IsolatedSetup> {
  startMark('host: setup');
  const data = context.data as ScriptHostData;
  // the engine asked for, else the config's default_engine, loading while the tools and state do
  let engineName: EngineName | undefined;
  const preload = (name: EngineName) => {
    engineName = name;
    preloadEngine(name);
    void loadEngine(name).then(() => startMark('host: engine loaded'), () => undefined);
  };
  if (context.engine) preload(normalizeEngineName(context.engine));
  const io: CliIo = {
    stdout: context.write.stdout, stderr: context.write.stderr, isTTY: data.isTTY, env: process.env, cwd: data.cwd,
    // said by the CLI process, which may have read the config (and said them) itself
    warn: (message) => context.emit(CONFIG_WARNING_EVENT, message),
  };
  const onConfig = (loaded: LoadedConfig) => engineName ?? preload(defaultEngineOf(loaded));
  const { runtime, loaded } = await composeRuntime(data.flags, io, { onConfig });
  try {
    const name = engineName ?? defaultEngineOf(loaded);
    // a host started ahead of its job (a queue worker's pool) learns of the job in beforeRun
    const describeJob = (job: ScriptHostJob) => {
      if (job.file) runtime.services.set('scriptInfo', { file: job.file, engine: name, args: job.args ?? { positional: [], named: {} } });
      if (job.resumeRunId) runtime.services.set('resumeRunId', job.resumeRunId);
    };
    describeJob(data);
    if (data.progress) {
      const bus = runtime.service<EventBusLike>('eventBus');
      for (const type of PROGRESS_EVENTS) bus?.on(type, (event) => context.emit(type, progressData(type, event.data)));
    }
    // The run's id, so the supervisor can end its history record if this host gets killed.
    runtime.service<Telemetry>(TELEMETRY_SERVICE)?.onRunStarted((run) => {
      if (run.history) context.emit('run.started', { run_id: run.run_id });
    });
    // a process host has its supervisor's IPC channel, a worker thread none (and node:worker_threads is not loaded for this)
    if (data.flags.verbose) io.stderr(`[debug] script host: ${typeof process.send === 'function' ? `child process ${process.pid}` : 'worker thread'}, ${isBundledEntry() ? 'bundled entry' : 'module graph'}
`);
    const engine = await loadEngine(name);
    startMark('host: engine ready');
    return { runtime, engine, beforeRun: (job) => describeJob(job as ScriptHostJob), close: writeCodeCache };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
