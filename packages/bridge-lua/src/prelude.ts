/**
 * Lua run once per context, before any script, as chunk "=llmspell". It receives the
 * host's print/warn functions, builds the sandbox (what the standard libraries keep) and
 * returns the private pieces the bridge needs: the two sentinels, the runner, the
 * metatable of tables the host fills on first use, its collector step, and the metatable of
 * error values.
 *
 * AWAIT is yielded (with a pending-call id) by a host function whose result is a promise;
 * the runner's thread hands it to the bridge, which resumes the thread once the promise
 * settles. Scripts' own coroutines pass AWAIT upwards (coroutine.resume/wrap below) so a
 * host call inside a user coroutine still waits for the host and not for the coroutine.
 *
 * FATAL is raised by the bridge when the time limit passes or the run is cancelled; like
 * "not enough memory" it cannot be caught by pcall/xpcall/coroutine.resume: the wrappers
 * raise it again so the script stops.
 */
export const PRELUDE_CHUNKNAME = '=llmspell';

export const PRELUDE_SOURCE = String.raw`
local host_print, host_warn, memory_limit = ...
local AWAIT = setmetatable({}, { __tostring = function() return "llmspell: awaiting the host" end, __metatable = false })
local FATAL = setmetatable({}, { __tostring = function() return "llmspell: script stopped" end, __metatable = false })
local MEMORY = "not enough memory"
local PRELUDE = "=llmspell"

local type, select, error, tostring, rawequal, setmetatable, getmetatable =
  type, select, error, tostring, rawequal, setmetatable, getmetatable
local raw_pcall, raw_xpcall, raw_load, raw_collectgarbage = pcall, xpcall, load, collectgarbage
local concat = table.concat
local getinfo, traceback, debug_getmetatable = debug.getinfo, debug.traceback, debug.getmetatable
local co_create, co_resume, co_yield, co_running, co_isyieldable =
  coroutine.create, coroutine.resume, coroutine.yield, coroutine.running, coroutine.isyieldable

local function fatal(e)
  return rawequal(e, FATAL) or e == MEMORY
end

-- A library function this prelude wraps (table.concat, string.rep, table.insert, print's
-- tostring...) raises its errors at its caller's level: the wrapper's line, "llmspell:190: ...",
-- where the real function would name the script's. Such a message is told from the script's
-- frame nearest to the error instead, once, where it is caught (pcall, xpcall,
-- coroutine.resume, the host's runner); errors that pass no wrapper cost one find.
local find, gsub = string.find, string.gsub
local AT_PRELUDE = "^llmspell:%d+: "

local function script_at(info)
  if info.currentline > 0 then return info.short_src .. ":" .. info.currentline .. ": " end
  return ""
end

-- e, told from the first frame that is neither C nor this prelude, from 'level' up; 'level'
-- counts from the function that calls this one (1: that function), or in thread 'co' from its top (0)
local function located(e, level, co)
  if type(e) ~= "string" or not find(e, AT_PRELUDE) then return e end
  local text = gsub(e, AT_PRELUDE, "", 1)
  if co == nil then level = level + 1 end
  while true do
    local info
    if co == nil then info = getinfo(level, "Sl") else info = getinfo(co, level, "Sl") end
    if not info then return text end
    if info.what ~= "C" and info.source ~= PRELUDE then return script_at(info) .. text end
    level = level + 1
  end
end

local function unavailable(name)
  return function()
    error(name .. " is not available in the llmspell sandbox", 2)
  end
end

-- Threads the host runs (a script's main chunk, a callback): not user coroutines.
local drivers = setmetatable({}, { __mode = "k" })

-- pcall / xpcall: everything but the stop signals is catchable.
local function pcall_pass(ok, ...)
  if not ok and fatal((...)) then error((...), 0) end
  return ok, ...
end
-- a message handler: level 1 is the handler, 2 the function that raised the error
local function caught(e)
  if fatal(e) then return e end
  local told = located(e, 2)
  return told
end
pcall = function(f, ...)
  return pcall_pass(raw_xpcall(f, caught, ...))
end
xpcall = function(f, handler, ...)
  return pcall_pass(raw_xpcall(f, function(e)
    if fatal(e) then return e end
    return handler((located(e, 2)))
  end, ...))
end

-- coroutines: a host call waiting inside a user coroutine makes the enclosing thread wait too.
local function resume_pass(c, ok, first, ...)
  if ok and rawequal(first, AWAIT) then
    return resume_pass(c, co_resume(c, co_yield(AWAIT, ...)))
  end
  if not ok then
    if fatal(first) then error(first, 0) end
    -- the dead coroutine keeps its stack for inspection: told from its frames
    return ok, located(first, 0, c), ...
  end
  return ok, first, ...
end
local function wrap_pass(ok, ...)
  if ok then return ... end
  error((...), 0)
end
coroutine.resume = function(c, ...)
  return resume_pass(c, co_resume(c, ...))
end
coroutine.wrap = function(f)
  local c = co_create(f)
  return function(...)
    return wrap_pass(resume_pass(c, co_resume(c, ...)))
  end
end
coroutine.yield = function(...)
  if drivers[co_running()] then error("attempt to yield from outside a coroutine", 2) end
  return co_yield(...)
end
coroutine.isyieldable = function(c)
  c = c or co_running()
  if drivers[c] then return false end
  return co_isyieldable(c)
end
coroutine.running = function()
  local c, main = co_running()
  return c, main or drivers[c] == true
end

-- text chunks only: binary chunks could break the VM.
load = function(chunk, chunkname, mode, ...)
  if select("#", ...) > 0 then return raw_load(chunk, chunkname, "t", ...) end
  return raw_load(chunk, chunkname, "t")
end

local gc_allowed = { collect = true, count = true, step = true, isrunning = true, incremental = true, generational = true }
collectgarbage = function(opt, ...)
  if opt ~= nil and not gc_allowed[opt] then
    error("collectgarbage('" .. tostring(opt) .. "') is not available in the llmspell sandbox", 2)
  end
  return raw_collectgarbage(opt, ...)
end

-- Lua runs finalizers with debug hooks off, so a __gc handler could never be stopped by
-- the time limit: tables get no finalizers here.
local raw_setmetatable, rawget = setmetatable, rawget

-- LAZY: the metatable of a table the host fills on first use (a hook's or a step's context;
-- the bridge adds __index, __newindex and __gc, and its own next, rawget, rawset and
-- getmetatable, which fill such a table first). Any read or write of a key fills it (t[LAZY]
-- is such a read) and replaces LAZY by the table's own metatable (or none): a script sees the
-- table it would have had.
local LAZY = {}
local raw_next = next
LAZY.__pairs = function(t)
  local _ = t[LAZY]
  return raw_next, t, nil
end

_ENV.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not available in the llmspell sandbox", 2)
  end
  if rawequal(getmetatable(t), LAZY) then local _ = t[LAZY] end
  return raw_setmetatable(t, mt)
end

-- Library functions that loop in C over counts the script chooses run where the count hook
-- never fires: string.rep("", math.maxinteger) or table.move({}, 1, math.maxinteger - 10, 2)
-- would hold the host for hours. Results that cannot fit in the memory limit are refused up
-- front; long loops run in chunks, with the hook (and so the time limit) between them.
-- Small calls go straight to the originals, as tail calls, so their errors name the script's line.
local math_type, tointeger, maxinteger, ult = math.type, math.tointeger, math.maxinteger, math.ult
local rep, move, insert, remove, sort = string.rep, table.move, table.insert, table.remove, table.sort
local CHUNK = 1 << 16

local function integer(v)
  if math_type(v) == "integer" then return v end
  if type(v) == "number" then return tointeger(v) end
  if type(v) == "string" then
    local n = tonumber(v)
    return n and tointeger(n)
  end
  return nil
end

local function byte_length(v)
  if type(v) == "string" then return #v end
  if type(v) == "number" then return #tostring(v) end
  return nil
end

string.rep = function(s, n, sep)
  local count, length = integer(n), byte_length(s)
  local sep_length = sep == nil and 0 or byte_length(sep)
  if count and length and sep_length and count > 0 then
    local total = (count + 0.0) * (length + sep_length) - sep_length
    if total <= 0 then return "" end
    if total > memory_limit then error(MEMORY, 0) end
  end
  return rep(s, n, sep)
end

local function chunked_move(a1, f, e, t, a2)
  move(a1, 1, 0, 1, a2) -- the original's checks of the tables; nothing moves
  if not (f > 0 or e < maxinteger + f) then error("bad argument #3 to 'move' (too many elements to move)", 2) end
  local last = e - f
  if t > maxinteger - last then error("bad argument #4 to 'move' (destination wrap around)", 2) end
  if t > e or t <= f or (a2 ~= nil and a1 ~= a2) then
    local i = 0
    while true do
      local j = last - i >= CHUNK and i + CHUNK - 1 or last
      move(a1, f + i, f + j, t + i, a2)
      if j == last then break end
      i = j + 1
    end
  else
    local j = last
    while true do
      local i = j >= CHUNK and j - CHUNK + 1 or 0
      move(a1, f + i, f + j, t + i, a2)
      if i == 0 then break end
      j = i - 1
    end
  end
  if a2 == nil then return a1 end
  return a2
end

table.move = function(a1, f, e, t, a2)
  local fi, ei, ti = integer(f), integer(e), integer(t)
  if not (fi and ei and ti) or ei < fi or (ei + 0.0) - fi < CHUNK then return move(a1, f, e, t, a2) end
  return chunked_move(a1, fi, ei, ti, a2)
end

table.concat = function(list, sep, i, j)
  local first = i == nil and 1 or integer(i)
  local last = j
  if j == nil and type(list) == "table" then last = #list end
  last = integer(last)
  if not (first and last) or last < first or (last + 0.0) - first < CHUNK then return concat(list, sep, i, last or j) end
  local parts, k = {}, 0
  while true do
    local upto = (last + 0.0) - first >= CHUNK and first + CHUNK - 1 or last
    k = k + 1
    parts[k] = concat(list, sep, first, upto)
    if upto == last then break end
    first = upto + 1
  end
  return concat(parts, sep)
end

-- insert/remove shift everything after the position: by #t, which __len (or a table with
-- keys at powers of two) can make huge; the shift goes through the chunked move.
table.insert = function(t, ...)
  local n = select("#", ...)
  local pos = integer((...))
  if n ~= 2 or type(t) ~= "table" or pos == nil then return insert(t, ...) end
  local e = #t + 1
  if not ult(pos - 1, e) then error("bad argument #2 to 'insert' (position out of bounds)", 2) end
  if pos < e then table.move(t, pos, e - 1, pos + 1) end
  t[pos] = select(2, ...)
end

table.remove = function(t, pos)
  if pos == nil or type(t) ~= "table" or integer(pos) == nil then return remove(t, pos) end
  local size, p = #t, integer(pos)
  if p ~= size and not (ult(p - 1, size) or p - 1 == size) then error("bad argument #2 to 'remove' (position out of bounds)", 2) end
  local value = t[p]
  if p < size then
    table.move(t, p + 1, size, p)
    p = size
  end
  t[p] = nil
  return value
end

-- a table with a metatable can claim any length and make up its elements in C
-- (__index = type): sort a plain copy, so reading them runs where the hook sees it
table.sort = function(t, comp)
  if type(t) ~= "table" or debug_getmetatable(t) == nil then return sort(t, comp) end
  local n = #t
  if math_type(n) ~= "integer" or n >= 0x7fffffff then return sort(t, comp) end
  local copy = {}
  for i = 1, n do copy[i] = t[i] end
  sort(copy, comp)
  for i = 1, n do t[i] = copy[i] end
end

dofile = unavailable("dofile")
loadfile = unavailable("loadfile")
require = unavailable("require")
string.dump = unavailable("string.dump")
for _, name in ipairs({ "execute", "remove", "rename", "exit", "getenv", "tmpname", "setlocale" }) do
  os[name] = unavailable("os." .. name)
end
debug = nil
io = nil
package = nil

print = function(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  host_print(concat(parts, "\t", 1, n))
end
warn = function(first, ...)
  if select("#", ...) == 0 and type(first) == "string" and first:sub(1, 1) == "@" then return end
  local parts = { first, ... }
  for i = 1, #parts do parts[i] = tostring(parts[i]) end
  host_warn(concat(parts))
end

-- ERROR: the metatable of an error value the host hands a script (a tool's soft failure's
-- result.error, a failed workflow's r.error; core's markScriptError): a table of fields
-- (message, code...) that reads as its message where a script uses it as text, as the
-- reference's scripts do: tostring(e), "x: " .. e (either side), e:match("API key") and the
-- other string methods (on the message), #e (the message's length), e < "m".
local ERROR = {}
local string_library = string
local function error_text(e)
  if type(e) ~= "table" or not rawequal(getmetatable(e), ERROR) then return e end
  local message = rawget(e, "message")
  if type(message) == "string" then return message end
  if message == nil then return "" end
  return tostring(message)
end
-- one method per string function, made on first use; weak, so a replaced function is not kept
local error_methods = setmetatable({}, { __mode = "k" })
ERROR.__index = function(_, key)
  local f = string_library[key]
  if type(f) ~= "function" then return nil end
  local method = error_methods[f]
  if method == nil then
    method = function(self, ...) return f(error_text(self), ...) end
    error_methods[f] = method
  end
  return method
end
ERROR.__tostring = error_text
ERROR.__concat = function(a, b)
  return error_text(a) .. error_text(b)
end
ERROR.__len = function(e)
  return #error_text(e)
end
ERROR.__lt = function(a, b)
  return error_text(a) < error_text(b)
end
ERROR.__le = function(a, b)
  return error_text(a) <= error_text(b)
end

local function describe(e)
  if type(e) == "string" then return e end
  if type(e) == "number" then return tostring(e) end
  local mt = getmetatable(e)
  if type(mt) == "table" and mt.__tostring then
    local ok, text = raw_pcall(tostring, e)
    if ok and type(text) == "string" then return text end
  end
  return "(error object is a " .. type(e) .. " value)"
end

-- Message handler of the host's top-level call: the message, and where in the script it failed.
local function handler(e)
  if fatal(e) then return e end
  local level, src, line = 2, nil, nil
  while true do
    local info = getinfo(level, "Sl")
    if not info then break end
    if info.what ~= "C" and info.source ~= PRELUDE then
      src, line = info.short_src, info.currentline
      break
    end
    level = level + 1
  end
  local message = describe(e)
  if find(message, AT_PRELUDE) then
    message = gsub(message, AT_PRELUDE, "", 1)
    if src and line > 0 then message = src .. ":" .. line .. ": " .. message end
  end
  return { message, src, line, traceback("", level) }
end

-- Runs a script chunk or a callback on a host-driven thread.
local function run(f, ...)
  drivers[co_running()] = true
  return raw_xpcall(f, handler, ...)
end

-- GC work for memory the host holds for LAZY tables (as if Lua had allocated it), so unread ones are collected at the pace eager ones were
local function gc_step(kb)
  raw_collectgarbage("step", kb)
end

return AWAIT, FATAL, run, LAZY, gc_step, ERROR
`;
