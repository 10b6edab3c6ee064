import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';
export declare function replCommand(args: ParsedArgs, io: CliIo): Promise<number>;
//# sourceMappingURL=repl.d.ts.map