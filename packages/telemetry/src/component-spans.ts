import type { HookContext, HookPoint, SecurityPolicy } from '@llmspell/core';
import { contentText, errorMessage, safeText, spanNameMemo } from './content.js';
import type { Attributes, LiveSpan, SpanKind, SpanRecorder, TraceRun } from './span-recorder.js';

/** Before-points that open a component's span, by the kind of span they open. */
export const OPENING_POINTS: ReadonlyMap<HookPoint, SpanKind> = new Map<HookPoint, SpanKind>([
  ['BeforeToolExecution', 'tool'],
  ['BeforeAgentExecution', 'agent'],
  ['BeforeWorkflowStart', 'workflow'],
  ['BeforeWorkflowStage', 'step'],
]);

const CLOSING_POINTS: ReadonlyMap<HookPoint, SpanKind> = new Map<HookPoint, SpanKind>([
  ['AfterToolExecution', 'tool'],
  ['AfterAgentExecution', 'agent'],
  ['AfterWorkflowComplete', 'workflow'],
  ['AfterWorkflowStage', 'step'],
]);

const ERROR_POINTS = new Set<HookPoint>(['ToolError', 'AgentError', 'WorkflowError']);

/**
 * Closing points of calls whose After data telemetry reads only for captured content (a step's
 * or a workflow's output): without capture_content their spans end on the completed event alone.
 */
const CONTENT_ONLY_POINTS: ReadonlySet<HookPoint> = new Set<HookPoint>(['AfterWorkflowStage', 'AfterWorkflowComplete']);

/** Points whose firing tells telemetry about a component call. */
const OBSERVED_POINTS: ReadonlySet<HookPoint> = new Set<HookPoint>([...OPENING_POINTS.keys(), ...CLOSING_POINTS.keys(), ...ERROR_POINTS]);

/** Event prefixes executeComponent publishes under (`tool.started`, `workflow.step.failed`…). */
const EVENT_KINDS: Record<string, SpanKind> = { tool: 'tool', agent: 'agent', workflow: 'workflow', 'workflow.step': 'step' };
const COMPONENT_EVENT = /^(tool|agent|workflow|workflow\.step)\.(started|completed|failed|retrying|redirected)$/;

type ParsedEvent = { kind: SpanKind; what: string } | null;
const parsedEvents = new Map<string, ParsedEvent>();

/** The span kind and lifecycle step of an event type (asked for every publish, so remembered). */
function parseEvent(type: string): ParsedEvent {
  let parsed = parsedEvents.get(type);
  if (parsed === undefined) {
    const m = COMPONENT_EVENT.exec(type);
    parsed = m ? { kind: EVENT_KINDS[m[1]], what: m[2] } : null;
    if (parsedEvents.size < 1024) parsedEvents.set(type, parsed);
  }
  return parsed;
}

const toolSpanName = spanNameMemo('execute_tool ', 1024);

export function isComponentEvent(type: string): boolean {
  return parseEvent(type) !== null;
}

export interface AgentInfo {
  model?: string;
  provider?: string;
}

export interface ComponentSpanOptions {
  recorder: SpanRecorder;
  policy: SecurityPolicy;
  captureContent: boolean;
  /** The model of a registered agent, known before it runs. */
  agentInfo(name: string): AgentInfo | undefined;
}

