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
