import { EventEmitter } from 'eventemitter3';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  LlmspellError, modifiedField, silentLogger,
  type EventSink, type HookContext, type HookExecutor, type Logger, type PublishOptions, type StateAccess,
} from '@llmspell/core';
import { compileEventPattern, type EventMatcher } from './event-pattern.js';
import { EventStore, type EventPersistenceConfig, type PersistedQuery } from './event-store.js';
import {
  Subscription, parseOverflowStrategy, type FlowNotification, type OverflowStrategy, type SubscriptionInfo,
} from './subscription.js';
import { newEventId, normalizeEventLanguage, type UniversalEvent } from './universal-event.js';

export interface EventBusConfig {
  /** Default bound of each subscriber's queue. */
  max_queue_size: number;
  /** Default overflow strategy. */
  backpressure: OverflowStrategy;
  /** How long `block` holds an event before dropping it (ms). */
  block_timeout_ms: number;
  max_subscriptions: number;
  /** Token bucket on publishing; off (0) by default. */
  rate_limit_per_second: number;
  rate_limit_burst: number;
  persistence: EventPersistenceConfig;
}

export const DEFAULT_EVENT_BUS_CONFIG: EventBusConfig = {
  max_queue_size: 10_000,
  backpressure: 'drop_oldest',
  block_timeout_ms: 1000,
  max_subscriptions: 10_000,
  rate_limit_per_second: 0,
  rate_limit_burst: 0,
  persistence: { enabled: false, patterns: ['*'], max_events: 100_000, ttl_seconds: 7 * 24 * 3600, scope: 'custom:events' },
};

export interface SubscribeOptions {
  language?: string;
  max_queue_size?: number;
  /** drop_oldest (default), drop_newest, reject, block. Also read from `overflow`/`strategy`. */
  backpressure?: OverflowStrategy | string;
  block_timeout_ms?: number;
  /** Tag for bulk removal (a script run). */
  owner?: string;
}

export interface EventBusStats {
  events_published: number;
  events_delivered: number;
  events_queued: number;
  events_dropped: number;
  events_rejected: number;
  events_blocked: number;
  events_without_subscribers: number;
  rate_limit_violations: number;
  handler_errors: number;
  active_subscriptions: number;
  subscriptions_by_language: Record<string, number>;
  buffer_size: number;
  persisted: number;
}

export interface EventBusOptions {
  config?: Partial<EventBusConfig>;
  logger?: Logger;
  /** Hooks fired around publishing (BeforeEventEmit, AfterEventEmit, EventHandlerError). */
  hooks?: HookExecutor;
  /** The state layer for persistence, looked up when needed (it may be set up after the bus). */
  state?: () => StateAccess | undefined;
  now?: () => number;
}

type Handler = (event: UniversalEvent) => unknown;

/**
 * Set while a bus runs its BeforeEventEmit/AfterEventEmit hooks: a publish made from inside
 * one (a hook publishing) must not queue behind the publish that is waiting for that hook,
 * or each would wait for the other.
 */
const emitHooksOf = new AsyncLocalStorage<EventBus>();

const EMPTY_SUBS: readonly Subscription[] = Object.freeze([]);
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];
const ROUTE_CACHE_MAX = 4096;

/**
 * Pattern-routed publish/subscribe (core's EventSink). One per runtime. Each subscriber has
 * its own bounded queue with an overflow strategy; `receive` waits without blocking the
 * process. Routing results are cached per event type, so publishing to a known type costs
 * one map lookup plus one push per subscriber.
 */
export class EventBus implements EventSink {
  readonly config: EventBusConfig;
  /** `flow` (backpressure warning/relieved), `handler_error` notifications (eventemitter3). */
  readonly notifications = new EventEmitter<{ flow: [FlowNotification]; handler_error: [{ pattern: string; event_type: string; error: string }] }>();
  private readonly subs = new Map<string, Subscription>();
  private readonly handlers: Array<{ pattern: string; matches: EventMatcher; fn: Handler; internal: boolean }> = [];
  /** Handlers that are not internal (telemetry's): only they make an event "delivered to someone". */
  private externalHandlers = 0;
  private routes = new Map<string, readonly Subscription[]>();
  private handlerRoutes = new Map<string, ReadonlyArray<{ pattern: string; fn: Handler; internal: boolean }>>();
  private sequence = 0;
  private nextSub = 1;
  private readonly logger: Logger;
  private readonly hooks?: HookExecutor;
  private readonly now: () => number;
  readonly store: EventStore;
  private chain: Promise<unknown> = Promise.resolve();
  private chained = 0;
  private tokens: number;
  private lastRefill: number;
  private closed = false;
  private readonly counters = {
    published: 0, delivered: 0, queued: 0, dropped: 0, rejected: 0, blocked: 0, unrouted: 0, rateLimited: 0, handlerErrors: 0,
  };

