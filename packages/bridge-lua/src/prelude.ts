/**
 * Lua run once per context, before any script, as chunk "=llmspell". It receives the
 * host's print/warn functions, builds the sandbox (what the standard libraries keep) and
 * returns the private pieces the bridge needs: the two sentinels and the runner.
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
local host_print, host_warn = ...
local AWAIT = setmetatable({}, { __tostring = function() return "llmspell: awaiting the host" end, __metatable = false })
local FATAL = setmetatable({}, { __tostring = function() return "llmspell: script stopped" end, __metatable = false })
local MEMORY = "not enough memory"
local PRELUDE = "=llmspell"

local type, select, error, tostring, rawequal, setmetatable, getmetatable =
  type, select, error, tostring, rawequal, setmetatable, getmetatable
local raw_pcall, raw_xpcall, raw_load, raw_collectgarbage = pcall, xpcall, load, collectgarbage
local concat = table.concat
local getinfo, traceback = debug.getinfo, debug.traceback
local co_create, co_resume, co_yield, co_running, co_isyieldable =
  coroutine.create, coroutine.resume, coroutine.yield, coroutine.running, coroutine.isyieldable

local function fatal(e)
  return rawequal(e, FATAL) or e == MEMORY
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
pcall = function(f, ...)
  return pcall_pass(raw_pcall(f, ...))
end
xpcall = function(f, handler, ...)
  return pcall_pass(raw_xpcall(f, function(e)
    if fatal(e) then return e end
    return handler(e)
  end, ...))
end

-- coroutines: a host call waiting inside a user coroutine makes the enclosing thread wait too.
local function resume_pass(c, ok, first, ...)
  if ok and rawequal(first, AWAIT) then
    return resume_pass(c, co_resume(c, co_yield(AWAIT, ...)))
  end
  if not ok and fatal(first) then error(first, 0) end
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
_ENV.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not available in the llmspell sandbox", 2)
  end
  return raw_setmetatable(t, mt)
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
  return { describe(e), src, line, traceback("", level) }
end

-- Runs a script chunk or a callback on a host-driven thread.
local function run(f, ...)
  drivers[co_running()] = true
  return raw_xpcall(f, handler, ...)
end

return AWAIT, FATAL, run
`;
