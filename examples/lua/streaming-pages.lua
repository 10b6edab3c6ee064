-- streaming-pages.lua: pull values one at a time from a generator with Streaming.
-- A stream wraps a function that yields (Streaming.yield or coroutine.yield); the
-- caller pulls with :next(), checks :isDone(), or takes the rest with :collect().
--   llmspell run examples/lua/streaming-pages.lua

local function pages(total, size)
  return Streaming.create(function()
    for start = 1, total, size do
      local page = {}
      for i = start, math.min(start + size - 1, total) do page[#page + 1] = i * i end
      Streaming.yield(page)
    end
  end)
end

local stream = pages(10, 4)
local first = stream:next()           -- {1, 4, 9, 16}
print("first page has " .. #first .. " squares")
local rest = stream:collect()         -- the remaining pages
print("then " .. #rest .. " more pages, done: " .. tostring(stream:isDone()))

return { first = first, pages_left = #rest, last = rest[#rest], done = stream:isDone() }
