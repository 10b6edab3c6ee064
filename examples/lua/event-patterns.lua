-- event-patterns.lua: publish events and receive them through glob-pattern subscriptions.
--   llmspell run examples/lua/event-patterns.lua
-- Event.subscribe(pattern) returns a subscription id; events whose type matches the pattern
-- queue up for it until Event.receive(id, timeout_ms) takes them (nil after the timeout).
-- Patterns: "*" matches within one dot-separated part ("*.failed" matches "payment.failed"),
-- "**" any number of parts, and a trailing "*" is a prefix match ("order.*" matches both
-- "order.created" and "order.item.added"). "{a,b}" and "?" work as in shell globs.

local orders = Event.subscribe("order.*")
local everything_failed = Event.subscribe("*.failed")

Event.publish("order.created", { id = 1001, total = 25.5 })
Event.publish("user.login", { user = "ada" })                        -- matches neither pattern
Event.publish("order.shipped", { id = 1001, carrier = "DHL" })
Event.publish("payment.failed", { id = 1001, reason = "card declined" })

-- Take events one at a time, in publish order.
local first = Event.receive(orders, 1000)
print(first.event_type .. " #" .. first.data.id .. " total " .. first.data.total)
local second = Event.receive(orders, 1000)
print(second.event_type .. " via " .. second.data.carrier)
print("nothing else for orders: " .. tostring(Event.receive(orders, 50) == nil))

local failure = Event.receive(everything_failed, 1000)
print(failure.event_type .. ": " .. failure.data.reason)

-- The runtime publishes its own events too: tools, agents, workflows and state writes.
local state_events = Event.subscribe("state.*")
State.save("custom:demo", "color", "blue")
local changed = Event.receive(state_events, 1000)
print(changed.event_type .. " " .. changed.data.scope .. "/" .. changed.data.key .. " = " .. changed.data.new_value)

-- Several at once with receive_batch(id, max, timeout_ms), and an explicit correlation id
-- to tie related events together.
local cid = Utils.uuid()
for i = 1, 3 do Event.publish("order.item.added", { n = i }, { correlation_id = cid }) end
local batch = Event.receive_batch(orders, 10, 500)
print("batch of " .. #batch .. ", same correlation: " .. tostring(batch[3].correlation_id == cid))

print("subscriptions: " .. #Event.list_subscriptions())
Event.unsubscribe(state_events)

return {
  order_types = { first.event_type, second.event_type },
  failed = failure.event_type,
  state_event = changed.event_type,
  batch = #batch,
  correlated = batch[1].correlation_id == cid,
}
