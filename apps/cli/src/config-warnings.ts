import type { LoadedConfig } from '@llmspell/runtime';
import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';

/** The event that brings a script host's config warnings to the CLI process. */
export const CONFIG_WARNING_EVENT = 'config.warning';

const said = new Set<string>();

/**
 * `warning: …` on stderr, once per process: the config is read more than once by some
 * commands (`config`, `resume`, `mcp serve` and their script hosts), and said once.
 */
export function sayWarning(io: CliIo, message: string): void {
  if (io.warn) return io.warn(message);
  if (said.has(message)) return;
  said.add(message);
  io.stderr(`warning: ${message}\n`);
}

/**
 * Near misses of keys llmspell reads (typos, most likely) are said on every run, unless
 * --quiet; the other warnings (keys llmspell does not read, keys that have no effect) only
 * when `all` (--verbose, `validate`, `config`), so the reference's configs run quietly.
 */
export function sayConfigWarnings(loaded: LoadedConfig, flags: GlobalFlags, io: CliIo, all = flags.verbose): void {
  for (const warning of loaded.warnings) {
    if (all || (!flags.quiet && loaded.typos.includes(warning))) sayWarning(io, warning);
  }
}
