import type { EventSink, PublishOptions, SecurityPolicy } from '@llmspell/core';
import { isComponentEvent, type ComponentSpans } from './component-spans.js';
import { contentText, safeText } from './content.js';
import type { Attributes, SpanRecorder } from './span-recorder.js';

/**
 * Stands in for the runtime's event sink (`runtime.events`, what components publish to):
 * component lifecycle events go to ComponentSpans first, synchronously, inside the call that
 * published them; then on to the real bus when anyone there listens. With `[events] enabled
 * = false` there is no real bus, and telemetry still sees the calls.
 */
export class TracingEventSink implements EventSink {
  constructor(
    private readonly inner: EventSink | undefined,
    private readonly components: ComponentSpans,
    private readonly active: () => boolean,
    /** capture_content: spans keep a call's input, so events carry it. */
    private readonly readsContent = false,
  ) {}

  readsOnlyIdentity(type: string): boolean {
    if (this.readsContent || !this.active() || !isComponentEvent(type)) return false;
    const inner = this.inner;
    if (!inner) return true;
    if (inner.readsOnlyIdentity) return inner.readsOnlyIdentity(type);
    return inner.hasSubscribers ? !inner.hasSubscribers(type) : false;
  }

  hasSubscribers(type: string): boolean {
    if (this.active() && isComponentEvent(type)) return true;
    const inner = this.inner;
    if (!inner) return false;
    return inner.hasSubscribers ? inner.hasSubscribers(type) : true;
  }

  publish(type: string, data: unknown, options?: PublishOptions): void {
    if (this.active() && isComponentEvent(type)) {
      try {
        this.components.event(type, data);
      } catch {
        // Telemetry never fails the operation it watches.
      }
    }
    const inner = this.inner;
    if (inner && (!inner.hasSubscribers || inner.hasSubscribers(type))) inner.publish(type, data, options);
  }
}

/** What telemetry needs of the event bus: a synchronous handler for every event. */
export interface EventSource {
  on(pattern: string, fn: (event: { event_type: string; data: unknown; metadata?: { source?: string } }) => unknown, options?: { except?: (type: string) => boolean }): () => void;
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
  }, { except: ignored });
}
