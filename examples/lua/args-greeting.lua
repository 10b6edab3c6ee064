-- args-greeting.lua: read command-line arguments with ARGS.
--   llmspell run examples/lua/args-greeting.lua -- Ada Grace --greeting Hi --shout
-- After `--`, plain words are positional (ARGS[1], ARGS[2]... in Lua) and `--name value`
-- pairs are named (ARGS.name). A `--flag` without a value reads as the string "true".
-- All values are strings: convert numbers with tonumber().

local greeting = ARGS.greeting or "Hello"
local names = {}
for i = 1, #ARGS do names[#names + 1] = ARGS[i] end   -- #ARGS counts positional arguments only
if #names == 0 then names = { "world" } end

local lines = {}
for _, name in ipairs(names) do
  local line = greeting .. ", " .. name .. "!"
  if ARGS.shout == "true" then line = line:upper() end
  lines[#lines + 1] = line
  print(line)
end

local repeat_count = tonumber(ARGS["repeat"] or "1") or 1
return { count = #names, lines = lines, repeat_count = repeat_count, shout = ARGS.shout == "true" }
