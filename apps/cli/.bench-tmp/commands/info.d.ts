import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';
export declare function infoCommand(args: ParsedArgs, io: CliIo): Promise<number>;
export declare function providersCommand(args: ParsedArgs, io: CliIo): Promise<number>;
export declare function configCommand(args: ParsedArgs, io: CliIo): Promise<number>;
export declare function initCommand(args: ParsedArgs, io: CliIo): Promise<number>;
//# sourceMappingURL=info.d.ts.map