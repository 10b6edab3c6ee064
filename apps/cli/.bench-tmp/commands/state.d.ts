import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
/** `llmspell state list|get|set|delete|clear|scopes [scope] [key] [value]` */
export declare function stateCommand(args: ParsedArgs, io: CliIo): Promise<number>;
/** `llmspell backup create|list|restore|validate|info|cleanup` (rs-llmspell's subcommands). */
export declare function backupCommand(args: ParsedArgs, io: CliIo): Promise<number>;
/**
 * `llmspell resume <run_id>`: runs the script that started a durable run again; its
 * `wf:execute({run_id = …})` then skips every step the run completed.
 */
export declare function resumeCommand(args: ParsedArgs, io: CliIo, rerun: (file: string, engine: string, scriptArgs: string[]) => Promise<number>): Promise<number>;
//# sourceMappingURL=state.d.ts.map