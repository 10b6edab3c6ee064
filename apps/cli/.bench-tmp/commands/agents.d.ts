import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
/**
 * `llmspell agents`: agents are created by scripts, so what outlives a run is their saved
 * conversations (`agent:saveState()`). List them, show one, or delete one; plus the
 * providers a script can use.
 */
export declare function agentsCommand(args: ParsedArgs, io: CliIo): Promise<number>;
//# sourceMappingURL=agents.d.ts.map