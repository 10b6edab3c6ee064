// state-backup.js: snapshots of state, an incremental chain, validation and storage usage.
//   llmspell run examples/js/state-backup.js
// create_backup() takes a full backup; create_backup(true) only the changes since the last one.

await State.clear('workflow:etl');
await State.save('workflow:etl', 'cursor', { page: 1 });
const full = await State.create_backup({ description: 'etl start' });

// Each page processed moves the cursor; an incremental backup records just that change.
for (let page = 2; page <= 3; page++) await State.save('workflow:etl', 'cursor', { page });
const inc = await State.create_backup(true);
print(`full ${full.id}: ${full.entries} entries; incremental: ${inc.changed_entries} changed`);

// validate_backup checks checksums along the whole chain (full -> incremental).
const check = await State.validate_backup(inc.id);
print(`chain valid: ${check.valid}, checksums ok: ${check.checksum_valid}`);

// Roll back to the start of the run, then forward to the incremental point.
await State.restore_backup(full.id);
const atStart = (await State.load('workflow:etl', 'cursor')).page;
await State.restore_backup(inc.id);
const atInc = (await State.load('workflow:etl', 'cursor')).page;
print(`cursor after restoring full: page ${atStart}; after incremental: page ${atInc}`);

// An unknown id is answered { success: false, code, error }, and live state is not touched.
const notThere = await State.restore_backup('backup_0_0000000000000000');
const missing = notThere.success ? null : notThere.code;

const usage = await State.get_storage_usage();
print(`${usage.total_backups} backups (${usage.full_backups} full) in ${usage.backup_dir}`);

export default {
  at_start: atStart,
  at_incremental: atInc,
  valid: check.valid,
  incremental_parent_is_full: inc.parent_id === full.id,
  missing_backup: missing,
};
