import os from 'node:os';
import {
  REDACTOR_REMEMBERED_TEXT_LENGTH, isLlmspellError, type EventSink, type HookExecutor, type Logger, type ScriptValue, type SecurityPolicy, type StateAccess, type StateStore,
} from '@llmspell/core';
import type { HookRegistry } from '@llmspell/hooks';
import { ComponentSpans, type AgentInfo } from './component-spans.js';
import { errorMessage, safeText } from './content.js';
import type { OtlpSink } from './otlp-sink.js';
import { RunHistory, rootCauses, type RunStatus, type RunSummary } from './run-history.js';
import type { TelemetrySettings } from './settings.js';
import { SpanRecorder, nowMs, type LiveSpan, type SpanError, type TraceRun } from './span-recorder.js';
import { traceStateManager } from './traced-state.js';
import { recordBusEvents, type EventSource } from './tracing-event-sink.js';
import { TracingHookExecutor } from './tracing-hook-executor.js';

/** What telemetry needs of an `LlmspellRuntime` (structurally; it does not import the runtime). */
export interface TelemetryHost {
  readonly config: { readonly observability?: unknown };
  readonly policy: SecurityPolicy;
  readonly logger: Logger;
  hooks?: HookExecutor;
  events?: EventSink;
  state?: StateAccess;
  stateStore?: StateStore;
  readonly services: Map<string, unknown>;
  readonly agents: { get(name: string): unknown };
}

/**
 * The policy's redaction for span names and attributes, which repeat (tool names, scopes):
 * texts longer than the redactor remembers (up to 200 characters) are remembered here until
 * the policy learns a new secret. Shorter ones go straight to the policy, which remembers the
 * clean ones: a second map of them only cost a lookup and an entry per new text (a span name
 * per workflow step).
 */
function memoizedRedact(policy: SecurityPolicy): (text: string) => string {
  const memo = new Map<string, string>();
  let known = -1;
  return (text) => {
    if (text.length > 200 || text.length <= REDACTOR_REMEMBERED_TEXT_LENGTH) return policy.redact(text);
    if (policy.secrets.size !== known) {
      memo.clear();
      known = policy.secrets.size;
    }
    let out = memo.get(text);
    if (out === undefined) {
      out = policy.redact(text);
      if (memo.size >= 4096) memo.clear();
      memo.set(text, out);
    }
    return out;
  };
}

/** What a script run is, as the runtime describes it to features. */
export interface ScriptRunInfo {
  filename: string;
  language: string;
}

/** The `run.summary` event published on the event bus when a run ends (the CLI's progress line prints it). */
export type RunSummaryEvent = Pick<RunSummary, 'status' | 'duration_ms' | 'steps' | 'tool_calls' | 'agent_calls' | 'errors' | 'tokens' | 'cost_usd'> & {
  run_id: string;
  /** Whether the run is in the history (`llmspell runs show <run_id>`). */
  history: boolean;
};

/** What `Telemetry.onRunStarted` listeners get as a run starts (after its record is written). */
export interface RunStartedEvent {
  run_id: string;
  trace_id: string;
  /** Whether the run is in the history. */
  history: boolean;
}

export interface TelemetryOptions {
  /** `service.version` of exported spans. */
  version?: string;
  /** Script name recorded for calls made outside a script run (the REPL). */
  sessionName?: string;
}

/** First interim history write of a long run, then the interval between them (ms). */
const LIVE_FIRST_MS = 1000;
const LIVE_EVERY_MS = 1000;
/** The longest a closing runtime waits for the collector to take the last spans (ms). */
const EXPORT_DEADLINE_MS = 3500;
/** A running run's record is rewritten at least this often, so readers know it is alive. */
const HEARTBEAT_MS = 10_000;

interface ActiveRun {
  root: LiveSpan;
  script: string;
  file?: string;
  engine?: string;
  timer?: NodeJS.Timeout;
  lastWritten?: number;
  lastWriteAt: number;
}

/**
 * Telemetry for one runtime: records spans for every component call, state operation and
 * hook, keeps each run in the history, and exports spans over OTLP when configured.
 */
export class Telemetry {
  readonly recorder: SpanRecorder;
  readonly history?: RunHistory;
  private readonly components: ComponentSpans;
  private otlp?: OtlpSink;
  private active = false;
  private readonly runs = new Map<TraceRun, ActiveRun>();
  private writes: Promise<unknown> = Promise.resolve();
  private offBus?: () => void;
  private readonly startListeners: Array<(run: RunStartedEvent) => void> = [];

  constructor(private readonly host: TelemetryHost, readonly settings: TelemetrySettings, private readonly options: TelemetryOptions = {}) {
    this.recorder = new SpanRecorder({ maxSpans: settings.maxSpans, sessionName: options.sessionName ?? 'session', redact: memoizedRedact(host.policy) });
    if (settings.historyRuns > 0 && host.stateStore) this.history = new RunHistory(host.stateStore, settings.historyRuns);
    this.components = new ComponentSpans({
      recorder: this.recorder,
      policy: host.policy,
      captureContent: settings.captureContent,
      agentInfo: (name) => this.agentInfo(name),
    });
    this.recorder.listen({ onRunEnd: (run) => this.runEnded(run) });
  }

