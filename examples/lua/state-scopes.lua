-- state-scopes.lua: keep data between runs with State: scopes, counters and atomic updates.
--   llmspell run examples/lua/state-scopes.lua       (run it twice: the run counter goes up)
-- State lives in SQLite by default (~/.local/share/llmspell/state.db); LLMSPELL_STATE_BACKEND=memory
-- keeps it for one run only.

-- Scopes keep keys apart: "global", "agent:<name>", "workflow:<name>", "session:<id>", "custom:<x>".
State.save("session:demo", "theme", "dark")
State.save("agent:helper", "theme", "terse")
print("session theme: " .. State.load("session:demo", "theme"))
print("agent theme:   " .. State.load("agent:helper", "theme"))

-- The short forms use the global scope: State.set(key, value) / State.get(key).
State.set("last_script", "state-scopes.lua")

-- increment is atomic, even with several processes on the same database.
local runs = State.increment("global", "example_runs", 1)
print("this example ran " .. runs .. " time(s)")

-- update(scope, key, fn): read-modify-write without lost updates; returning nil deletes the key.
local history = State.update("session:demo", "history", function(list)
  list = list or {}
  table.insert(list, "run " .. runs)
  return list
end)
print("history length: " .. #history)

-- Any JSON-like value round-trips: tables, lists, numbers, booleans.
State.save("custom:prefs", "notify", { email = true, hours = { 9, 17 } })
local prefs = State.load("custom:prefs", "notify")

-- list_keys, exists, delete and clear (clear empties one scope atomically).
local keys = State.list_keys("session:demo")
table.sort(keys)
print("session keys: " .. table.concat(keys, ", "))
State.delete("agent:helper", "theme")
local cleared = State.clear("custom:prefs")

return {
  runs = runs,
  keys = keys,
  hours = prefs.hours,
  agent_theme_deleted = State.load("agent:helper", "theme") == nil,   -- a missing key loads as nil
  exists = State.exists("session:demo", "theme"),
  cleared = cleared,
  global = State.get("last_script"),
}
