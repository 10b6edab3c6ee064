import { LlmspellError, ownEntry, timerDelay } from '@llmspell/core';
import { BoundedQueue } from './bounded-queue.js';
import type { EventMatcher } from './event-pattern.js';
import { isExpired, type UniversalEvent } from './universal-event.js';

export const OverflowStrategies = ['drop_oldest', 'drop_newest', 'reject', 'block'] as const;
export type OverflowStrategy = (typeof OverflowStrategies)[number];

const STRATEGY_ALIASES: Record<string, OverflowStrategy> = {
  drop_oldest: 'drop_oldest', dropoldest: 'drop_oldest', oldest: 'drop_oldest',
  drop_newest: 'drop_newest', dropnewest: 'drop_newest', newest: 'drop_newest', drop: 'drop_newest',
  reject: 'reject',
  block: 'block',
};

export function parseOverflowStrategy(value: unknown, param = 'backpressure'): OverflowStrategy {
  if (typeof value === 'string') {
    const s = ownEntry(STRATEGY_ALIASES, value.toLowerCase().replace(/-/g, '_')) ?? ownEntry(STRATEGY_ALIASES, value.toLowerCase().replace(/[-_]/g, ''));
    if (s) return s;
  }
  throw new LlmspellError('INVALID_ARGUMENT', `${param}: unknown overflow strategy '${String(value)}' (drop_oldest, drop_newest, reject, block)`);
}

export type DeliveryOutcome = 'delivered' | 'queued' | 'dropped' | 'rejected' | 'blocked';

export interface SubscriptionStats {
  received: number;
  delivered: number;
  dropped: number;
  rejected: number;
  blocked: number;
  block_timeouts: number;
  expired: number;
}

export interface SubscriptionInfo {
  id: string;
  pattern: string;
  patterns: string[];
  language: string;
  queue_size: number;
  max_queue_size: number;
  backpressure: OverflowStrategy;
  block_timeout_ms: number;
  stats: SubscriptionStats;
}

interface Waiter {
  resolve: (e: UniversalEvent | null) => void;
  timer?: NodeJS.Timeout;
  cleanup?: () => void;
}

interface Parked {
  event: UniversalEvent;
  timer: NodeJS.Timeout;
  settle?: (accepted: boolean) => void;
}

export type FlowNotification =
  | { type: 'warning'; subscription: string; queue_size: number; max_queue_size: number }
  | { type: 'relieved'; subscription: string; queue_size: number; max_queue_size: number };

/**
 * One subscriber's bounded queue. When it is full the strategy decides: `drop_oldest`
 * makes room by discarding the oldest queued event, `drop_newest` discards the incoming
 * one, `reject` refuses it (the publisher is told), `block` holds it until the subscriber
 * makes room or `block_timeout_ms` passes (then it is dropped).
 */
export class Subscription {
  readonly queue: BoundedQueue<UniversalEvent>;
  private readonly waiters: Waiter[] = [];
  private readonly parked: Parked[] = [];
  private pressured = false;
  closed = false;
  readonly stats: SubscriptionStats = { received: 0, delivered: 0, dropped: 0, rejected: 0, blocked: 0, block_timeouts: 0, expired: 0 };

  constructor(
    readonly id: string,
    readonly patterns: string[],
    readonly matches: EventMatcher,
    readonly language: string,
    readonly maxQueueSize: number,
    readonly strategy: OverflowStrategy,
    readonly blockTimeoutMs: number,
    private readonly notify?: (n: FlowNotification) => void,
    readonly owner?: string,
  ) {
    this.queue = new BoundedQueue(maxQueueSize);
  }