  /** Whether anything is recorded at all (history on, or an OTLP endpoint set). */
  get enabled(): boolean {
    return this.history !== undefined || this.settings.otlp !== undefined;
  }

  /** Installs the tracing hook executor, event sink and state view; loads OTel if exporting. */
  async install(): Promise<void> {
    if (!this.enabled) return;
    const otlp = this.settings.otlp;
    if (otlp) {
      // Header values are credentials of the collector: never in output or spans.
      for (const v of Object.values(otlp.headers)) this.host.policy.secrets.add(v);
      const { createOtlpSink } = await import('./otlp-sink.js');
      this.otlp = createOtlpSink(otlp, this.options.version ?? '0.0.0', (message) => this.host.logger.warn(safeText(message, this.host.policy)));
      this.recorder.listen(this.otlp);
    }
    const isActive = () => this.active;
    const host = this.host;
    host.hooks = new TracingHookExecutor(host.hooks, {
      recorder: this.recorder,
      components: this.components,
      policy: host.policy,
      registry: host.services.get('hookRegistry') as HookRegistry | undefined,
      active: isActive,
    });
    const manager = host.services.get('stateManager');
    if (manager && typeof manager === 'object') {
      const traced = traceStateManager(manager, this.recorder, host.policy, isActive);
      host.services.set('stateManager', traced);
      if (host.state === manager) host.state = traced as StateAccess;
    }
    const bus = host.services.get('eventBus') as EventSource | undefined;
    if (bus && typeof bus.on === 'function') this.offBus = recordBusEvents(bus, this.recorder, host.policy, this.settings.captureContent, isActive);
    this.active = true;
  }

  /**
   * Calls `listener` as each run starts, once its record is in the history (the CLI's script
   * host tells its supervisor the id, to end the record should it have to kill the host).
   * Not an event on the bus: a script can publish those, and must not name a run.
   */
  onRunStarted(listener: (run: RunStartedEvent) => void): () => void {
    this.startListeners.push(listener);
    return () => {
      const i = this.startListeners.indexOf(listener);
      if (i >= 0) this.startListeners.splice(i, 1);
    };
  }

  /** Runs one script under its run span; records it when it ends. */
  async aroundRun(run: () => Promise<ScriptValue>, info: ScriptRunInfo): Promise<ScriptValue> {
    if (!this.active) return run();
    const scriptInfo = this.host.services.get('scriptInfo') as { file?: string } | undefined;
    const script = info.filename;
    const root = this.recorder.startRun(`run ${script}`, {
      'llmspell.script': safeText(script, this.host.policy),
      'llmspell.engine': info.language,
    });
    root.data.attributes['llmspell.run.id'] = root.run.id;
    const active: ActiveRun = { root, script, file: scriptInfo?.file, engine: info.language, lastWriteAt: 0 };
    this.runs.set(root.run, active);
    if (this.history) {
      // On record before the script starts: a host killed mid-run (its time limit, Ctrl-C)
      // leaves a run that says so, which its supervisor can then end (RunHistory.endStopped).
      active.lastWriteAt = Date.now();
      this.queueWrite(this.summarize(active), root.run);
      await this.writes;
      active.timer = setTimeout(() => this.writeLive(active), LIVE_FIRST_MS);
      active.timer.unref?.();
    }
    const started: RunStartedEvent = { run_id: root.run.id, trace_id: root.run.traceId, history: this.history !== undefined };
    for (const listener of this.startListeners) {
      try {
        listener(started);
      } catch {
        // Telemetry never fails the run it watches.
      }
    }
    let error: SpanError | undefined;
    try {
      return await this.recorder.runWith(root, run);
    } catch (raw) {
      const code = isLlmspellError(raw) ? raw.code : 'SCRIPT_ERROR';
      error = { code, message: errorMessage(code, raw, this.host.policy) };
      root.data.attributes['error.type'] = error.code;
      throw raw;
    } finally {
      this.recorder.endRun(root, error);
    }
  }

  private runEnded(run: TraceRun): void {
    const active = this.runs.get(run) ?? { root: run.root, script: this.options.sessionName ?? 'session', lastWriteAt: 0 };
    this.runs.delete(run);
    if (active.timer) clearTimeout(active.timer);
    const summary = this.summarize(active);
    this.publishSummary(summary);
    if (this.history) this.queueWrite(summary, run);
  }

  private publishSummary(s: RunSummary): void {
    const event: RunSummaryEvent = {
      run_id: s.id, status: s.status, duration_ms: s.duration_ms, steps: s.steps, tool_calls: s.tool_calls,
      agent_calls: s.agent_calls, errors: s.errors, tokens: s.tokens, cost_usd: s.cost_usd, history: this.history !== undefined,
    };
    this.publish('run.summary', event);
  }

