-- state-backup.lua: back up state, break it, and restore it exactly.
--   llmspell run examples/lua/state-backup.lua
-- Backups are verified, gzip-compressed files in <data dir>/backups (or [runtime.state_persistence]
-- backup.backup_dir). A restore checks every checksum first and applies the snapshot in one batch.

State.clear("custom:inventory")
State.save("custom:inventory", "apples", 10)
State.save("custom:inventory", "pears", 4)

-- A full backup of every scope.
local full = State.create_backup({ description = "before the bad import", important = true })
print("backup " .. full.id .. " (" .. full.backup_type .. ", " .. full.entries .. " entries)")

-- Something goes wrong: a bad import overwrites one key, deletes another and adds junk.
State.save("custom:inventory", "apples", -999)
State.delete("custom:inventory", "pears")
State.save("custom:inventory", "junk", "???")

-- Check the backup before trusting it, then see what a restore would do (dry run)...
local check = State.validate_backup(full.id)
print("backup valid: " .. tostring(check.valid))
local preview = State.restore_backup(full.id, { dry_run = true })
print("a restore would write " .. preview.restored_keys .. " keys and remove " .. preview.removed_keys)

-- ...and restore. Keys added after the backup are removed: the state is exactly as it was.
local restored = State.restore_backup(full.id)
local keys = State.list_keys("custom:inventory")
table.sort(keys)
print("after restore: apples=" .. State.load("custom:inventory", "apples") .. ", keys: " .. table.concat(keys, ", "))

-- Later backups can be incremental: only what changed since the previous one.
State.increment("custom:inventory", "pears", 1)
local inc = State.create_backup(true)
print("incremental backup of " .. inc.changed_entries .. " changed entries, parent " .. tostring(inc.parent_id))

return {
  valid = check.valid,
  restored = restored.success,
  apples = State.load("custom:inventory", "apples"),
  keys = keys,
  incremental = inc.backup_type,
  parent_is_full = inc.parent_id == full.id,
  backups = #State.list_backups(),
}
