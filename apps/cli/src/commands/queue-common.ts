import type { JobInfo, QueueSettings } from '@llmspell/queue';
import type { LoadedConfig } from '@llmspell/runtime';
import { loadCliConfig } from '../compose-runtime.js';
import { importFromProjectOrCli, packageLoadError } from '../load-tools.js';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';

/**
 * `@llmspell/queue` (BullMQ and ioredis): an add-on, not a dependency of the CLI (the embedded
 * default installs nothing for scale-out), loaded only by the commands that use a queue, from
 * the project or from beside the CLI, with an install hint when it is missing.
 */
export async function loadQueue(cwd = process.cwd()): Promise<typeof import('@llmspell/queue')> {
  try {
    return (await importFromProjectOrCli('@llmspell/queue', cwd)) as typeof import('@llmspell/queue');
  } catch (error) {
    throw packageLoadError(error, '@llmspell/queue', 'the job queue (llmspell worker, submit, jobs)');
  }
}

/** A flag that must be a positive integer when given. */
export function positiveIntFlag(args: ParsedArgs, name: string): number | undefined {
  const raw = args.options[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === true || !Number.isInteger(n) || n < 1) throw new UsageError(`--${name} needs a positive whole number, got '${raw === true ? '' : raw}'`);
  return n;
}

/**
 * The queue a command talks to: `--queue URL`, else `LLMSPELL_QUEUE_URL`, else `[queue] url`
 * of the config; the other `[queue]` settings from the config.
 */
export async function queueSettingsFor(args: ParsedArgs, io: CliIo): Promise<{ settings: QueueSettings; loaded: LoadedConfig }> {
  const loaded = loadCliConfig(args.flags, io);
  const flag = args.options.queue;
  if (flag === true) throw new UsageError('--queue needs a URL: --queue redis://HOST:PORT');
  const { queueSettings } = await loadQueue(io.cwd);
  const settings = queueSettings(loaded.config.queue as Record<string, unknown>, typeof flag === 'string' ? flag : undefined);
  return { settings, loaded };
}

/** One line of `submit --wait` and `jobs show --output json`: the job's end, with its result or error. */
export function outcomeLine(info: JobInfo): Record<string, unknown> {
  const line: Record<string, unknown> = { id: info.id, status: info.status };
  if (info.status === 'completed') line.result = info.result ?? null;
  else line.error = info.error ?? null;
  return line;
}

export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
