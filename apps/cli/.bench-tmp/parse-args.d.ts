import { LlmspellError } from '@llmspell/core';
export type OutputFormat = 'text' | 'json' | 'pretty';
export interface GlobalFlags {
    config?: string;
    engine?: string;
    output: OutputFormat;
    timeoutSeconds?: number;
    maxMemoryMb?: number;
    verbose: boolean;
    quiet: boolean;
    help: boolean;
    version: boolean;
}
export interface ParsedArgs {
    flags: GlobalFlags;
    /** Subcommand words and their own positional arguments. */
    positionals: string[];
    /** Command-specific flags (`--force`, `--detailed`, `--dry-run`, `--history PATH`). */
    options: Record<string, string | boolean>;
    /** Everything after `--`, for the script. */
    scriptArgs: string[];
}
export declare class UsageError extends LlmspellError {
    constructor(message: string);
}
/**
 * Parses `llmspell [global flags] <command> [args] [flags] [-- script args]`. Global flags
 * may stand before or after the command.
 */
export declare function parseArgs(argv: string[]): ParsedArgs;
/** `-- a b --name value --flag` → positional [a, b], named {name: value, flag: "true"}. */
export declare function splitScriptArgs(args: string[]): {
    positional: string[];
    named: Record<string, string>;
};
//# sourceMappingURL=parse-args.d.ts.map