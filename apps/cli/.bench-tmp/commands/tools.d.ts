import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
export declare function toolsCommand(args: ParsedArgs, io: CliIo): Promise<number>;
//# sourceMappingURL=tools.d.ts.map