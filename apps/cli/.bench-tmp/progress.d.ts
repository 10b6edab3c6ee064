import type { LlmspellRuntime } from '@llmspell/runtime';
import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';
export interface Progress {
    /** Clears the status line before the script writes to the same terminal. */
    clear(): void;
    stop(): void;
}
/**
 * A one-line status on stderr while agents and workflows run ("⠹ workflow nightly: step 3
 * fetch (2.1s)"), so long calls show life while stdout stays clean. Only on a terminal
 * (or with LLMSPELL_PROGRESS=1), never with --quiet or a non-text output format.
 */
export declare function startProgress(runtime: LlmspellRuntime, io: CliIo, flags: GlobalFlags): Progress;
//# sourceMappingURL=progress.d.ts.map