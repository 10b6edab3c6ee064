import { randomUUID } from 'node:crypto';

export const EVENT_LANGUAGES = ['rust', 'lua', 'javascript', 'python', 'native', 'unknown'] as const;

export interface EventMetadata {
  correlation_id: string;
  source?: string;
  target?: string;
  tags: string[];
  /** Lower is more urgent; informational (routing ignores it). */
  priority: number;
  /** Seconds after `timestamp` when the event expires; expired events are not delivered. */
  ttl?: number;
}

/** The reference's UniversalEvent (CODE format, spec 3.1). */
export interface UniversalEvent {
  id: string;
  event_type: string;
  data: unknown;
  language: string;
  timestamp: string;
  /** Per bus, increasing from 0. */
  sequence: number;
  metadata: EventMetadata;
  schema_version: '1.0';
}

const LANG_ALIASES: Record<string, string> = { js: 'javascript', javascript: 'javascript', lua: 'lua', py: 'python', python: 'python', rust: 'rust', native: 'native', node: 'native', unknown: 'unknown' };

export function normalizeEventLanguage(value: unknown, fallback = 'native'): string {
  if (typeof value !== 'string') return fallback;
  return LANG_ALIASES[value.toLowerCase()] ?? 'unknown';
}

export function newEventId(): string {
  return randomUUID();
}

/** True when the event's ttl has passed. */
export function isExpired(event: UniversalEvent, now = Date.now()): boolean {
  const ttl = event.metadata.ttl;
  if (ttl === undefined) return false;
  return now - Date.parse(event.timestamp) > ttl * 1000;
}
