import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
export declare function runCommand(args: ParsedArgs, io: CliIo): Promise<number>;
/** Runs a script file again for `llmspell resume`, with its recorded engine and arguments. */
export declare function rerunScript(args: ParsedArgs, io: CliIo, file: string, engine: string, scriptArgs: string[], runId: string): Promise<number>;
export declare function execCommand(args: ParsedArgs, io: CliIo): Promise<number>;
export declare function validateCommand(args: ParsedArgs, io: CliIo): Promise<number>;
//# sourceMappingURL=run-script.d.ts.map