interface Pending {
  span: LiveSpan;
  /** A tool that returned `success = false`: the span fails with this when it ends. */
  failure?: { code: string; message: string };
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** An agent input as GenAI semantic-convention messages. */
function inputMessages(input: unknown): unknown[] {
  const text = (t: unknown) => [{ type: 'text', content: typeof t === 'string' ? t : JSON.stringify(t ?? null) }];
  if (typeof input === 'string') return [{ role: 'user', parts: text(input) }];
  const r = record(input);
  if (!r) return [];
  if (Array.isArray(r.messages)) {
    return r.messages.map((m) => ({ role: String(record(m)?.role ?? 'user'), parts: text(record(m)?.content) }));
  }
  const t = r.text ?? r.prompt ?? r.input;
  return t === undefined ? [] : [{ role: 'user', parts: text(t) }];
}

/**
 * A step span's opening attributes: the workflow engine always names workflow, step and path, so
 * those come in one literal (one object shape per run kind, no key added one by one); any other
 * metadata gets the same keys in the same order, each only when present.
 */
function stepAttributes(name: string, md: Record<string, string>): Attributes {
  const { workflow, step, path, run_id: runId } = md;
  if (workflow && step && path) {
    return runId
      ? { 'llmspell.component': name, 'llmspell.component.kind': 'step', 'llmspell.workflow.name': workflow, 'llmspell.workflow.step': step, 'llmspell.workflow.step.path': path, 'llmspell.workflow.run_id': runId }
      : { 'llmspell.component': name, 'llmspell.component.kind': 'step', 'llmspell.workflow.name': workflow, 'llmspell.workflow.step': step, 'llmspell.workflow.step.path': path };
  }
  const a: Attributes = { 'llmspell.component': name, 'llmspell.component.kind': 'step' };
  if (workflow) a['llmspell.workflow.name'] = workflow;
  if (step) a['llmspell.workflow.step'] = step;
  if (path) a['llmspell.workflow.step.path'] = path;
  if (runId) a['llmspell.workflow.run_id'] = runId;
  return a;
}

/**
 * Turns what the hook executor and the event sink see of a component call into its span.
 *
 * A call's Before hook runs in its caller's async context: the span starts there, as a child
 * of the caller's current span. Its `<kind>.started` event is published after the first await
 * of that call, in an async step that belongs to it alone: the span becomes current there, so
 * everything the component does (a step's tool, an agent's tool calls) nests under it, also
 * when parallel branches interleave. Between the two, spans wait in `pending` under their
 * parent and name; the completed/failed event ends them, whichever path the call took.
 */
export class ComponentSpans {
  /**
   * Calls opened and not yet started, by parent span (undefined: none), kind and name: maps
   * of the strings the calls already hold, so no key text is built per call.
   */
  private readonly pending = new Map<LiveSpan | undefined, Map<SpanKind, Map<string, Pending[]>>>();
  /**
   * The call opened while no other was pending, kept outside the maps: most calls start right
   * after they open (a tool call from a script), and then cost no map. Set only when the maps
   * are empty, so it is always older than any call of its key in them (first in, first out).
   */
  private lone?: { parent: LiveSpan | undefined; kind: SpanKind; name: string; pending: Pending };
  private readonly failures = new WeakMap<LiveSpan, { code: string; message: string }>();
  /** The prompt of an agent call, kept until its answer (capture_content only). */
  private readonly agentInputs = new WeakMap<LiveSpan, unknown>();

  /**
   * The hook points whose firing this instance reads (see OBSERVED_POINTS): a point outside it
   * with no hook registered is not fired at all, so its hook context is never built.
   */
  readonly observedPoints: ReadonlySet<HookPoint>;

  constructor(private readonly o: ComponentSpanOptions) {
    this.observedPoints = o.captureContent ? OBSERVED_POINTS : new Set([...OBSERVED_POINTS].filter((p) => !CONTENT_ONLY_POINTS.has(p)));
  }

  /** Opens the span of a component call at its Before point; returns it (hooks nest under it). */
  before(point: HookPoint, hc: HookContext): LiveSpan | undefined {
    const kind = OPENING_POINTS.get(point);
    if (!kind) return undefined;
    const name = hc.component_id.name;
    const parent = this.o.recorder.current();
    const span = this.o.recorder.start(kind, this.spanName(kind, name, hc), this.openingAttributes(kind, name, hc), parent);
    if (this.o.captureContent && hc.data.input !== undefined) this.captureInput(span, hc.data.input);
    if (!this.lone && this.pending.size === 0) {
      this.lone = { parent, kind, name, pending: { span } };
      return span;
    }
    let byKind = this.pending.get(parent);
    if (!byKind) this.pending.set(parent, (byKind = new Map()));
    let byName = byKind.get(kind);
    if (!byName) byKind.set(kind, (byName = new Map()));
    const list = byName.get(name);
    if (list) list.push({ span });
    else byName.set(name, [{ span }]);
    return span;
  }

  /** After and error points: the call's span is the current one. */
  afterOrError(point: HookPoint, hc: HookContext): void {
    const kind = CLOSING_POINTS.get(point);
    if (kind) {
      const span = this.ownSpan(kind, hc.component_id.name);
      if (span) this.completeWith(span, hc.data.output);
      return;
    }
    if (ERROR_POINTS.has(point)) {
      const span = this.o.recorder.current();
      const err = record(hc.data.error);
      if (span && err) {
        this.o.recorder.event(span, 'exception', {
          'exception.type': String(err.code ?? 'ERROR'),
          'exception.message': errorMessage(String(err.code ?? 'ERROR'), err.message, this.o.policy),
          'llmspell.attempt': num(hc.data.attempt) ?? 1,
        });
      }
    }
  }

