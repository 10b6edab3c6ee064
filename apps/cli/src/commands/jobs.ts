import { LlmspellError } from '@llmspell/core';
import type { JobInfo, JobStatus } from '@llmspell/queue';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { age, loadQueue, positiveIntFlag, queueSettingsFor } from './queue-common.js';

const USAGE = 'llmspell jobs list [--status S] [--limit N] | show ID | retry ID | cancel ID   [--queue URL]';
const STATUSES: JobStatus[] = ['waiting', 'active', 'delayed', 'completed', 'failed', 'cancelled'];

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

type Printable = (text: string) => string;

/**
 * A job's fields come from whoever could write to Redis (its file name, its error, its log):
 * every one is printed with control characters escaped, so none can recolour the terminal or
 * forge a line of this output. `--output json` gives them as they are, JSON-escaped.
 */
function oneLine(printable: Printable, text: string | undefined, max = 60): string {
  if (!text) return '';
  const flat = printable(text.replace(/\s+/g, ' '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function details(printable: Printable, info: JobInfo): string {
  const rows: Array<[string, string | undefined]> = [
    ['id', info.id],
    ['status', info.status],
    ['kind', info.kind],
    ['script', info.script],
    ['run id', info.run_id],
    ['attempts', `${info.attempts_made} of ${info.attempts}`],
    ['rate limited', info.rate_limited ? `${info.rate_limited} time(s)` : undefined],
    ['stalled', info.stalled ? `${info.stalled} time(s) (its worker died or stopped answering)` : undefined],
    ['worker', info.worker],
    ['created', info.created_at],
    ['started', info.started_at],
    ['finished', info.finished_at],
    ['error', info.error],
    ['corrupt', info.corrupt && `${info.corrupt}: no worker can run it; \`llmspell jobs cancel ${info.id}\` removes it`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  // An error keeps its lines (a traceback), each indented under the first so that none reads
  // as a field of its own; any other field is one line.
  const value = (k: string, v: string) => (k === 'error' ? v.split(/\r?\n/).map(printable).join(`\n${' '.repeat(width + 2)}`) : printable(v));
  let out = rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k.padEnd(width)}  ${value(k, v!)}`).join('\n') + '\n';
  if (info.status === 'completed') out += `${'result'.padEnd(width)}  ${printable(JSON.stringify(info.result ?? null))}\n`;
  return out;
}

/** `llmspell jobs list | show ID | retry ID | cancel ID`: inspect and steer the queue. */
export async function jobsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const sub = args.positionals[1] ?? 'list';
  const id = args.positionals[2];
  if (!['list', 'show', 'retry', 'cancel'].includes(sub)) throw new UsageError(`unknown jobs command '${sub}': ${USAGE}`);
  if (sub !== 'list' && !id) throw new UsageError(`llmspell jobs ${sub} needs a job id: ${USAGE}`);
  const status = args.options.status;
  if (status !== undefined && (typeof status !== 'string' || !status.split(',').every((s) => (STATUSES as string[]).includes(s)))) {
    throw new UsageError(`--status must be one or more of ${STATUSES.join(', ')} (comma-separated)`);
  }
  const limit = positiveIntFlag(args, 'limit');
  const { settings } = await queueSettingsFor(args, io);
  const { JobQueue, printable } = await loadQueue(io.cwd);
  const queue = await JobQueue.open(settings);
  const json = args.flags.output === 'json';
  try {
    switch (sub) {
      case 'list': {
        const jobs = await queue.list({ statuses: typeof status === 'string' ? (status.split(',') as JobStatus[]) : undefined, limit: limit ?? 50 });
        if (json) {
          io.stdout(JSON.stringify(jobs, null, 2) + '\n');
          return 0;
        }
        const counts = await queue.counts();
        io.stdout(`queue '${settings.name}' at ${queue.target}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
        if (jobs.length === 0) return 0;
        const now = Date.now();
        io.stdout(table([
          ['ID', 'STATUS', 'SCRIPT', 'ATTEMPTS', 'WORKER', 'AGE', 'ERROR'],
          ...jobs.map((j) => [
            printable(j.id), j.status, oneLine(printable, j.script, 30), `${j.attempts_made}/${j.attempts}`, oneLine(printable, j.worker, 24) || '-', age(j.created_at, now),
            oneLine(printable, j.error ?? (j.corrupt && `corrupt: ${j.corrupt}`)),
          ]),
        ]));
        return 0;
      }
      case 'show': {
        const info = await queue.get(id!);
        if (!info) throw new LlmspellError('NOT_FOUND', `no job '${id}' in queue '${settings.name}' (${queue.target})`, { details: { id } });
        const logs = await queue.logs(id!).catch(() => []);
        if (json) {
          io.stdout(JSON.stringify({ ...info, logs }, null, 2) + '\n');
          return 0;
        }
        io.stdout(details(printable, info));
        if (logs.length > 0) io.stdout(`\nlog:\n${logs.map((l) => `  ${printable(l)}`).join('\n')}\n`);
        return 0;
      }
      case 'retry': {
        const info = await queue.retry(id!);
        io.stdout(json ? JSON.stringify(info) + '\n' : `job ${info.id} goes again (${info.status}), with ${info.attempts} attempt${info.attempts === 1 ? '' : 's'}\n`);
        return 0;
      }
      default: {
        const r = await queue.cancel(id!);
        const text = r.corrupt ? `job ${id} removed: ${printable(r.corrupt)}`
          : r.outcome === 'removed' ? `job ${id} cancelled: removed from the queue before it started`
          : r.outcome === 'stopping' ? `job ${id} is being stopped by its worker; it ends cancelled`
          : `job ${id} had already finished (${r.status}): nothing to cancel`;
        io.stdout(json ? JSON.stringify(r) + '\n' : `${text}\n`);
        return r.outcome === 'already finished' ? 1 : 0;
      }
    }
  } finally {
    await queue.close();
  }
}
