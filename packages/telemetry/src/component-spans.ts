import type { ComponentCallTrace, HookPoint, SecurityPolicy } from '@llmspell/core';
import { contentText, errorMessage, safeText, spanNameMemo } from './content.js';
import type { Attributes, LiveSpan, SpanError, SpanKind, SpanRecorder } from './span-recorder.js';

/** Before-points that open a component's span, by the kind of span they open. */
export const OPENING_POINTS: ReadonlyMap<HookPoint, SpanKind> = new Map<HookPoint, SpanKind>([
  ['BeforeToolExecution', 'tool'],
  ['BeforeAgentExecution', 'agent'],
  ['BeforeWorkflowStart', 'workflow'],
  ['BeforeWorkflowStage', 'step'],
]);

/** Event prefixes executeComponent publishes under (`tool.started`, `workflow.step.failed`…). */
const COMPONENT_EVENT = /^(tool|agent|workflow|workflow\.step)\.(started|completed|failed|retrying|redirected)$/;
const componentEvents = new Map<string, boolean>();

/**
 * Whether an event type is a component call's lifecycle event: telemetry gets those calls
 * from executeComponent directly (HookExecutor.traceCall), so it records no span event for them.
 */
export function isComponentEvent(type: string): boolean {
  let is = componentEvents.get(type);
  if (is === undefined) {
    is = COMPONENT_EVENT.test(type);
    if (componentEvents.size < 1024) componentEvents.set(type, is);
  }
  return is;
}

