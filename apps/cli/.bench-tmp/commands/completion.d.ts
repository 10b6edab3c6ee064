import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
export declare function completionCommand(args: ParsedArgs, io: CliIo): number;
//# sourceMappingURL=completion.d.ts.map