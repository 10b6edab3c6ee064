import fs from 'node:fs';
import path from 'node:path';
import { generateTypes } from '@llmspell/runtime';
import { composeRuntime } from '../compose-runtime.js';
/**
 * Writes editor definitions for the globals: `llmspell.lua` (LuaLS `---@meta`) and
 * `llmspell.d.ts`, plus a `.luarc.json` that points lua-language-server at them when the
 * project has none.
 */
export async function typesCommand(args, io) {
    const dir = path.resolve(io.cwd, args.positionals[1] ?? '.llmspell/types');
    const { runtime } = await composeRuntime(args.flags, io, { state: false });
    try {
        const lua = runtime.buildGlobals({ language: 'lua' });
        const js = runtime.buildGlobals({ language: 'javascript' });
        const types = generateTypes(lua, js, runtime.tools.list());
        fs.mkdirSync(dir, { recursive: true });
        const luaFile = path.join(dir, 'llmspell.lua');
        const tsFile = path.join(dir, 'llmspell.d.ts');
        fs.writeFileSync(luaFile, types.lua);
        fs.writeFileSync(tsFile, types.ts);
        const written = [luaFile, tsFile];
        const luarc = path.join(io.cwd, '.luarc.json');
        if (!fs.existsSync(luarc)) {
            fs.writeFileSync(luarc, JSON.stringify({ 'runtime.version': 'Lua 5.4', 'workspace.library': [path.relative(io.cwd, dir) || '.'], 'diagnostics.globals': [] }, null, 2) + '\n');
            written.push(luarc);
        }
        if (args.flags.output !== 'text')
            io.stdout(JSON.stringify({ written, tools: runtime.tools.size }, null, 2) + '\n');
        else {
            for (const f of written)
                io.stdout(`wrote ${path.relative(io.cwd, f)}\n`);
            io.stdout(`JavaScript: add  /// <reference path="${path.relative(io.cwd, tsFile)}" />  at the top of a script, or include it in jsconfig.json.\n`);
        }
        return 0;
    }
    finally {
        await runtime.close();
    }
}
//# sourceMappingURL=types.js.map