-- args-greeting.lua: read command-line arguments with ARGS.
--   llmspell run examples/lua/args-greeting.lua -- Ada Grace --greeting Hi --shout
--   llmspell run examples/lua/args-greeting.lua -- Ada --times 3
-- After `--`, plain words are positional (ARGS[1], ARGS[2]... in Lua) and `--name value`
-- pairs are named (ARGS.name). A `--flag` without a value reads as the string "true".
-- All values are strings: convert numbers with tonumber().

local greeting = ARGS.greeting or "Hello"
local names = {}
for i = 1, #ARGS do names[#names + 1] = ARGS[i] end   -- #ARGS counts positional arguments only
if #names == 0 then names = { "world" } end

local times = tonumber(ARGS.times or "1")
if not times or times < 1 then error("--times must be a positive number, got " .. tostring(ARGS.times)) end

local lines = {}
for _, name in ipairs(names) do
  local line = greeting .. ", " .. name .. "!"
  if ARGS.shout == "true" then line = line:upper() end
  for _ = 1, times do print(line) end
  lines[#lines + 1] = line
end

return { count = #names, lines = lines, times = times, shout = ARGS.shout == "true" }
