import { EventBus } from '@llmspell/hooks';
import { recordBusEvents } from './tracing-event-sink.js';

describe('recordBusEvents', () => {
  test('telemetry watching every event does not make events count as having subscribers', () => {
    const bus = new EventBus();
    const recorded: string[] = [];
    const recorder = { current: () => ({}), event: (_span: unknown, name: string) => recorded.push(name) };
    const policy = { redact: (t: string) => t, redactValue: (v: unknown) => v };
    const off = recordBusEvents(bus, recorder as never, policy as never, false, () => true);
    bus.publish('nobody.listens', {});
    expect(recorded).toEqual(['nobody.listens']);
    expect(bus.stats().events_without_subscribers).toBe(1);
    off();
  });
});
