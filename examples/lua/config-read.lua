-- config-read.lua: read the merged configuration (llmspell.toml + environment + defaults).
--   llmspell run examples/lua/config-read.lua
--   LLMSPELL_SCRIPT_TIMEOUT=45 llmspell run examples/lua/config-read.lua
--   llmspell --timeout 10 run examples/lua/config-read.lua
-- Config.get takes a dotted path (the TOML section and key) and an optional default.

local timeout = Config.get("runtime.script_timeout_seconds")
local backend = Config.get("runtime.state_persistence.backend_type", "memory")
print("script timeout: " .. tostring(timeout) .. " s, state backend: " .. tostring(backend))

-- Security switches decide what tools may do.
local security = Config.get("runtime.security")
print("file access: " .. tostring(security.allow_file_access) .. ", network: " .. tostring(security.allow_network_access))

-- Config.has tells "absent" from "set to false"; Config.get returns the default when absent.
print("has [providers]: " .. tostring(Config.has("providers")))
local model = Config.get("providers.providers.local.model", "(no local provider configured)")
print("local model: " .. model)

-- Which providers are configured? API keys come back as "[REDACTED]", never the real key.
local names = {}
for name, _ in pairs(Config.get("providers.providers", {})) do names[#names + 1] = name end
table.sort(names)
print("configured providers: " .. (#names > 0 and table.concat(names, ", ") or "none"))

return {
  timeout = timeout,
  backend = backend,
  has_runtime = Config.has("runtime"),
  has_nonsense = Config.has("no.such.key"),
  fallback = Config.get("no.such.key", "default"),
}
