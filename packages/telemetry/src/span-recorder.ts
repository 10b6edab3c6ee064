import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomFillSync } from 'node:crypto';

/** What a span stands for; the viewer and the OTel mapping key on it. */
export type SpanKind = 'run' | 'workflow' | 'step' | 'agent' | 'tool' | 'state' | 'hook';

export type AttributeValue = string | number | boolean | string[] | number[];
export type Attributes = Record<string, AttributeValue>;

export interface SpanEvent {
  name: string;
  /** Epoch ms. */
  time: number;
  attributes?: Attributes;
}

export interface SpanError {
  code: string;
  message: string;
}

/** One recorded span; plain data so it can be stored and sent as JSON. */
export interface SpanData {
  /** 16 hex digits (W3C span id). */
  id: string;
  parent?: string;
  name: string;
  kind: SpanKind;
  /** Epoch ms with sub-ms precision. */
  start: number;
  end?: number;
  status: 'ok' | 'error' | 'unset';
  error?: SpanError;
  attributes: Attributes;
  events: SpanEvent[];
  /** Captured input and output (redacted, shortened text) with `capture_content` only. */
  input?: string;
  output?: string;
}

/** The spans of one trace (one script run) and what they add up to. */
export interface TraceRun {
  /** Sortable run id, also the history key. */
  readonly id: string;
  /** 32 hex digits (W3C trace id). */
  readonly traceId: string;
  readonly root: LiveSpan;
  readonly spans: LiveSpan[];
  /** Spans not kept because the run went over `max_spans` (still counted in the totals). */
  dropped: number;
  readonly totals: RunTotals;
}

export interface RunTotals {
  steps: number;
  tool_calls: number;
  agent_calls: number;
  state_ops: number;
  hooks: number;
  input_tokens: number;
  output_tokens: number;
  /** USD; null when an agent's price was unknown and nothing was priced. */
  cost_usd: number | null;
  /** True when at least one agent call had no known price. */
  cost_partial: boolean;
}

export interface LiveSpan {
  readonly data: SpanData;
  readonly run: TraceRun;
  readonly parentSpan?: LiveSpan;
  ended: boolean;
  /** Not kept in its run (over `max_spans`): only counted, so its text need not be redacted for the run. */
  dropped?: boolean;
  /** Content attributes for the exported span only (GenAI messages), with capture_content. */
  contentAttributes?: Attributes;
}

export interface SpanListener {
  onEnd?(span: LiveSpan): void;
  onRunEnd?(run: TraceRun): void;
}

/** Random bytes drawn in blocks: one crypto call per 512 span ids instead of one each. */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
/** Two hex digits per byte value: a span id is 8 lookups, not a Buffer-to-string conversion. */
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
function hex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  let out = '';
  for (let i = poolAt; i < poolAt + bytes; i++) out += HEX_BYTE[pool[i]];
  poolAt += bytes;
  return out;
}

/** The id of a span over `max_spans` when nothing will see it (all zeros: not a valid W3C id). */
const UNSEEN_SPAN_ID = '0000000000000000';

/** The `performance.timeOrigin` getter costs more than the clock read; it never changes. */
const TIME_ORIGIN = performance.timeOrigin;

/** Epoch ms with the monotonic clock's precision. */
export function nowMs(): number {
  return TIME_ORIGIN + performance.now();
}

let lastIdMs = 0;
let idSeq = 0;
/**
 * A run id that sorts by start time: base-36 epoch ms (8 digits until 2059) then a counter
 * and random digits, e.g. `mbt2x1qa0k3f`. Short enough to type after `llmspell runs show`.
 */
export function newRunId(now = Date.now()): string {
  if (now === lastIdMs) idSeq += 1;
  else {
    lastIdMs = now;
    idSeq = 0;
  }
  const rand = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(4, '0').slice(-4);
  return now.toString(36).padStart(8, '0') + idSeq.toString(36) + rand;
}

function redactAttributes(a: Attributes, redact: (text: string) => string): void {
  for (const k of Object.keys(a)) {
    const v = a[k];
    if (typeof v === 'string') a[k] = redact(v);
    else if (Array.isArray(v) && typeof v[0] === 'string') a[k] = (v as string[]).map(redact);
  }
}

function redactSpan(d: SpanData, redact: (text: string) => string): void {
  d.name = redact(d.name);
  redactAttributes(d.attributes, redact);
  for (const e of d.events) {
    e.name = redact(e.name);
    if (e.attributes) redactAttributes(e.attributes, redact);
  }
  if (d.error) d.error = { code: d.error.code, message: redact(d.error.message) };
}

function countIn(totals: RunTotals, kind: SpanKind): void {
  if (kind === 'step') totals.steps += 1;
  else if (kind === 'tool') totals.tool_calls += 1;
  else if (kind === 'agent') totals.agent_calls += 1;
  else if (kind === 'state') totals.state_ops += 1;
  else if (kind === 'hook') totals.hooks += 1;
}

function emptyTotals(): RunTotals {
  return { steps: 0, tool_calls: 0, agent_calls: 0, state_ops: 0, hooks: 0, input_tokens: 0, output_tokens: 0, cost_usd: null, cost_partial: false };
}

/**
 * Records spans for the runtime's runs. The span a piece of code runs under is carried by
 * an AsyncLocalStorage, so spans nest the way the calls do, also across parallel branches.
 * A finished span can still be the stored one for code that ran after it inside the same
 * async step (see `current`), so lookups skip to the nearest span still open.
 */
