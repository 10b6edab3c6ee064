import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core';
import { composeRuntime } from '../compose-runtime.js';
import { UsageError } from '../parse-args.js';
function manager(runtime) {
    const m = runtime.service('stateManager');
    if (!m)
        throw new LlmspellError('STATE_ERROR', 'state is not available (is [runtime.state_persistence] enabled?)');
    return m;
}
function backups(runtime) {
    const b = manager(runtime).backups;
    if (!b)
        throw new LlmspellError('STATE_ERROR', 'backups are disabled ([runtime.state_persistence] backup_enabled = false)');
    return b;
}
function print(io, args, value, text) {
    io.stdout(args.flags.output === 'text' ? text() : JSON.stringify(value, null, 2) + '\n');
}
/** Parses a value given on the command line: JSON when it parses, else the plain string. */
function parseValue(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return text;
    }
}
/** `llmspell state list|get|set|delete|clear|scopes [scope] [key] [value]` */
export async function stateCommand(args, io) {
    const [, sub = 'scopes', scopeArg, key, value] = args.positionals;
    const { runtime } = await composeRuntime(args.flags, io, { tools: false });
    try {
        const m = manager(runtime);
        const scope = scopeArg ?? 'global';
        switch (sub) {
            case 'scopes': {
                const scopes = await m.scopes();
                print(io, args, scopes, () => (scopes.length ? scopes.join('\n') + '\n' : '(no state yet)\n'));
                return 0;
            }
            case 'list': {
                const keys = await m.keys(scope);
                print(io, args, { scope, keys }, () => (keys.length ? keys.join('\n') + '\n' : `(no keys in ${scope})\n`));
                return 0;
            }
            case 'get': {
                if (!key)
                    throw new UsageError('llmspell state get <scope> <key>');
                const v = await m.get(scope, key);
                if (v === undefined)
                    throw new LlmspellError('NOT_FOUND', `no key '${key}' in scope '${scope}'`);
                print(io, args, v, () => (typeof v === 'string' ? v : JSON.stringify(v, null, 2)) + '\n');
                return 0;
            }
            case 'set': {
                if (!key || value === undefined)
                    throw new UsageError('llmspell state set <scope> <key> <json-or-text>');
                await m.set(scope, key, parseValue(value));
                print(io, args, { scope, key, saved: true }, () => `saved ${scope} ${key}\n`);
                return 0;
            }
            case 'delete': {
                if (!key)
                    throw new UsageError('llmspell state delete <scope> <key>');
                const existed = await m.delete(scope, key);
                print(io, args, { scope, key, deleted: existed }, () => (existed ? `deleted ${scope} ${key}\n` : `no key '${key}' in ${scope}\n`));
                return existed ? 0 : 1;
            }
            case 'clear': {
                if (!scopeArg)
                    throw new UsageError('llmspell state clear <scope>');
                const n = await m.clear(scope);
                print(io, args, { scope, deleted: n }, () => `deleted ${n} key(s) from ${scope}\n`);
                return 0;
            }
            default:
                throw new UsageError(`unknown state subcommand '${sub}' (scopes, list, get, set, delete, clear)`);
        }
    }
    finally {
        await runtime.close();
    }
}
/** `llmspell backup create|list|restore|validate|info|cleanup` (rs-llmspell's subcommands). */
export async function backupCommand(args, io) {
    const [, sub = 'list', id] = args.positionals;
    const { runtime } = await composeRuntime(args.flags, io, { tools: false });
    try {
        const b = backups(runtime);
        switch (sub) {
            case 'create': {
                const r = await b.create({ incremental: args.options.incremental === true, description: typeof args.options.description === 'string' ? args.options.description : undefined });
                print(io, args, r, () => `created ${r.backup_type} backup ${r.id}: ${r.entries} entries, ${r.size_bytes} bytes\n  ${r.path}\n`);
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
                if (!id)
                    throw new UsageError('llmspell backup info <id>');
                const meta = await b.info(id);
                print(io, args, meta, () => JSON.stringify(meta, null, 2) + '\n');
                return 0;
            }
            case 'validate': {
                if (!id)
                    throw new UsageError('llmspell backup validate <id>');
                const r = await b.validate(id);
                print(io, args, r, () => `${r.valid ? 'valid' : 'INVALID'}: ${r.backup_id} (chain ${r.chain.join(' → ')})${r.errors.length ? `\n  ${r.errors.join('\n  ')}` : ''}\n`);
                return r.valid ? 0 : 1;
            }
            case 'restore': {
                if (!id)
                    throw new UsageError('llmspell backup restore <id> [--dry-run] [--no-backup]');
                const r = await b.restore(id, { dry_run: args.options['dry-run'] === true, backup_current: args.options['no-backup'] !== true });
                print(io, args, r, () => `${r.dry_run ? 'would restore' : 'restored'} ${r.backup_id}: ${r.restored_keys} written, ${r.removed_keys} removed, ${r.total_keys} total${r.pre_restore_backup_id ? `\n  previous state saved as ${r.pre_restore_backup_id}` : ''}\n`);
                return 0;
            }
            case 'cleanup': {
                const r = await b.cleanup({ dry_run: args.options['dry-run'] === true });
                print(io, args, r, () => `${r.dry_run ? 'would delete' : 'deleted'} ${r.deleted.length} of ${r.evaluated} backup(s)${r.deleted.length ? ': ' + r.deleted.join(', ') : ''}\n`);
                return 0;
            }
            case 'usage': {
                const u = await b.usage();
                print(io, args, u, () => `${u.total_backups} backup(s), ${u.total_size_bytes} bytes in ${u.backup_dir}; live state ${u.state_keys} key(s)\n`);
                return 0;
            }
            default:
                throw new UsageError(`unknown backup subcommand '${sub}' (create, list, info, validate, restore, cleanup, usage)`);
        }
    }
    finally {
        await runtime.close();
    }
}
async function findRun(m, runId) {
    for (const scope of await m.scopes()) {
        if (!scope.startsWith('workflow:'))
            continue;
        const r = (await m.get(scope, `run:${runId}`));
        if (r && r.run_id === runId) {
            // The run record is written at start and end; the step checkpoints say how far it got.
            const steps = (await m.keys(scope)).filter((k) => k.startsWith(`run:${runId}:step:`)).length;
            return { ...r, steps_completed: Math.max(r.steps_completed ?? 0, steps) };
        }
    }
    return undefined;
}
/**
 * `llmspell resume <run_id>`: runs the script that started a durable run again; its
 * `wf:execute({run_id = …})` then skips every step the run completed.
 */