const toolSpanName = spanNameMemo('execute_tool ', 1024);

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
function stepAttributes(name: string, md: Readonly<Record<string, string>>): Attributes {
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
 * One component call's span, told the call's course by executeComponent (see core's
 * ComponentCallTrace). It opens at the call's Before point in the caller's async context, as a
 * child of the caller's current span; the first attempt's start makes it current for the rest
 * of the call (the call runs in an async scope of its own: TracingHookExecutor.scopesCalls), so
 * what the component does (a step's tool, an agent's tool calls) nests under it, also when
 * parallel branches interleave. Telemetry never fails the call it watches: nothing here throws.
 */
export class ComponentCall implements ComponentCallTrace {
  private entered = false;
  /** A tool that returned `success = false`: the span fails with this when it ends. */
  private failure?: SpanError;
  /** The prompt of an agent call, kept until its answer (capture_content only). */
  agentInput?: unknown;

  constructor(private readonly spans: ComponentSpans, readonly span: LiveSpan) {}

  started(attempt: number, input: unknown): void {
    const span = this.span;
    if (span.ended) return;
    try {
      const recorder = this.spans.recorder;
      if (this.entered) {
        // A retry: the span is already current in this call's async context.
        recorder.event(span, 'retry', { 'llmspell.attempt': attempt });
        span.data.attributes['llmspell.attempts'] = attempt;
        return;
      }
      this.entered = true;
      if (this.spans.captureContent && input !== undefined) this.spans.captureInput(this, input);
      recorder.enter(span);
    } catch {
      // see the class comment
    }
  }

  returned(output: unknown): void {
    if (this.span.ended) return;
    try {
      this.failure = this.spans.completeWith(this, output);
    } catch {
      // see the class comment
    }
  }

  errored(code: string, message: string, attempt: number): void {
    if (this.span.ended) return;
    try {
      this.spans.recorder.event(this.span, 'exception', {
        'exception.type': code,
        'exception.message': errorMessage(code, message, this.spans.policy),
        'llmspell.attempt': attempt,
      });
    } catch {
      // see the class comment
    }
  }

  retrying(attempt: number, code?: string): void {
    if (this.span.ended) return;
    try {
      this.spans.recorder.event(this.span, 'retrying', code ? { 'llmspell.attempt': attempt, 'error.type': code } : { 'llmspell.attempt': attempt });
    } catch {
      // see the class comment
    }
  }

  redirected(target: string): void {
    if (this.span.ended) return;
    try {
      this.span.data.attributes['llmspell.redirected_to'] = safeText(target, this.spans.policy);
      this.spans.recorder.end(this.span);
    } catch {
      // see the class comment
    }
  }

  completed(how?: { cached?: boolean; replaced?: boolean; recovered?: boolean }): void {
    const span = this.span;
    if (span.ended) return;
    try {
      if (how) {
        const a = span.data.attributes;
        if (how.cached === true) a['llmspell.cached'] = true;
        if (how.replaced === true) a['llmspell.replaced_by_hook'] = true;
        if (how.recovered === true) a['llmspell.recovered_by_hook'] = true;
      }
      this.spans.recorder.end(span, this.failure);
    } catch {
      // see the class comment
    }
  }

  failed(code: string, message: string): void {
    const span = this.span;
    if (span.ended) return;
    try {
      const a = span.data.attributes;
      a['error.type'] = code;
      if (span.data.kind === 'tool') a['llmspell.tool.outcome'] = 'error';
      this.spans.recorder.end(span, { code, message: errorMessage(code, message || code, this.spans.policy) });
    } catch {
      // see the class comment
    }
  }
}

/** Opens the span of each component call (see ComponentCall) and reads what its output says. */
export class ComponentSpans {
  readonly recorder: SpanRecorder;
  readonly policy: SecurityPolicy;
  readonly captureContent: boolean;

  constructor(private readonly o: ComponentSpanOptions) {
    this.recorder = o.recorder;
    this.policy = o.policy;
    this.captureContent = o.captureContent;
  }

  /** Opens the span of a component call at its Before point (its kind from the point). */
  open(point: HookPoint, name: string, metadata: Readonly<Record<string, string>>, input: unknown): ComponentCall | undefined {
    const kind = OPENING_POINTS.get(point);
    if (!kind) return undefined;
    const span = this.recorder.start(kind, this.spanName(kind, name, metadata), this.openingAttributes(kind, name, metadata));
    const call = new ComponentCall(this, span);
    if (this.captureContent && input !== undefined) this.captureInput(call, input);
    return call;
  }

  captureInput(call: ComponentCall, input: unknown): void {
    call.span.data.input = contentText(input, this.o.policy);
    if (call.span.data.kind === 'agent') call.agentInput = input;
  }

  private spanName(kind: SpanKind, name: string, metadata: Readonly<Record<string, string>>): string {
    switch (kind) {
      case 'tool': return toolSpanName(name);
      case 'agent': return `invoke_agent ${name}`;
      case 'workflow': return `workflow ${name}`;
      case 'step': return `step ${metadata.step ?? name}`;
      default: return name;
    }
  }

  private openingAttributes(kind: SpanKind, name: string, metadata: Readonly<Record<string, string>>): Attributes {
    // a tool call's, the most frequent, in one literal (one object shape, no key added one by one)
    if (kind === 'tool') return { 'llmspell.component': name, 'llmspell.component.kind': kind, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': 'function' };
    if (kind === 'step') return stepAttributes(name, metadata);
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

  /**
   * What the output of a call's attempt says: tool outcome, agent usage and model. Returns the
   * error the span ends with when a tool reported a failure.
   */
  completeWith(call: ComponentCall, output: unknown): SpanError | undefined {
    const span = call.span;
    const a = span.data.attributes;
    let failure: SpanError | undefined;
    const out = record(output);
    const capture = this.o.captureContent;
    switch (span.data.kind) {
      case 'tool': {
        const ok = out?.success !== false;
        a['llmspell.tool.outcome'] = ok ? 'success' : 'failure';
        // a later attempt that succeeds clears an earlier one's failure
        if (ok && a['error.type'] !== undefined) delete a['error.type'];
        if (!ok) {
          const err = record(out?.error);
          const code = String(err?.code ?? 'TOOL_EXECUTION_FAILED');
          a['error.type'] = code;
          failure = { code, message: errorMessage(code, err?.message ?? 'the tool reported a failure', this.o.policy) };
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
          if (call.agentInput !== undefined) span.contentAttributes['gen_ai.input.messages'] = contentText(inputMessages(call.agentInput), this.o.policy);
        }
        break;
      }
      default:
        if (capture && output !== undefined) span.data.output = contentText(output, this.o.policy);
        break;
    }
    return failure;
  }
}
