import type { Logger, StateAccess } from '@llmspell/core';
import { BoundedQueue } from './bounded-queue.js';
import { compileEventPattern, type EventMatcher } from './event-pattern.js';
import type { UniversalEvent } from './universal-event.js';

export interface EventPersistenceConfig {
  enabled: boolean;
  /** Event-type patterns to persist; default all. */
  patterns: string[];
  /** Oldest events beyond this count are deleted. */
  max_events: number;
  /** Events older than this are deleted (seconds). */
  ttl_seconds: number;
  /** State scope the events are written to. */
  scope: string;
}

export interface PersistedQuery {
  /** ISO time or epoch ms: only events at or after it. */
  since?: string | number;
  until?: string | number;
  correlation_id?: string;
  limit?: number;
}

const KEY_PREFIX = 'event:';
const CLEANUP_EVERY = 500;

function toMs(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `event:<YYYYMMDDTHHMMSS.mmmZ>:<sequence>:<id>`, the reference's key layout; sorts by time. */
export function eventKey(e: UniversalEvent): string {
  const ts = e.timestamp.replace(/[-:]/g, '');
  return `${KEY_PREFIX}${ts}:${String(e.sequence).padStart(12, '0')}:${e.id}`;
}

function keyTime(key: string): number {
  const t = key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 19);
  return Date.parse(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 19)}Z`);
}

/**
 * Keeps published events for replay: in the state layer (the runtime's StateAccess, so they
 * survive the process with a persistent backend) when there is one, else in memory. Writes
 * are queued in order and never slow the publisher; failures are logged.
 */
export class EventStore {
  readonly enabled: boolean;
  private readonly matchers: EventMatcher[];
  private readonly wantCache = new Map<string, boolean>();
  private readonly memory: BoundedQueue<UniversalEvent>;
  private pending: Promise<unknown> = Promise.resolve();
  private sinceCleanup = 0;
  written = 0;

  constructor(readonly config: EventPersistenceConfig, private readonly state: () => StateAccess | undefined, private readonly logger: Logger) {
    this.enabled = config.enabled;
    this.matchers = (config.patterns.length ? config.patterns : ['*']).map(compileEventPattern);
    this.memory = new BoundedQueue(Math.max(1, config.max_events));
  }

  wants(type: string): boolean {
    if (!this.enabled) return false;
    let w = this.wantCache.get(type);
    if (w === undefined) {
      w = this.matchers.some((m) => m(type));
      if (this.wantCache.size > 4096) this.wantCache.clear();
      this.wantCache.set(type, w);
    }
    return w;
  }

  persist(event: UniversalEvent): void {
    // Replayed events are already stored.
    if (event.metadata.tags.includes('replayed')) return;
    // Our own writes make the state layer publish `state.changed`; storing those would loop.
    if (event.event_type.startsWith('state.') && (event.data as { scope?: unknown } | null)?.scope === this.config.scope) return;
    this.written += 1;
    const state = this.state();
    if (!state) {
      if (this.memory.full) this.memory.shift();
      this.memory.push(event);
      return;
    }
    const key = eventKey(event);
    this.pending = this.pending
      .then(() => state.set(this.config.scope, key, event))
      .then(() => {
        if (++this.sinceCleanup >= CLEANUP_EVERY) {
          this.sinceCleanup = 0;
          return this.cleanup(state);
        }
        return undefined;
      })
      .catch((error: unknown) => this.logger.warn('persisting an event failed', { event_type: event.event_type, error: String(error) }));
  }

  /** Deletes events beyond max_events and older than ttl_seconds. */
  async cleanup(state: StateAccess | undefined = this.state()): Promise<number> {
    if (!state) return 0;
    const keys = (await state.keys(this.config.scope)).filter((k) => k.startsWith(KEY_PREFIX)).sort();
    const cutoff = Date.now() - this.config.ttl_seconds * 1000;
    const excess = Math.max(0, keys.length - this.config.max_events);
    let removed = 0;
    for (let i = 0; i < keys.length; i++) {
      if (i < excess || keyTime(keys[i]) < cutoff) {
        await state.delete(this.config.scope, keys[i]);
        removed += 1;
      } else break;
    }
    return removed;
  }

  async query(matches: EventMatcher, q: PersistedQuery = {}): Promise<UniversalEvent[]> {
    await this.flush();
    const since = toMs(q.since);
    const until = toMs(q.until);
    const limit = q.limit !== undefined && q.limit > 0 ? q.limit : Infinity;
    const keep = (e: UniversalEvent | undefined): e is UniversalEvent => {
      if (!e || typeof e !== 'object' || typeof e.event_type !== 'string') return false;
      if (!matches(e.event_type)) return false;
      const t = Date.parse(e.timestamp);
      if (since !== undefined && t < since) return false;
      if (until !== undefined && t > until) return false;
      if (q.correlation_id && e.metadata?.correlation_id !== q.correlation_id) return false;
      return true;
    };
    const out: UniversalEvent[] = [];
    const state = this.state();
    if (!state) {
      for (const e of this.memory.toArray()) if (keep(e) && out.length < limit) out.push(e);
      return out;
    }
    const keys = (await state.keys(this.config.scope)).filter((k) => k.startsWith(KEY_PREFIX)).sort();
    for (const k of keys) {
      if (out.length >= limit) break;
      const t = keyTime(k);
      if (since !== undefined && t < since - 1) continue;
      if (until !== undefined && t > until + 1) break;
      const e = (await state.get(this.config.scope, k)) as UniversalEvent | undefined;
      if (keep(e)) out.push(e);
    }
    return out;
  }

  async flush(): Promise<void> {
    await this.pending;
  }
}
