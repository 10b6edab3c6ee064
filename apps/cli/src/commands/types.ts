import fs from 'node:fs';
import path from 'node:path';
import { generateTypes } from '@llmspell/runtime';
import { composeRuntime } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';

/** Whether an existing .luarc.json already has the types folder in its workspace.library. */
function listsLibrary(luarc: string, library: string, dir: string, cwd: string): boolean {
  try {
    const json = JSON.parse(fs.readFileSync(luarc, 'utf8')) as Record<string, unknown>;
    const nested = (json.workspace as Record<string, unknown> | undefined)?.library;
    const entries = [json['workspace.library'], nested].flatMap((v) => (Array.isArray(v) ? v : []));
    return entries.some((e) => typeof e === 'string' && (e === library || path.resolve(cwd, e) === dir));
  } catch {
    return false; // not plain JSON (LuaLS also reads comments): cannot tell, so say it
  }
}

/**
 * Writes editor definitions for the globals: `llmspell.lua` (LuaLS `---@meta`) and
 * `llmspell.d.ts`, plus a `.luarc.json` that points lua-language-server at them when the
 * project has none.
 */
export async function typesCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const dir = path.resolve(io.cwd, args.positionals[1] ?? '.llmspell/types');
  const { runtime } = await composeRuntime(args.flags, io, { state: false });
  try {
    const lua = runtime.buildGlobals({ language: 'lua' });
    const js = runtime.buildGlobals({ language: 'javascript' });
    const types = generateTypes(lua, js, runtime.tools.list());
    // the default folder is inside the project's state folder, which holds the state database: owner-only, as the state store makes it
    const stateDir = path.resolve(io.cwd, '.llmspell');
    if (args.positionals[1] === undefined && !fs.existsSync(stateDir)) fs.mkdirSync(stateDir, { mode: 0o700 });
    fs.mkdirSync(dir, { recursive: true });
    const luaFile = path.join(dir, 'llmspell.lua');
    const tsFile = path.join(dir, 'llmspell.d.ts');
    fs.writeFileSync(luaFile, types.lua);
    fs.writeFileSync(tsFile, types.ts);
    const written = [luaFile, tsFile];
    const luarc = path.join(io.cwd, '.luarc.json');
    const library = path.relative(io.cwd, dir) || '.';
    if (!fs.existsSync(luarc)) {
      fs.writeFileSync(luarc, JSON.stringify({ 'runtime.version': 'Lua 5.4', 'workspace.library': [library], 'diagnostics.globals': [] }, null, 2) + '\n');
      written.push(luarc);
    } else if (!listsLibrary(luarc, library, dir, io.cwd)) {
      // the user's file is left as it is: say what it lacks, or the editor never sees the types
      io.stderr(`note: .luarc.json exists and was left as it is; for lua-language-server to see the types, add "${library}" to its "workspace.library"\n`);
    }
    if (args.flags.output !== 'text') io.stdout(JSON.stringify({ written, tools: runtime.tools.size }, null, 2) + '\n');
    else {
      for (const f of written) io.stdout(`wrote ${path.relative(io.cwd, f)}\n`);
      io.stdout(`JavaScript: add  /// <reference path="${path.relative(io.cwd, tsFile)}" />  at the top of a script, or include it in jsconfig.json.\n`);
    }
    return 0;
  } finally {
    await runtime.close();
  }
}