export async function resumeCommand(args, io, rerun) {
    const runId = args.positionals[1];
    if (!runId)
        throw new UsageError('llmspell resume <run_id>   (llmspell resume --list shows the runs)');
    const { runtime } = await composeRuntime(args.flags, io, { tools: false });
    let record;
    try {
        record = await findRun(manager(runtime), runId);
    }
    finally {
        await runtime.close();
    }
    if (!record)
        throw new LlmspellError('NOT_FOUND', `no durable run '${runId}' in the state store`);
    if (record.status === 'completed') {
        io.stderr(`run '${runId}' of workflow '${record.workflow}' already completed; running the script returns its stored result\n`);
    }
    if (!record.script)
        throw new LlmspellError('NOT_FOUND', `run '${runId}' did not record its script; run the script again yourself with the same run_id`);
    if (!fs.existsSync(record.script.file))
        throw new LlmspellError('NOT_FOUND', `the script of run '${runId}' is gone: ${record.script.file}`);
    io.stderr(`resuming run '${runId}' of workflow '${record.workflow}' after ${record.steps_completed} completed step(s): ${path.relative(io.cwd, record.script.file) || record.script.file}\n`);
    const a = record.script.args;
    const scriptArgs = [...a.positional, ...Object.entries(a.named).flatMap(([k, v]) => [`--${k}`, v])];
    return rerun(record.script.file, record.script.engine, scriptArgs);
}
//# sourceMappingURL=state.js.map