  /** Hands the event to a waiting receiver, queues it, or applies the overflow strategy. */
  deliver(event: UniversalEvent): DeliveryOutcome {
    this.stats.received += 1;
    if (this.waiters.length > 0 && this.queue.length === 0) {
      const w = this.waiters.shift()!;
      w.cleanup?.();
      this.stats.delivered += 1;
      w.resolve(event);
      return 'delivered';
    }
    if (this.parked.length === 0 && this.queue.push(event)) {
      if (!this.pressured && this.queue.length >= this.maxQueueSize * 0.8) {
        this.pressured = true;
        this.notify?.({ type: 'warning', subscription: this.id, queue_size: this.queue.length, max_queue_size: this.maxQueueSize });
      }
      return 'queued';
    }
    switch (this.strategy) {
      case 'drop_oldest':
        this.queue.shift();
        this.queue.push(event);
        this.stats.dropped += 1;
        return 'queued';
      case 'drop_newest':
        this.stats.dropped += 1;
        return 'dropped';
      case 'reject':
        this.stats.rejected += 1;
        return 'rejected';
      case 'block':
        this.park(event);
        return 'blocked';
    }
  }

  /** For a publisher that waits: resolves true once the event is queued, false if it timed out. */
  whenAccepted(event: UniversalEvent): Promise<boolean> {
    const p = this.parked.find((x) => x.event === event);
    if (!p) return Promise.resolve(true);
    return new Promise((resolve) => {
      p.settle = resolve;
    });
  }

  private park(event: UniversalEvent): void {
    this.stats.blocked += 1;
    const entry: Parked = {
      event,
      timer: setTimeout(() => {
        const i = this.parked.indexOf(entry);
        if (i >= 0) this.parked.splice(i, 1);
        this.stats.block_timeouts += 1;
        this.stats.dropped += 1;
        entry.settle?.(false);
      }, timerDelay(this.blockTimeoutMs)),
    };
    entry.timer.unref?.();
    this.parked.push(entry);
  }

  /** Next event, skipping expired ones; moves a parked event in when room frees up. */
  take(): UniversalEvent | null {
    for (;;) {
      const e = this.queue.shift();
      this.unpark();
      if (e === undefined) return null;
      if (e.metadata.ttl !== undefined && isExpired(e)) {
        this.stats.expired += 1;
        continue;
      }
      this.stats.delivered += 1;
      if (this.pressured && this.queue.length <= this.maxQueueSize * 0.2) {
        this.pressured = false;
        this.notify?.({ type: 'relieved', subscription: this.id, queue_size: this.queue.length, max_queue_size: this.maxQueueSize });
      }
      return e;
    }
  }

  private unpark(): void {
    while (this.parked.length > 0 && !this.queue.full) {
      const p = this.parked.shift()!;
      clearTimeout(p.timer);
      this.queue.push(p.event);
      p.settle?.(true);
    }
  }

  /** Waits up to `timeoutMs` for an event; null on timeout, abort or unsubscribe. */
  receive(timeoutMs: number, signal?: AbortSignal): Promise<UniversalEvent | null> {
    const ready = this.take();
    if (ready || this.closed || timeoutMs <= 0 || signal?.aborted) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve };
      const onAbort = () => finish(null);
      const finish = (e: UniversalEvent | null) => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        waiter.cleanup?.();
        resolve(e);
      };
      waiter.cleanup = () => {
        if (waiter.timer) clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (Number.isFinite(timeoutMs)) waiter.timer = setTimeout(() => finish(null), timerDelay(timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.cleanup?.();
      w.resolve(null);
    }
    for (const p of this.parked.splice(0)) {
      clearTimeout(p.timer);
      p.settle?.(false);
    }
    this.queue.clear();
  }

  info(): SubscriptionInfo {
    return {
      id: this.id,
      pattern: this.patterns.join(','),
      patterns: [...this.patterns],
      language: this.language,
      queue_size: this.queue.length + this.parked.length,
      max_queue_size: this.maxQueueSize,
      backpressure: this.strategy,
      block_timeout_ms: this.blockTimeoutMs,
      stats: { ...this.stats },
    };
  }
}
