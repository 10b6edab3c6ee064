// event-patterns.js: follow what the runtime does through its events, and publish your own.
//   llmspell run examples/js/event-patterns.js
// Event.subscribe takes a glob pattern (or a list of them) and returns an id;
// Event.receive(id, timeoutMs) resolves to the next matching event, or null after the timeout.

// Tool calls publish tool.started / tool.completed / tool.failed.
const toolEvents = Event.subscribe('tool.*');
await Tool.invoke('calculator', { input: '2 + 2' });
try {
  await Tool.invoke('calculator', { input: '2 +' });
} catch {
  // the failure is also an event
}

const seen = [];
for (let e = await Event.receive(toolEvents, 200); e; e = await Event.receive(toolEvents, 200)) {
  seen.push(`${e.event_type}(${e.data.component})`);
}
print(`tool events: ${seen.join(', ')}`);

// Your own events: several patterns on one subscription.
const alerts = Event.subscribe(['alert.*', 'metrics.cpu.*']);
await Event.publish('alert.disk', { free_gb: 2 }, { tags: ['ops'] });
await Event.publish('metrics.memory.high', { percent: 91 }); // not matched
await Event.publish('metrics.cpu.high', { percent: 97 });

const batch = await Event.receive_batch(alerts, 10, 200);
print(`alerts: ${batch.map((e) => `${e.event_type}=${JSON.stringify(e.data)}`).join('; ')}`);

const stats = Event.get_stats();
print(`events published so far: ${stats.event_bus_stats.events_published}`);
Event.unsubscribe(toolEvents);
Event.unsubscribe(alerts);

export default {
  tool_events: seen,
  alerts: batch.map((e) => e.event_type),
  subscriptions_left: Event.list_subscriptions().length,
};
