// Compiling a script's source into a Lua chunk, shared by running it and checking its syntax.
import { allocUtf8, type LuaModule } from './lua-module.js';

/** Loads `source` as a text chunk named "@<filename>" onto `L`; returns the luaL_loadbufferx status. */
export function loadChunk(m: LuaModule, L: number, source: string, filename: string): number {
  // a shebang line is skipped (kept as a comment so line numbers stay right)
  let text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  if (text.startsWith('#')) text = '--' + text;
  const [buffer, length] = allocUtf8(m, text);
  const [name] = allocUtf8(m, '@' + filename, true);
  const [mode] = allocUtf8(m, 't', true);
  try {
    return m._luaL_loadbufferx(L, buffer, length, name, mode);
  } finally {
    m._free(buffer);
    m._free(name);
    m._free(mode);
  }
}
