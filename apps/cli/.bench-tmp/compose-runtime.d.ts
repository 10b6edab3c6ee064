import { LlmspellError } from '@llmspell/core';
import { LlmspellRuntime, type LoadedConfig } from '@llmspell/runtime';
import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';
export interface ComposeOptions {
    /** Open the configured state backend (off for commands that never touch state). */
    state?: boolean;
    /** Load tools (off for `config show`, `completion`). */
    tools?: boolean;
}
/** Reads the config with CLI flag overrides applied. */
export declare function loadCliConfig(flags: GlobalFlags, io: CliIo): LoadedConfig;
export declare function composeRuntime(flags: GlobalFlags, io: CliIo, options?: ComposeOptions): Promise<{
    runtime: LlmspellRuntime;
    loaded: LoadedConfig;
}>;
export declare function notFound(what: string): LlmspellError;
//# sourceMappingURL=compose-runtime.d.ts.map