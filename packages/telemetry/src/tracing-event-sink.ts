import type { SecurityPolicy } from '@llmspell/core';
import { isComponentEvent } from './component-spans.js';
import { contentText, safeText } from './content.js';
import type { Attributes, SpanRecorder } from './span-recorder.js';

/** What telemetry needs of the event bus: a synchronous handler for every event. */
export interface EventSource {
  on(pattern: string, fn: (event: { event_type: string; data: unknown; metadata?: { source?: string } }) => unknown, options?: { except?: (type: string) => boolean; internal?: boolean }): () => void;
}

/**
 * Other events (a script's `Event.publish`, `hook.failed`, workflow events) become span
 * events on the span that was current when they were published. Their data is content and
 * goes in only with capture_content; hook events carry no user data and always do.
 */
export function recordBusEvents(bus: EventSource, recorder: SpanRecorder, policy: SecurityPolicy, captureContent: boolean, active: () => boolean): () => void {
  // Types it never records are excepted, not just ignored: a publisher checking for listeners
  // (the state manager's state.changed, with its read of the old value) then skips the work.
  const ignored = (type: string) => isComponentEvent(type) || type === 'state.changed' || type.startsWith('run.');
  return bus.on('*', (event) => {
    if (!active()) return;
    const type = event.event_type;
    const span = recorder.current();
    if (!span) return;
    const attributes: Attributes = { 'llmspell.event.type': safeText(type, policy) };
    if (event.metadata?.source) attributes['llmspell.event.source'] = safeText(event.metadata.source, policy);
    if (captureContent || type.startsWith('hook.')) attributes['llmspell.event.data'] = contentText(event.data, policy);
    recorder.event(span, safeText(type, policy), attributes);
  // internal: recording every event does not make an event one with subscribers (Event.get_stats).
  }, { except: ignored, internal: true });
}
