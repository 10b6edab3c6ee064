-- utils-basics.lua: Utils.uuid, Utils.timestamp, Utils.hash and Utils.sleep.
--   llmspell run examples/lua/utils-basics.lua

-- A random (v4) UUID, e.g. to name a run or a session.
local id = Utils.uuid()
print("run id: " .. id)

-- Unix time in seconds, with a millisecond fraction: good for measuring durations.
local started = Utils.timestamp()

-- Hex digests: sha256 by default; md5, sha1 and sha512 on request.
-- A cache key: hash the parts in a fixed order.
local sha = Utils.hash("hello")
local md5 = Utils.hash("hello", "md5")
local key = Utils.hash("gpt-4o-mini" .. "\n" .. "hello")
print("sha256(hello) = " .. sha)
print("md5(hello)    = " .. md5)
print("cache key     = " .. key:sub(1, 16))

-- Pause without burning CPU (seconds; fractions allowed). Scripts keep their time limit.
Utils.sleep(0.05)
local elapsed = Utils.timestamp() - started
print(string.format("slept %.3f s", elapsed))

-- An unknown algorithm is an error naming the choices.
local ok, err = pcall(Utils.hash, "x", "crc32")
print(tostring(err))

return {
  uuid_ok = id:match("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$") ~= nil,
  sha256 = sha,
  md5 = md5,
  slept_enough = elapsed >= 0.05,
  bad_algorithm = tostring(err):match("^([%u_]+):"),
}
