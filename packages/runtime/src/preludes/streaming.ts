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
  /** Wraps a generator function (function* () { yield ... }) as a stream. */
  create(fn) {
    if (typeof fn !== 'function') throw new TypeError('INVALID_ARGUMENT: Streaming.create needs a generator function');
    const it = fn();
    if (!it || typeof it.next !== 'function') throw new TypeError('INVALID_ARGUMENT: Streaming.create needs a generator function (function* ...)');
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
