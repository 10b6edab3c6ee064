/**
 * `Streaming`: the reference's coroutine-backed pull streams. It is language sugar with no
 * host side — a Lua coroutine or a JS generator — so it is defined as script source that
 * every context runs before the user's script, the same definition for every user.
 */
export const LUA_STREAMING = String.raw`
Streaming = {}
local co_create, co_resume, co_status, co_yield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
--- Wraps a generator function (which calls coroutine.yield or Streaming.yield) as a stream.
function Streaming.create(fn)
  if type(fn) ~= "function" then error("INVALID_ARGUMENT: Streaming.create needs a function", 2) end
  local stream = { _coroutine = co_create(fn), _done = false }
  function stream:next()
    if self._done then return nil end
    local ok, value = co_resume(self._coroutine)
    if not ok then self._done = true; error(value, 0) end
    if co_status(self._coroutine) == "dead" then self._done = true end
    return value
  end
  function stream:isDone() return self._done end
  function stream:collect()
    local out = {}
    while not self._done do
      local value = self:next()
      if value ~= nil then out[#out + 1] = value end
    end
    return out
  end
  return stream
end
--- Yields a value from inside a stream's function.
function Streaming.yield(value) return co_yield(value) end
`;

export const JS_STREAMING = String.raw`
globalThis.Streaming = Object.freeze({
  /** Wraps a generator function (function* () { yield … }) as a stream. */
  create(fn) {
    if (typeof fn !== 'function') throw new TypeError('INVALID_ARGUMENT: Streaming.create needs a generator function');
    const it = fn();
    if (!it || typeof it.next !== 'function') throw new TypeError('INVALID_ARGUMENT: Streaming.create needs a generator function (function* …)');
    let done = false;
    const stream = {
      next() {
        if (done) return null;
        const r = it.next();
        if (r.done) { done = true; return r.value === undefined ? null : r.value; }
        return r.value;
      },
      isDone() { return done; },
      collect() {
        const out = [];
        while (!done) { const v = stream.next(); if (v !== null && v !== undefined) out.push(v); }
        return out;
      },
      [Symbol.iterator]() { return { next: () => { const v = stream.next(); return done && (v === null || v === undefined) ? { done: true, value: undefined } : { done: false, value: v }; } }; },
    };
    return stream;
  },
  /** In JavaScript, use the generator's own yield; this exists for parity and throws. */
  yield() { throw new Error('UNSUPPORTED: use yield inside a generator function passed to Streaming.create'); },
});
void 0;
`;

/**
 * Compatibility with scripts written for rs-llmspell, whose Lua had the whole os and io
 * libraries. The sandbox removes them; this gives back the parts its scripts rely on without
 * reaching the host: os.execute("sleep N") (the only command its examples run) waits through
 * Utils.sleep, os.getenv answers nil (the environment stays hidden), io.write prints whole
 * lines, io.read reads nothing. Everything else (files, popen, other commands) is refused.
 */
export const LUA_COMPAT = String.raw`
local function refused(name)
  return function() error(name .. " is not available in the llmspell sandbox", 2) end
end
local raw_execute = os.execute
os.execute = function(cmd)
  local secs = type(cmd) == "string" and cmd:match("^%s*sleep%s+([%d%.]+)%s*$")
  if secs then
    Utils.sleep(tonumber(secs))
    return true, "exit", 0
  end
  return raw_execute(cmd)
end
os.getenv = function() return nil end
local pending = ""
local raw_print = print
local function flush_lines()
  while true do
    local nl = pending:find("\n", 1, true)
    if not nl then return end
    raw_print(pending:sub(1, nl - 1))
    pending = pending:sub(nl + 1)
  end
end
local function io_write(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) ~= "string" and type(v) ~= "number" then
      error("bad argument #" .. i .. " to 'write' (string expected, got " .. type(v) .. ")", 3)
    end
    pending = pending .. tostring(v)
  end
  flush_lines()
end
local stdout = {}
function stdout:write(...) io_write(...) return self end
function stdout:flush() return self end
io = {
  write = function(...) io_write(...) return stdout end,
  read = function() return nil end,
  lines = function() return function() return nil end end,
  stdout = stdout,
  open = refused("io.open"),
  popen = refused("io.popen"),
}
print = function(...)
  if pending ~= "" then
    local text = pending
    pending = ""
    if select("#", ...) == 0 then return raw_print(text) end
    return raw_print(text .. tostring((...)), select(2, ...))
  end
  return raw_print(...)
end
`;

/** Script source run before every user script, by engine name. */
export const SCRIPT_PRELUDES: Record<string, string> = {
  lua: LUA_STREAMING + LUA_COMPAT,
  javascript: JS_STREAMING,
};