  /** A run's own event on the bus, when anyone listens (the CLI's script host does). */
  private publish(type: 'run.summary', event: RunSummaryEvent): void {
    const bus = this.host.services.get('eventBus') as { hasSubscribers?(t: string): boolean; publish(t: string, d: unknown, o?: unknown): unknown } | undefined;
    if (!bus || (bus.hasSubscribers && !bus.hasSubscribers(type))) return;
    try {
      bus.publish(type, event, { source: 'telemetry' });
    } catch {
      // a closed bus
    }
  }

  private summarize(active: ActiveRun): RunSummary {
    const { root } = active;
    const run = root.run;
    const t = run.totals;
    const d = root.data;
    const end = d.end ?? nowMs();
    const status: RunStatus = !root.ended ? 'running' : d.status === 'error' ? 'error' : 'ok';
    const summary: RunSummary = {
      id: run.id,
      trace_id: run.traceId,
      script: active.script,
      status,
      started_at: new Date(d.start).toISOString(),
      duration_ms: Math.round((end - d.start) * 1000) / 1000,
      steps: t.steps,
      tool_calls: t.tool_calls,
      agent_calls: t.agent_calls,
      errors: rootCauses(run.spans.map((s) => s.data)),
      tokens: { input: t.input_tokens, output: t.output_tokens, total: t.input_tokens + t.output_tokens },
      cost_usd: t.cost_usd === null ? null : Math.round(t.cost_usd * 1e8) / 1e8,
      spans: run.spans.length,
      dropped_spans: run.dropped,
      exported: this.otlp !== undefined,
      content_captured: this.settings.captureContent,
      updated_at: new Date().toISOString(),
      host: os.hostname(),
      pid: process.pid,
    };
    if (active.file) summary.file = active.file;
    if (active.engine) summary.engine = active.engine;
    if (d.error) {
      summary.error_code = d.error.code;
      summary.error = d.error.message;
    }
    return summary;
  }

  /** Rewrites a running run's record so `llmspell ui` can follow it. */
  private writeLive(active: ActiveRun): void {
    if (!this.runs.has(active.root.run) || !this.history) return;
    const version = active.root.run.spans.length * 2 + active.root.run.spans.filter((s) => s.ended).length;
    const now = Date.now();
    if (version !== active.lastWritten || now - active.lastWriteAt >= HEARTBEAT_MS) {
      active.lastWritten = version;
      active.lastWriteAt = now;
      this.queueWrite(this.summarize(active), active.root.run);
    }
    active.timer = setTimeout(() => this.writeLive(active), LIVE_EVERY_MS);
    active.timer.unref?.();
  }

  /** History writes go one after another, so a late interim write never replaces the final one. */
  private queueWrite(summary: RunSummary, run: TraceRun): void {
    const spans = run.spans.map((s) => s.data);
    const history = this.history!;
    this.writes = this.writes.then(() => history.save(summary, spans)).catch((error: unknown) => {
      this.host.logger.warn('could not record the run in the history', { error: safeText(error instanceof Error ? error.message : error, this.host.policy) });
    });
  }

  private agentInfo(name: string): AgentInfo | undefined {
    let agent: unknown;
    try {
      agent = this.host.agents.get(name);
    } catch {
      return undefined;
    }
    const a = agent as { modelId?: unknown; provider?: unknown } | undefined;
    if (!a) return undefined;
    return {
      model: typeof a.modelId === 'string' ? a.modelId : undefined,
      provider: typeof a.provider === 'string' ? a.provider : undefined,
    };
  }

  /** Waits for history writes and exports in flight. */
  async flush(): Promise<void> {
    await this.writes;
    // A failed export is reported once by the exporter; flushing does not fail for it.
    await this.otlp?.flush().catch(() => undefined);
  }

  /** Ends calls made outside any run (the REPL's), writes what is left and stops exporting. */
  async close(): Promise<void> {
    if (!this.active) return;
    this.recorder.endSession();
    this.active = false;
    this.offBus?.();
    for (const a of this.runs.values()) if (a.timer) clearTimeout(a.timer);
    await this.writes;
    if (!this.otlp) return;
    // A collector that does not answer must not hold the command up for long.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), EXPORT_DEADLINE_MS);
      timer.unref?.();
    });
    try {
      const outcome = await Promise.race([this.otlp.shutdown().then(() => 'done' as const), deadline]);
      if (outcome === 'late') this.host.logger.warn(`the OTLP collector did not take the last spans within ${EXPORT_DEADLINE_MS} ms; they are not exported`);
    } catch (error) {
      this.host.logger.warn('exporting spans failed', { error: safeText(error instanceof Error ? error.message : error, this.host.policy) });
    } finally {
      clearTimeout(timer);
    }
  }
}