  constructor(options: EventBusOptions = {}) {
    this.config = {
      ...DEFAULT_EVENT_BUS_CONFIG,
      ...options.config,
      persistence: { ...DEFAULT_EVENT_BUS_CONFIG.persistence, ...options.config?.persistence },
    };
    if (!(this.config.max_queue_size >= 1)) throw new LlmspellError('CONFIG_INVALID', 'events.max_queue_size must be at least 1');
    this.logger = options.logger ?? silentLogger;
    this.hooks = options.hooks;
    this.now = options.now ?? Date.now;
    this.store = new EventStore(this.config.persistence, options.state ?? (() => undefined), this.logger);
    this.tokens = this.config.rate_limit_burst || this.config.rate_limit_per_second;
    this.lastRefill = this.now();
  }

  // ---- publishing -------------------------------------------------------------------

  hasSubscribers(type: string): boolean {
    return this.route(type).length > 0 || this.handlerRoute(type).length > 0 || this.store.wants(type) || this.hasEmitHooks();
  }

  /**
   * Publishes without waiting. Returns false when a subscriber refused the event (reject,
   * drop_newest) or the rate limit dropped it. `block` subscribers hold the event until
   * they make room; use `publishAsync` to wait for that.
   */
  publish(type: string, data: unknown, options: PublishOptions = {}): boolean {
    const event = this.createEvent(type, data, options);
    if (this.hasEmitHooks() || this.chained > 0) {
      // Nobody awaits a plain publish: a failing emit hook is logged, not an unhandled rejection.
      this.ordered(() => this.publishWithHooks(event, false)).catch((error: unknown) => {
        this.logger.warn(`publishing '${type}' failed`, { error: error instanceof Error ? error.message : String(error) });
      });
      return true;
    }
    return this.dispatch(event, false) as boolean;
  }

  /** Publishes and, for `block` subscribers, waits until each accepted the event or timed out. */
  publishAsync(type: string, data: unknown, options: PublishOptions = {}): Promise<boolean> {
    const event = this.createEvent(type, data, options);
    if (this.hasEmitHooks() || this.chained > 0) return this.ordered(() => this.publishWithHooks(event, true));
    return Promise.resolve(this.dispatch(event, true));
  }

  /**
   * Like publishAsync, but returns a plain boolean when nothing has to be waited for (no
   * emit hooks, no blocked subscriber): script publishes then skip the bridge's await path.
   */
  publishSettled(type: string, data: unknown, options: PublishOptions = {}): boolean | Promise<boolean> {
    const event = this.createEvent(type, data, options);
    if (this.hasEmitHooks() || this.chained > 0) return this.ordered(() => this.publishWithHooks(event, true));
    return this.dispatch(event, true);
  }

  /** Publishes a ready event (replay); keeps its id, data and metadata, gets a new sequence. */
  publishEvent(event: UniversalEvent): boolean {
    const copy: UniversalEvent = { ...event, sequence: this.sequence++, metadata: { ...event.metadata } };
    return this.dispatch(copy, false) as boolean;
  }

  createEvent(type: string, data: unknown, options: PublishOptions = {}): UniversalEvent {
    if (typeof type !== 'string' || type.length === 0) throw new LlmspellError('INVALID_ARGUMENT', 'event type must be a non-empty string');
    if (options.ttl_seconds !== undefined && !(typeof options.ttl_seconds === 'number' && options.ttl_seconds >= 0)) {
      throw new LlmspellError('INVALID_ARGUMENT', 'ttl_seconds must be a non-negative number');
    }
    const id = newEventId();
    // An event published without a correlation id starts its own correlation: its id.
    const metadata: UniversalEvent['metadata'] = {
      correlation_id: options.correlation_id ?? id,
      tags: options.tags ? [...options.tags] : NO_TAGS,
      priority: options.priority ?? 0,
    };
    if (options.source !== undefined) metadata.source = options.source;
    if (options.target !== undefined) metadata.target = options.target;
    if (options.ttl_seconds !== undefined) metadata.ttl = options.ttl_seconds;
    return {
      id,
      event_type: type,
      data: data === undefined ? null : data,
      language: options.language === undefined ? 'native' : normalizeEventLanguage(options.language),
      timestamp: this.isoNow(),
      sequence: this.sequence++,
      metadata,
      schema_version: '1.0',
    };
  }