export class SpanRecorder {
  private readonly als = new AsyncLocalStorage<LiveSpan>();
  private readonly listeners: SpanListener[] = [];
  private session?: LiveSpan;
  /** Listeners that see each span as it ends (the OTLP exporter): they see dropped spans too. */
  private endListeners = 0;

  constructor(private readonly options: {
    maxSpans: number;
    sessionName: string;
    /** Applied to every name and text attribute when a span ends: nothing leaves unredacted. */
    redact?: (text: string) => string;
  }) {}

  listen(listener: SpanListener): void {
    this.listeners.push(listener);
    if (listener.onEnd) this.endListeners += 1;
  }

  /** The innermost open span of the calling code, if any. */
  current(): LiveSpan | undefined {
    let s = this.als.getStore();
    while (s?.ended) s = s.parentSpan;
    return s;
  }

  /** Starts a trace: its root span, and the run it belongs to. */
  startRun(name: string, attributes: Attributes): LiveSpan {
    const run: TraceRun = {
      id: newRunId(),
      traceId: hex(16),
      root: undefined as unknown as LiveSpan,
      spans: [],
      dropped: 0,
      totals: emptyTotals(),
    };
    const root: LiveSpan = { data: this.newData(name, 'run', attributes), run, parentSpan: undefined, ended: false, dropped: false };
    (run as { root: LiveSpan }).root = root;
    run.spans.push(root);
    return root;
  }

  /** Runs `fn` with `span` as the current span. */
  runWith<T>(span: LiveSpan, fn: () => T): T {
    return this.als.run(span, fn);
  }

  /**
   * Makes `span` current for the rest of the calling async step and what it starts. Only
   * safe where that step belongs to the span's own operation alone.
   */
  enter(span: LiveSpan): void {
    this.als.enterWith(span);
  }

  /** Starts a child of `parent` (default: the current span, or the session root outside runs). */
  start(kind: SpanKind, name: string, attributes: Attributes, parent: LiveSpan | undefined = this.current()): LiveSpan {
    const p = parent ?? this.sessionRoot();
    const run = p.run;
    const dropped = run.spans.length >= this.options.maxSpans;
    // Each object made in one literal, always with the same fields: one shape for every span.
    // A dropped span's id is seen only by listeners of ending spans; with none, none is drawn.
    const data: SpanData = {
      id: dropped && this.endListeners === 0 ? UNSEEN_SPAN_ID : hex(8),
      parent: p.data.id, name, kind, start: nowMs(), end: undefined, status: 'unset', attributes, events: [],
    };
    const span: LiveSpan = { data, run, parentSpan: p, ended: false, dropped };
    if (dropped) run.dropped += 1;
    else run.spans.push(span);
    return span;
  }

  end(span: LiveSpan, error?: SpanError, end = nowMs()): void {
    if (span.ended) return;
    span.ended = true;
    const d = span.data;
    d.end = end;
    // A dropped span goes nowhere but to listeners of ending spans; with none, masking it is wasted.
    if (this.options.redact && (!span.dropped || this.endListeners > 0)) redactSpan(d, this.options.redact);
    if (error) {
      d.status = 'error';
      d.error = error;
    } else if (d.status === 'unset') d.status = 'ok';
    countIn(span.run.totals, d.kind);
    for (const l of this.listeners) l.onEnd?.(span);
    if (d.kind === 'run') {
      if (span === this.session) this.session = undefined;
      for (const l of this.listeners) l.onRunEnd?.(span.run);
    }
  }

  /**
   * Whether a span started now in `run` would be seen by anyone: kept in the run (under
   * `max_spans`) or sent to a listener of ending spans. When not, a caller may count the span
   * (`countUnseen`) instead of making it.
   */
  wouldSee(run: TraceRun): boolean {
    return run.spans.length < this.options.maxSpans || this.endListeners > 0;
  }

  /** A span nobody would see (see `wouldSee`), counted in its run as a dropped span of its kind. */
  countUnseen(run: TraceRun, kind: SpanKind): void {
    run.dropped += 1;
    countIn(run.totals, kind);
  }

  event(span: LiveSpan, name: string, attributes?: Attributes): void {
    if (span.data.events.length >= 128) return;
    span.data.events.push(attributes ? { name, time: nowMs(), attributes } : { name, time: nowMs() });
  }

  /** Ends every span of a run still open (a cancelled call) and then the run itself. */
  endRun(root: LiveSpan, error?: SpanError): void {
    const end = nowMs();
    for (const s of root.run.spans) {
      if (!s.ended && s !== root) {
        s.data.attributes['llmspell.incomplete'] = true;
        this.end(s, undefined, end);
      }
    }
    this.end(root, error, end);
  }

  /** Ends the session root (calls made outside any script run, e.g. in the REPL). */
  endSession(): void {
    if (this.session) this.endRun(this.session);
  }

  private sessionRoot(): LiveSpan {
    this.session ??= this.startRun(this.options.sessionName, { 'llmspell.session': true });
    return this.session;
  }

  private newData(name: string, kind: SpanKind, attributes: Attributes): SpanData {
    return { id: hex(8), name, kind, start: nowMs(), end: undefined, status: 'unset', attributes, events: [] };
  }
}
