import { LlmspellError } from '@llmspell/core';
import { composeRuntime } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { backups, persistentManager, print } from './state-common.js';

/** The line naming what retention deleted, so a create or restore never removes backups silently. */
function pruned(retention: { deleted: string[] } | undefined): string {
  return retention?.deleted.length ? `  retention deleted ${retention.deleted.length} old backup(s): ${retention.deleted.join(', ')}\n` : '';
}

/** The line naming temporary files of interrupted backups that were removed. */
function staleTemps(files: string[] | undefined, dryRun = false): string {
  return files?.length ? `  ${dryRun ? 'would remove' : 'removed'} ${files.length} temporary file(s) left by interrupted backups: ${files.join(', ')}\n` : '';
}

/**
 * Runs `work` with Ctrl-C (or SIGTERM) aborting its signal: the backup then removes its own
 * temporary file instead of the process dying with it half written. A second Ctrl-C is not
 * caught, so it still ends the process at once.
 */
async function cancellable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new LlmspellError('CANCELLED', 'interrupted (Ctrl-C)'));
  const onTerminate = () => controller.abort(new LlmspellError('CANCELLED', 'terminated'));
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onTerminate);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onTerminate);
  }
}

/** `llmspell backup create|list|restore|validate|info|cleanup` (rs-llmspell's subcommands). */
export async function backupCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const [, sub = 'list', id] = args.positionals;
  // no script runs here, so there is no run to record (and a read-only store's warning need not mention one)
  const { runtime } = await composeRuntime(args.flags, io, { tools: false, telemetry: false });
  try {
    const b = backups(runtime);
    // Backing up or restoring a store that keeps nothing would save nothing, or restore into thin air;
    // listing, checking and pruning the backup files is still useful.
    if (sub === 'create' || sub === 'restore') persistentManager(runtime, `backup ${sub}`);
    switch (sub) {
      case 'create': {
        const r = await cancellable((signal) => b.create({ incremental: args.options.incremental === true, description: typeof args.options.description === 'string' ? args.options.description : undefined, signal }));
        print(io, args, r, () => `created ${r.backup_type} backup ${r.id}: ${r.entries} entries, ${r.size_bytes} bytes\n  ${r.path}\n${staleTemps(r.removed_temp_files)}${pruned(r.retention)}`);
        return 0;
      }
      case 'list': {
        const all = await b.list();
        const limit = typeof args.options.limit === 'string' ? Number(args.options.limit) : 20;
        const shown = all.slice(-limit);
        print(io, args, shown, () => (shown.length
          ? shown.map((m) => `${m.id}  ${m.backup_type.padEnd(11)} ${m.created_at}${args.flags.verbose ? `  ${JSON.stringify(m.stats ?? {})}` : ''}`).join('\n') + '\n'
          : '(no backups)\n'));
        return 0;
      }
      case 'info': {
        if (!id) throw new UsageError('llmspell backup info <id>');
        const meta = await b.info(id);
        print(io, args, meta, () => JSON.stringify(meta, null, 2) + '\n');
        return 0;
      }
      case 'validate': {
        if (!id) throw new UsageError('llmspell backup validate <id>');
        const r = await b.validate(id);
        print(io, args, r, () => `${r.valid ? 'valid' : 'INVALID'}: ${r.backup_id} (chain ${r.chain.join(' → ')})${r.errors.length ? `\n  ${r.errors.join('\n  ')}` : ''}\n`);
        return r.valid ? 0 : 1;
      }
      case 'restore': {
        if (!id) throw new UsageError('llmspell backup restore <id> [--dry-run] [--no-backup]');
        const r = await b.restore(id, { dry_run: args.options['dry-run'] === true, backup_current: args.options['no-backup'] !== true });
        print(io, args, r, () => `${r.dry_run ? 'would restore' : 'restored'} ${r.backup_id}: ${r.restored_keys} written, ${r.removed_keys} removed, ${r.total_keys} total${r.pre_restore_backup_id ? `\n  previous state saved as ${r.pre_restore_backup_id}` : ''}\n${pruned(r.retention)}`);
        return 0;
      }
      case 'cleanup': {
        const r = await b.cleanup({ dry_run: args.options['dry-run'] === true });
        print(io, args, r, () => `${r.dry_run ? 'would delete' : 'deleted'} ${r.deleted.length} of ${r.evaluated} backup(s)${r.deleted.length ? ': ' + r.deleted.join(', ') : ''}\n${staleTemps(r.removed_temp_files, r.dry_run)}`);
        return 0;
      }
      case 'usage': {
        const u = await b.usage();
        print(io, args, u, () => `${u.total_backups} backup(s), ${u.total_size_bytes} bytes in ${u.backup_dir}; live state ${u.state_keys} key(s)\n${u.temp_files ? `  ${u.temp_files} temporary file(s), ${u.temp_size_bytes} bytes: a backup in progress, or left by an interrupted one (\`llmspell backup cleanup\` removes those older than 5 minutes)\n` : ''}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown backup subcommand '${sub}' (create, list, info, validate, restore, cleanup, usage)`);
    }
  } finally {
    await runtime.close();
  }
}