  /** A component lifecycle event (see isComponentEvent). */
  event(type: string, data: unknown): void {
    const parsed = parseEvent(type);
    if (!parsed) return;
    const { kind, what } = parsed;
    const d = record(data) ?? {};
    const name = String(d.component ?? '');
    const recorder = this.o.recorder;
    const current = recorder.current();
    const own = this.ownSpan(kind, name, current);
    switch (what) {
      case 'started': {
        const attempt = num(d.attempt) ?? 1;
        if (own) {
          // A retry: the span is already current in this call's async context.
          recorder.event(own, 'retry', { 'llmspell.attempt': attempt });
          own.data.attributes['llmspell.attempts'] = attempt;
          return;
        }
        const p = this.takePending(kind, name, current);
        if (!p) return;
        if (this.o.captureContent && d.input !== undefined) this.captureInput(p.span, d.input);
        recorder.enter(p.span);
        return;
      }
      case 'retrying':
        if (own) recorder.event(own, 'retrying', { 'llmspell.attempt': num(d.attempt) ?? 1, ...(d.code ? { 'error.type': String(d.code) } : {}) });
        return;
      case 'redirected': {
        const p = this.takePending(kind, name, current);
        if (p) {
          p.span.data.attributes['llmspell.redirected_to'] = safeText(d.target, this.o.policy);
          recorder.end(p.span);
        }
        return;
      }
      case 'completed':
      case 'failed': {
        const span = own ?? this.takePending(kind, name, current)?.span;
        if (!span) return;
        if (d.cached === true) span.data.attributes['llmspell.cached'] = true;
        if (d.replaced === true) span.data.attributes['llmspell.replaced_by_hook'] = true;
        if (d.recovered === true) span.data.attributes['llmspell.recovered_by_hook'] = true;
        if (what === 'failed') {
          const code = String(d.code ?? 'ERROR');
          span.data.attributes['error.type'] = code;
          if (kind === 'tool') span.data.attributes['llmspell.tool.outcome'] = 'error';
          recorder.end(span, { code, message: errorMessage(code, d.error ?? code, this.o.policy) });
        } else {
          recorder.end(span, this.failures.get(span));
        }
        return;
      }
    }
  }

  /** Drops calls of a finished run that never started (their input failed validation). */
  forgetRun(run: TraceRun): void {
    if (this.lone?.pending.span.run === run) this.lone = undefined;
    for (const [parent, byKind] of this.pending) {
      for (const [kind, byName] of byKind) {
        for (const [name, list] of byName) {
          const left = list.filter((p) => p.span.run !== run);
          if (left.length === 0) byName.delete(name);
          else if (left.length !== list.length) byName.set(name, left);
        }
        if (byName.size === 0) byKind.delete(kind);
      }
      if (byKind.size === 0) this.pending.delete(parent);
    }
  }

  private captureInput(span: LiveSpan, input: unknown): void {
    span.data.input = contentText(input, this.o.policy);
    if (span.data.kind === 'agent') this.agentInputs.set(span, input);
  }

  /** The oldest call of this kind and name opened under `parent` (the current span) and not yet started. */
  private takePending(kind: SpanKind, name: string, parent: LiveSpan | undefined): Pending | undefined {
    const lone = this.lone;
    if (lone && lone.parent === parent && lone.kind === kind && lone.name === name) {
      this.lone = undefined;
      return lone.pending;
    }
    const byKind = this.pending.get(parent);
    const byName = byKind?.get(kind);
    const list = byName?.get(name);
    if (!list) return undefined;
    const p = list.shift();
    if (list.length === 0) {
      byName!.delete(name);
      if (byName!.size === 0) {
        byKind!.delete(kind);
        if (byKind!.size === 0) this.pending.delete(parent);
      }
    }
    return p;
  }

  /** The current span when it is this call's own (after `started`), else undefined. */
  private ownSpan(kind: SpanKind, name: string, s: LiveSpan | undefined = this.o.recorder.current()): LiveSpan | undefined {
    return s && s.data.kind === kind && s.data.attributes['llmspell.component'] === name ? s : undefined;
  }

