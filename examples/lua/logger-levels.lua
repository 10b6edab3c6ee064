-- logger-levels.lua: structured logs on stderr, apart from the script's output on stdout.
--   llmspell run examples/lua/logger-levels.lua            (info, warn and error lines)
--   llmspell -v run examples/lua/logger-levels.lua         (debug lines too)
--   llmspell -q run examples/lua/logger-levels.lua         (errors only)
-- Each line reads "[level] message {data as JSON}". Secrets the runtime knows are masked.

Logger.debug("cache lookup", { key = "weather:paris" })      -- only with -v / --verbose
Logger.info("starting import", { source = "orders.csv", rows = 3 })

local imported, skipped = 0, 0
for i, row in ipairs({ "ok", "ok", "bad" }) do
  if row == "ok" then
    imported = imported + 1
  else
    skipped = skipped + 1
    Logger.warn("skipping a malformed row", { row = i })
  end
end

-- A password field is redacted before it is written.
Logger.error("upstream refused the login", { user = "ada", password = "hunter2-secret" })

-- print() is the script's output: it goes to stdout, logs do not.
print(string.format("imported %d, skipped %d", imported, skipped))

return { imported = imported, skipped = skipped }
