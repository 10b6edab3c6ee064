-- json-roundtrip.lua: JSON.parse and JSON.stringify in Lua (examples/js/json-roundtrip.js for JavaScript).
--   llmspell run examples/lua/json-roundtrip.lua

-- Parse text into Lua tables: objects become tables with keys, arrays 1-based lists.
local doc = JSON.parse('{"name": "llmspell", "tags": ["lua", "js"], "stars": 42, "meta": {"ok": true}}')
print(doc.name .. " has " .. #doc.tags .. " tags, first: " .. doc.tags[1])

-- Change it and write it back. Compact by default, pretty with a second argument.
doc.stars = doc.stars + 1
table.insert(doc.tags, "wasm")
local compact = JSON.stringify(doc)
print(compact)
print(JSON.stringify({ nested = { list = { 1, 2, 3 } } }, true))

-- A list stays a list; an empty table is written as {} (Lua cannot tell [] from {}).
print(JSON.stringify({ 1, 2, 3 }), JSON.stringify({}))

-- Bad input raises an error you can catch.
local ok, err = pcall(JSON.parse, "{not json")
print("parse error caught: " .. tostring(err):sub(1, 40))

-- Tool results are already parsed tables, so JSON is mostly for files and prompts.
local back = JSON.parse(compact)

return {
  stars = back.stars,
  tags = back.tags,
  meta_ok = back.meta.ok,
  list_json = JSON.stringify({ 1, 2, 3 }),
  parse_error = not ok and tostring(err):match("^([%u_]+):"),
}