  private spanName(kind: SpanKind, name: string, hc: HookContext): string {
    switch (kind) {
      case 'tool': return toolSpanName(name);
      case 'agent': return `invoke_agent ${name}`;
      case 'workflow': return `workflow ${name}`;
      case 'step': return `step ${hc.metadata.step ?? name}`;
      default: return name;
    }
  }

  private openingAttributes(kind: SpanKind, name: string, hc: HookContext): Attributes {
    // a tool call's, the most frequent, in one literal (one object shape, no key added one by one)
    if (kind === 'tool') return { 'llmspell.component': name, 'llmspell.component.kind': kind, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': 'function' };
    if (kind === 'step') return stepAttributes(name, hc.metadata);
    const a: Attributes = { 'llmspell.component': name, 'llmspell.component.kind': kind };
    switch (kind) {
      case 'agent': {
        a['gen_ai.operation.name'] = 'invoke_agent';
        a['gen_ai.agent.name'] = name;
        const info = this.o.agentInfo(name);
        if (info?.model) a['gen_ai.request.model'] = info.model;
        if (info?.provider) {
          a['gen_ai.provider.name'] = info.provider;
          a['gen_ai.system'] = info.provider;
        }
        break;
      }
      case 'workflow':
        a['llmspell.workflow.name'] = name;
        break;
      default:
        break;
    }
    return a;
  }

  /** What the output of a finished call says: tool outcome, agent usage and model. */
  private completeWith(span: LiveSpan, output: unknown): void {
    const a = span.data.attributes;
    const out = record(output);
    const capture = this.o.captureContent;
    switch (span.data.kind) {
      case 'tool': {
        const ok = out?.success !== false;
        a['llmspell.tool.outcome'] = ok ? 'success' : 'failure';
        if (!ok) {
          const err = record(out?.error);
          const code = String(err?.code ?? 'TOOL_EXECUTION_FAILED');
          a['error.type'] = code;
          this.failures.set(span, { code, message: errorMessage(code, err?.message ?? 'the tool reported a failure', this.o.policy) });
        }
        if (capture) span.data.output = contentText(out && 'result' in out ? out.result : output, this.o.policy);
        break;
      }
      case 'agent': {
        const md = record(out?.metadata);
        const usage = record(out?.usage);
        if (typeof md?.model === 'string') {
          a['gen_ai.request.model'] ??= md.model;
          a['gen_ai.response.model'] = md.model;
        }
        if (typeof md?.provider === 'string' && a['gen_ai.provider.name'] === undefined) {
          a['gen_ai.provider.name'] = md.provider;
          a['gen_ai.system'] = md.provider;
        }
        if (typeof md?.finish_reason === 'string') a['gen_ai.response.finish_reasons'] = [md.finish_reason];
        const input = num(usage?.input_tokens) ?? 0;
        const outputTokens = num(usage?.output_tokens) ?? 0;
        a['gen_ai.usage.input_tokens'] = input;
        a['gen_ai.usage.output_tokens'] = outputTokens;
        if (num(md?.steps) !== undefined) a['llmspell.agent.steps'] = md!.steps as number;
        if (Array.isArray(md?.tool_calls)) a['llmspell.agent.tool_calls'] = md!.tool_calls.length;
        const totals = span.run.totals;
        totals.input_tokens += input;
        totals.output_tokens += outputTokens;
        const cost = num(out?.cost);
        if (cost !== undefined) {
          a['llmspell.cost_usd'] = cost;
          totals.cost_usd = (totals.cost_usd ?? 0) + cost;
        } else totals.cost_partial = true;
        if (capture) {
          const text = typeof out?.text === 'string' ? out.text : output;
          span.data.output = contentText(text, this.o.policy);
          // Only exported: the history keeps the plain input and output.
          span.contentAttributes = {
            'gen_ai.output.messages': contentText([{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: md?.finish_reason ?? null }], this.o.policy),
          };
          if (this.agentInputs.has(span)) span.contentAttributes['gen_ai.input.messages'] = contentText(inputMessages(this.agentInputs.get(span)), this.o.policy);
        }
        break;
      }
      default:
        if (capture && output !== undefined) span.data.output = contentText(output, this.o.policy);
        break;
    }
  }
}
