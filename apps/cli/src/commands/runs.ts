import { LlmspellError, type StateStore } from '@llmspell/core';
import { openStateStore, resolveBackend } from '@llmspell/state';
import {
  RunHistory, formatCost, formatDuration, formatRunTimeline, type RunFilter, type RunStatus, type RunSummary,
} from '@llmspell/telemetry';
import { escapeControls } from '@llmspell/telemetry/format-timeline';
import { loadCliConfig } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import { type GlobalFlags, type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';

const STATUSES: RunStatus[] = ['running', 'ok', 'error', 'interrupted'];

/** A command's own flags, in the shape of `util.parseArgs` options. */
export type CommandFlags = Record<string, { type: 'string' | 'boolean' }>;

/** The flags of `llmspell runs` besides the global ones. */
export const RUNS_FLAGS = {
  status: { type: 'string' },
  filter: { type: 'string' },
  limit: { type: 'string' },
} as const satisfies CommandFlags;

/** A mistyped flag is an error, not silently a filter that does nothing. */
export function rejectUnknownFlags(command: string, options: Record<string, string | boolean>, declared: CommandFlags): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(declared, name)) continue;
    const known = Object.keys(declared).map((k) => `--${k}`).join(', ');
    throw new UsageError(`unknown option --${name} for llmspell ${command}${known ? ` (its options: ${known})` : ''}`);
  }
}

export interface HistoryAccess {
  /** The backend in effect (`sqlite`, `rocksdb`, `memory`…). */
  backend: string;
  /** Runs `fn` with the history, opening the store for it when the backend allows one process only. */
  use<T>(fn: (history: RunHistory) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The run history of the configured state store. SQLite is shared between processes, so it
 * stays open; RocksDB allows one process at a time, so it is opened per use and runs can
 * write in between.
 */
export async function openHistory(flags: GlobalFlags, io: CliIo): Promise<HistoryAccess> {
  const { config } = loadCliConfig(flags, io);
  const backend = resolveBackend(config.runtime.state_persistence, io.env);
  const open = () => openStateStore(config, io.env, { cwd: io.cwd });
  if (backend === 'rocksdb') {
    return {
      backend,
      async use(fn) {
        const store = await open();
        try {
          return await fn(new RunHistory(store));
        } finally {
          await store.close();
        }
      },
      async close() {},
    };
  }
  const store: StateStore = await open();
  const history = new RunHistory(store);
  return { backend, use: (fn) => fn(history), close: () => store.close() };
}

export function runFilter(options: Record<string, string | boolean>): RunFilter {
  const filter: RunFilter = {};
  if (options.status !== undefined) {
    if (typeof options.status !== 'string' || !STATUSES.includes(options.status as RunStatus)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    }
    filter.status = options.status as RunStatus;
  }
  // `--filter TEXT` on the command line, `script=TEXT` in the viewer's API.
  const script = options.filter ?? options.script;
  if (typeof script === 'string') filter.script = script;
  if (options.limit !== undefined) {
    const n = Number(options.limit);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--limit needs a positive whole number, got '${String(options.limit)}'`);
    filter.limit = n;
  }
  return filter;
}

function table(runs: RunSummary[]): string {
  const rows = runs.map((r) => [
    r.id,
    r.started_at.replace('T', ' ').slice(0, 19),
    r.script,
    r.status,
    formatDuration(r.duration_ms),
    String(r.steps),
    String(r.tool_calls),
    String(r.tokens.total),
    formatCost(r.cost_usd),
    r.error_code ?? '',
  ].map(escapeControls)); // escaped before the widths are measured
  const head = ['ID', 'STARTED (UTC)', 'SCRIPT', 'STATUS', 'DURATION', 'STEPS', 'TOOLS', 'TOKENS', 'COST', 'ERROR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([4, 5, 6, 7, 8]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** `llmspell runs list [--status S] [--filter TEXT] [--limit N] | show <id|latest> | clear` */
export async function runsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const [, sub = 'list', id] = args.positionals;
  rejectUnknownFlags('runs', args.options, sub === 'list' ? RUNS_FLAGS : {});
  const extra = args.positionals[sub === 'show' ? 3 : 2];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}': llmspell runs list | show <id|latest> | clear`);
  const json = args.flags.output !== 'text';
  const access = await openHistory(args.flags, io);
  try {
    switch (sub) {
      case 'list': {
        const filter = runFilter(args.options);
        const runs = await access.use((h) => h.list({ ...filter, limit: filter.limit ?? (json ? undefined : 20) }));
        if (json) io.stdout(JSON.stringify(runs, null, 2) + '\n');
        else if (runs.length === 0) io.stdout(access.backend === 'memory' ? '(no runs: state persistence is off, so runs are not kept between processes)\n' : '(no runs recorded yet)\n');
        else io.stdout(table(runs));
        return 0;
      }
      case 'show': {
        if (!id) throw new UsageError('llmspell runs show <id|latest>');
        const run = await access.use((h) => h.get(id));
        if (!run) throw new LlmspellError('NOT_FOUND', `no run '${id}' in the history (llmspell runs list shows them)`);
        io.stdout(json ? JSON.stringify(run, null, 2) + '\n' : formatRunTimeline(run));
        return 0;
      }
      case 'clear': {
        const n = await access.use((h) => h.clear());
        io.stdout(json ? JSON.stringify({ deleted: n }) + '\n' : `deleted ${n} run(s) from the history\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown runs subcommand '${sub}' (list, show, clear)`);
    }
  } finally {
    await access.close();
  }
}