  private lastMs = -1;
  private lastIso = '';

  /** ISO time, formatted once per millisecond (formatting costs more than the rest of a publish). */
  private isoNow(): string {
    const ms = this.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  private hasEmitHooks(): boolean {
    const h = this.hooks;
    return h !== undefined && (h.hasHooks('BeforeEventEmit') || h.hasHooks('AfterEventEmit'));
  }

  /**
   * In order behind earlier hooked publishes — unless published from inside this bus's emit
   * hook: that one runs now (its hooks see it; the same script hook is skipped as re-entered),
   * as the publish it would queue behind is the one waiting for the hook.
   */
  private ordered<T>(fn: () => Promise<T>): Promise<T> {
    if (emitHooksOf.getStore() === this) return fn();
    return this.enqueue(fn);
  }

  /** Keeps publishes in order while hooks (async) run around them. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    this.chained += 1;
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined).finally(() => {
      this.chained -= 1;
    });
    return p;
  }

  private async publishWithHooks(event: UniversalEvent, wait: boolean): Promise<boolean> {
    const hooks = this.hooks;
    if (hooks?.hasHooks('BeforeEventEmit')) {
      const ctx = this.hookContext('BeforeEventEmit', event, { input: event.data, event_type: event.event_type });
      const r = await emitHooksOf.run(this, () => hooks.execute('BeforeEventEmit', ctx));
      if (r.type === 'cancel') {
        this.counters.rejected += 1;
        return false;
      }
      if (r.type === 'modified' || r.type === 'replace') {
        event.data = modifiedField(r.data, 'input', ctx.data) ?? null;
      }
    }
    const accepted = await this.dispatch(event, wait);
    if (hooks?.hasHooks('AfterEventEmit')) {
      const after = this.hookContext('AfterEventEmit', event, { input: event.data, event_type: event.event_type, accepted });
      await emitHooksOf.run(this, () => hooks.execute('AfterEventEmit', after));
    }
    return accepted;
  }

  private hookContext(point: HookContext['point'], event: UniversalEvent, data: Record<string, unknown>): HookContext {
    return {
      point,
      component_id: { id: `event:${event.event_type}`, type: 'event', name: event.event_type },
      data: { ...data, event: { id: event.id, event_type: event.event_type, sequence: event.sequence, metadata: event.metadata } },
      metadata: {},
      correlation_id: event.metadata.correlation_id,
      language: event.language,
      timestamp: event.timestamp,
    };
  }

  private takeToken(): boolean {
    const rate = this.config.rate_limit_per_second;
    if (!(rate > 0)) return true;
    const now = this.now();
    const cap = this.config.rate_limit_burst || rate;
    this.tokens = Math.min(cap, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Routes one event to every matching subscriber and handler. */
  private dispatch(event: UniversalEvent, wait: boolean): boolean | Promise<boolean> {
    if (this.closed) return false;
    if (!this.takeToken()) {
      this.counters.rateLimited += 1;
      return false;
    }
    this.counters.published += 1;
    const subs = this.route(event.event_type);
    let accepted = true;
    let blocked: Promise<boolean>[] | undefined;
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i];
      switch (s.deliver(event)) {
        case 'delivered': this.counters.delivered += 1; break;
        case 'queued': this.counters.queued += 1; break;
        case 'dropped': this.counters.dropped += 1; accepted = false; break;
        case 'rejected': this.counters.rejected += 1; accepted = false; break;
        case 'blocked':
          this.counters.blocked += 1;
          if (wait) (blocked ??= []).push(s.whenAccepted(event));
          break;
      }
    }
    const handlers = this.handlerRoute(event.event_type);
    for (let i = 0; i < handlers.length; i++) this.callHandler(handlers[i], event);
    // Internal handlers (telemetry's, which sees every event) are not subscribers.
    if (subs.length === 0 && (this.externalHandlers === 0 || !handlers.some((h) => !h.internal))) this.counters.unrouted += 1;
    if (this.store.enabled && this.store.wants(event.event_type)) this.store.persist(event);
    if (blocked) return Promise.all(blocked).then((all) => accepted && all.every(Boolean));
    return accepted;
  }

  private callHandler(h: { pattern: string; fn: Handler }, event: UniversalEvent): void {
    const onError = (error: unknown) => {
      this.counters.handlerErrors += 1;
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`event handler for '${h.pattern}' failed`, { event_type: event.event_type, error: message });
      this.notifications.emit('handler_error', { pattern: h.pattern, event_type: event.event_type, error: message });
      if (this.hooks?.hasHooks('EventHandlerError')) {
        void this.hooks.execute('EventHandlerError', this.hookContext('EventHandlerError', event, {
          input: event.data, event_type: event.event_type, pattern: h.pattern, error: { code: 'HOOK_ERROR', message },
        })).catch(() => undefined);
      }
    };
    try {
      const r = h.fn(event);
      if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, onError);
    } catch (error) {
      onError(error);
    }
  }

  private route(type: string): readonly Subscription[] {
    let r = this.routes.get(type);
    if (r === undefined) {
      if (this.subs.size === 0) return EMPTY_SUBS;
      const found: Subscription[] = [];
      for (const s of this.subs.values()) if (s.matches(type)) found.push(s);
      r = found.length ? found : EMPTY_SUBS;
      if (this.routes.size >= ROUTE_CACHE_MAX) this.routes.clear();
      this.routes.set(type, r);
    }
    return r;
  }

  private handlerRoute(type: string): ReadonlyArray<{ pattern: string; fn: Handler; internal: boolean }> {
    if (this.handlers.length === 0) return EMPTY_SUBS as unknown as [];
    let r = this.handlerRoutes.get(type);
    if (r === undefined) {
      r = this.handlers.filter((h) => h.matches(type));
      if (this.handlerRoutes.size >= ROUTE_CACHE_MAX) this.handlerRoutes.clear();
      this.handlerRoutes.set(type, r);
    }
    return r;
  }

  // ---- subscribing ------------------------------------------------------------------

  /** A queue-backed subscription to one or more patterns; read it with `receive`. */
  subscribe(pattern: string | string[], options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new LlmspellError('INTERNAL', 'event bus is closed');
    const patterns = Array.isArray(pattern) ? pattern : [pattern];
    if (patterns.length === 0) throw new LlmspellError('INVALID_ARGUMENT', 'pattern: give at least one event pattern');
    const matchers = patterns.map((p, i) => {
      if (typeof p !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `pattern${patterns.length > 1 ? `[${i + 1}]` : ''} must be a string`);
      return compileEventPattern(p);
    });
    if (this.subs.size >= this.config.max_subscriptions) {
      throw new LlmspellError('RATE_LIMITED', `too many event subscriptions (max ${this.config.max_subscriptions}); unsubscribe some first`);
    }
    const max = options.max_queue_size ?? this.config.max_queue_size;
    if (!Number.isInteger(max) || max < 1) throw new LlmspellError('INVALID_ARGUMENT', 'max_queue_size must be a positive integer');
    const blockTimeout = options.block_timeout_ms ?? this.config.block_timeout_ms;
    if (typeof blockTimeout !== 'number' || !(blockTimeout >= 0)) throw new LlmspellError('INVALID_ARGUMENT', 'block_timeout_ms must be a non-negative number');
    const strategy = options.backpressure === undefined ? this.config.backpressure : parseOverflowStrategy(options.backpressure);
    const matches: EventMatcher = matchers.length === 1 ? matchers[0] : (t) => matchers.some((m) => m(t));
    const sub = new Subscription(
      `sub_${this.nextSub++}`, patterns, matches, normalizeEventLanguage(options.language), max, strategy, blockTimeout,
      (n) => this.notifications.emit('flow', n), options.owner,
    );
    this.subs.set(sub.id, sub);
    this.routes.clear();
    return sub;
  }

  /**
   * Calls `fn` for each matching event as it is published (errors are logged, never thrown).
   * `except` names types the handler never wants although the pattern matches them: for those
   * `hasSubscribers` stays false on its account, so a publisher can skip building the event.
   */
  on(pattern: string, fn: Handler, options: { except?: (type: string) => boolean; internal?: boolean } = {}): () => void {
    const glob = compileEventPattern(pattern);
    const except = options.except;
    const internal = options.internal === true;
    const entry = { pattern, matches: except ? (type: string) => glob(type) && !except(type) : glob, fn, internal };
    this.handlers.push(entry);
    if (!internal) this.externalHandlers += 1;
    this.handlerRoutes.clear();
    return () => {
      const i = this.handlers.indexOf(entry);
      if (i >= 0) {
        this.handlers.splice(i, 1);
        if (!internal) this.externalHandlers -= 1;
        this.handlerRoutes.clear();
      }
    };
  }

  getSubscription(id: string): Subscription | undefined {
    return this.subs.get(id);
  }

  private mustGet(id: string): Subscription {
    const s = typeof id === 'string' ? this.subs.get(id) : undefined;
    if (!s) throw new LlmspellError('NOT_FOUND', `no event subscription '${String(id)}' (unsubscribed, or never created)`);
    return s;
  }

  /** The next event for a subscription, waiting up to `timeoutMs`; null on timeout. */
  receive(id: string, timeoutMs = 5000, signal?: AbortSignal): Promise<UniversalEvent | null> {
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new LlmspellError('INVALID_ARGUMENT', 'timeout_ms must be a non-negative number');
    }
    return this.mustGet(id).receive(timeoutMs, signal);
  }

  /** Up to `max` events: whatever is queued, or waits up to `timeoutMs` for the first. */
  async receiveBatch(id: string, max = 100, timeoutMs = 0, signal?: AbortSignal): Promise<UniversalEvent[]> {
    const sub = this.mustGet(id);
    const out: UniversalEvent[] = [];
    const first = await sub.receive(timeoutMs, signal);
    if (!first) return out;
    out.push(first);
    while (out.length < max) {
      const e = sub.take();
      if (!e) break;
      out.push(e);
    }
    return out;
  }

  unsubscribe(id: string): boolean {
    const s = this.subs.get(id);
    if (!s) return false;
    this.subs.delete(id);
    this.routes.clear();
    s.close();
    return true;
  }

  unsubscribeOwner(owner: string): number {
    let n = 0;
    for (const s of [...this.subs.values()]) if (s.owner === owner && this.unsubscribe(s.id)) n += 1;
    return n;
  }

  listSubscriptions(): SubscriptionInfo[] {
    return [...this.subs.values()].map((s) => s.info());
  }

  // ---- persistence ------------------------------------------------------------------

  /** Persisted events matching `pattern`, oldest first. */
  getPersisted(pattern = '*', query: PersistedQuery = {}): Promise<UniversalEvent[]> {
    return this.store.query(compileEventPattern(pattern), query);
  }

  /** Re-publishes persisted events matching `pattern` (tagged `replayed`) and returns them. */
  async replay(pattern = '*', query: PersistedQuery = {}): Promise<UniversalEvent[]> {
    const events = await this.getPersisted(pattern, query);
    for (const e of events) {
      const tags = e.metadata.tags.includes('replayed') ? e.metadata.tags : [...e.metadata.tags, 'replayed'];
      this.publishEvent({ ...e, metadata: { ...e.metadata, tags } });
    }
    return events;
  }

  /** Waits for pending persistence writes and hook-wrapped publishes. */
  async flush(): Promise<void> {
    await this.chain;
    await this.store.flush();
  }

  stats(): EventBusStats {
    let buffer = 0;
    const byLang: Record<string, number> = {};
    for (const s of this.subs.values()) {
      buffer += s.queue.length;
      byLang[s.language] = (byLang[s.language] ?? 0) + 1;
    }
    const c = this.counters;
    return {
      events_published: c.published,
      events_delivered: c.delivered,
      events_queued: c.queued,
      events_dropped: c.dropped,
      events_rejected: c.rejected,
      events_blocked: c.blocked,
      events_without_subscribers: c.unrouted,
      rate_limit_violations: c.rateLimited,
      handler_errors: c.handlerErrors,
      active_subscriptions: this.subs.size,
      subscriptions_by_language: byLang,
      buffer_size: buffer,
      persisted: this.store.written,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => undefined);
    this.closed = true;
    for (const id of [...this.subs.keys()]) this.unsubscribe(id);
    this.handlers.length = 0;
    this.externalHandlers = 0;
    this.handlerRoutes.clear();
    this.notifications.removeAllListeners();
  }
}
