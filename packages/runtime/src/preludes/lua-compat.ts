/**
 * Compatibility with scripts written for rs-llmspell, whose Lua had the whole os and io
 * libraries. The sandbox removes them; this gives back the parts its scripts rely on without
 * reaching the host: os.execute("sleep N") (the only command its examples run) waits through
 * Utils.sleep, os.getenv answers nil (the environment stays hidden), io.write's text joins
 * the next line printed (the host holds it, and prints the rest when the run ends), io.read
 * reads nothing. Everything else (files, popen, other commands) is refused.
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
local host_write = __llmspell_write
__llmspell_write = nil
local function io_write(...)
  local n = select("#", ...)
  for i = 1, n do
    local v = select(i, ...)
    if type(v) ~= "string" and type(v) ~= "number" then
      error("bad argument #" .. i .. " to 'write' (string expected, got " .. type(v) .. ")", 3)
    end
  end
  host_write(n == 1 and tostring((...)) or table.concat({ ... }))
end
local stdout = {}
function stdout:write(...) io_write(...) return self end
function stdout:flush() return self end
io = {
  write = function(...) io_write(...) return stdout end,
  flush = function() return stdout end,
  read = function() return nil end,
  lines = function() return function() return nil end end,
  stdout = stdout,
  open = refused("io.open"),
  popen = refused("io.popen"),
}
`;
