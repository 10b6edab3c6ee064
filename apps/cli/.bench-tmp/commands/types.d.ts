import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';
/**
 * Writes editor definitions for the globals: `llmspell.lua` (LuaLS `---@meta`) and
 * `llmspell.d.ts`, plus a `.luarc.json` that points lua-language-server at them when the
 * project has none.
 */
export declare function typesCommand(args: ParsedArgs, io: CliIo): Promise<number>;
//# sourceMappingURL=types.d.ts.map