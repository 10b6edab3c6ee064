import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core';
import type { JobPayload, JobProgress } from '@llmspell/queue';
import { configuredEngine } from '../compose-runtime.js';
import { engineFor } from '../engines.js';
import { readScriptFile } from '../script-file.js';
import type { CliIo } from '../io.js';
import { splitScriptArgs, type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { loadQueue, outcomeLine, positiveIntFlag, queueSettingsFor } from './queue-common.js';

const USAGE = 'llmspell submit SCRIPT [--queue URL] [--each FILE.jsonl] [--wait] [--attempts N] [--run-id ID] [--timeout S] [-- ARGS…]';

/** A JSON line's value as a script argument: strings as they are, anything else as JSON text. */
function argText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The named arguments of each line of a JSONL file (one object per line; blank lines skipped). */
export function readEachFile(file: string, cwd: string): Array<{ line: number; named: Record<string, string> }> {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch {
    throw new LlmspellError('NOT_FOUND', `--each file not found: ${file}`, { details: { file } });
  }
  const out: Array<{ line: number; named: Record<string, string> }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new LlmspellError('INVALID_ARGUMENT', `${file}:${i + 1}: not JSON (${(error as Error).message})`, { details: { file, line: i + 1 } });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new LlmspellError('INVALID_ARGUMENT', `${file}:${i + 1}: each line must be a JSON object (its keys become the script's named ARGS)`, { details: { file, line: i + 1 } });
    }
    const named: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) named[k] = argText(v);
    out.push({ line: i + 1, named });
  });
  if (out.length === 0) throw new LlmspellError('INVALID_ARGUMENT', `${file} holds no JSON lines: nothing to submit`, { details: { file } });
  return out;
}

function describeProgress(p: JobProgress): string | undefined {
  if (p.event === 'output') return typeof p.text === 'string' ? p.text : undefined;
  return typeof p.text === 'string' ? p.text : p.event;
}

/**
 * `llmspell submit`: puts a script on the queue as one job, or one job per line of a JSONL
 * file (each line's object becoming the named ARGS, over those after `--`). Prints the job
 * ids; with `--wait` follows them, streams their progress on stderr, prints one JSON line per
 * job as it ends (`{id, status, result | error}`), and exits 0 only if every job completed.
 */
export async function submitCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[1];
  if (!file) throw new UsageError(`llmspell submit needs a script: ${USAGE}`);
  if (args.positionals.length > 2) throw new UsageError(`unexpected argument '${args.positionals[2]}' (script arguments go after --)`);
  const { source } = readScriptFile(io.cwd, file);
  const engine = engineFor(args.flags.engine ?? io.env.LLMSPELL_ENGINE, file) ?? configuredEngine(args.flags, io);
  const each = args.options.each;
  if (each === true) throw new UsageError('--each needs a file: --each batch.jsonl');
  const runId = args.options['run-id'];
  if (runId === true) throw new UsageError('--run-id needs a value');
  const attempts = positiveIntFlag(args, 'attempts');
  const wait = args.options.wait === true;
  const base = splitScriptArgs(args.scriptArgs);
  const script = { source, filename: path.basename(file), engine };
  const options = args.flags.timeoutSeconds !== undefined ? { timeout_seconds: args.flags.timeoutSeconds } : undefined;
  const rows = typeof each === 'string' ? readEachFile(each, io.cwd) : [{ line: 0, named: {} }];
  const payloads: JobPayload[] = rows.map((row) => ({
    script,
    args: { positional: base.positional, named: { ...base.named, ...row.named } },
    ...(typeof runId === 'string' ? { run_id: rows.length > 1 ? `${runId}/${row.line}` : runId } : {}),
    ...(options ? { options } : {}),
  }));

  const { settings } = await queueSettingsFor(args, io);
  const { JobQueue } = await loadQueue(io.cwd);
  const queue = await JobQueue.open(settings);
  const json = args.flags.output === 'json';
  try {
    if (wait) await queue.listen();
    const ids = await queue.submitMany(payloads, attempts !== undefined ? { attempts } : {});
    if (!wait) {
      io.stdout(json ? JSON.stringify({ queue: settings.name, ids }) + '\n' : ids.map((id) => `${id}\n`).join(''));
      return 0;
    }
    if (!args.flags.quiet) io.stderr(`submitted ${ids.length} job${ids.length === 1 ? '' : 's'} to queue '${settings.name}' at ${queue.target}: ${ids.length > 10 ? `${ids[0]} … ${ids[ids.length - 1]}` : ids.join(', ')}\n`);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let completed = 0;
    let finished = 0;
    try {
      for await (const info of queue.watch(ids, {
        signal: controller.signal,
        onProgress: (id, p) => {
          const text = describeProgress(p);
          if (text !== undefined && !args.flags.quiet) io.stderr(`[job ${id}] ${text}\n`);
        },
      })) {
        finished++;
        if (info.status === 'completed') completed++;
        if (!args.flags.quiet) io.stderr(`[job ${info.id}] ${info.status}${info.status === 'completed' ? '' : `: ${info.error ?? ''}`}\n`);
        io.stdout(JSON.stringify(outcomeLine(info)) + '\n');
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    if (controller.signal.aborted) {
      io.stderr(`stopped waiting with ${ids.length - finished} job(s) unfinished; they stay queued (llmspell jobs list)\n`);
      return 130;
    }
    if (!args.flags.quiet) io.stderr(`${completed} of ${ids.length} job${ids.length === 1 ? '' : 's'} completed\n`);
    return completed === ids.length ? 0 : 1;
  } finally {
    await queue.close();
  }
}
