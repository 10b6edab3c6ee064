import type { LlmspellError } from '@llmspell/core/errors';
import type { CliIo } from '../io.js';
import type { GlobalFlags } from '../parse-args.js';
import { openHistory } from './runs.js';

/**
 * Ends the history record of a run whose script host the CLI had to end (killed past its
 * time limit, Ctrl-C a script did not obey, out of memory): the host wrote the record as
 * running when the run started but never got to finish it. Best effort: the user sees the
 * run's own error either way; the store may be out of reach (a RocksDB store still locked
 * by a stuck worker thread).
 */
export async function recordStoppedRun(flags: GlobalFlags, io: CliIo, runId: string, error: LlmspellError): Promise<void> {
  try {
    const access = await openHistory(flags, io);
    try {
      await access.use((history) => history.endStopped(runId, { code: error.code, message: error.detail }));
    } finally {
      await access.close();
    }
  } catch (failure) {
    if (flags.verbose) io.stderr(`[debug] could not end run ${runId} in the history: ${failure instanceof Error ? failure.message : String(failure)}\n`);
  }
}
