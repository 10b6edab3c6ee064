import { LlmspellError } from '@llmspell/core';
import { LUA_MASKCOUNT, LUA_OK, newLuaState } from './lua-module.js';
import { atLine, currentLine } from './lua-run-guards.js';

function cString(m: { _malloc(n: number): number; HEAPU8: Uint8Array }, text: string): { pointer: number; length: number } {
  const bytes = Buffer.from(text, 'utf8');
  const pointer = m._malloc(bytes.length + 1);
  m.HEAPU8.set(bytes, pointer);
  m.HEAPU8[pointer + bytes.length] = 0;
  return { pointer, length: bytes.length };
}

describe('the line a limit stops a Lua script at', () => {
  it('currentLine reads the running line in the count hook', async () => {
    const state = await newLuaState();
    const m = state.module;
    const L = state.L;
    const source = cString(m, 'local x = 0\n\nwhile true do\n  x = x + 1\nend\n');
    const name = cString(m, '@loop.lua');
    const lines: Array<number | null> = [];
    const hook = m.addFunction((H: number) => {
      lines.push(currentLine(m, H));
      if (lines.length >= 3) {
        const message = cString(m, 'stop');
        m._lua_pushlstring(H, message.pointer, message.length);
        m._free(message.pointer);
        m._lua_error(H);
      }
    }, 'vii');
    try {
      expect(m._luaL_loadbufferx(L, source.pointer, source.length, name.pointer, 0)).toBe(LUA_OK);
      m._lua_sethook(L, hook, LUA_MASKCOUNT, 1000);
      expect(m._lua_pcallk(L, 0, 0, 0, 0, 0)).not.toBe(LUA_OK);
      expect(lines).toHaveLength(3);
      for (const line of lines) expect([3, 4, 5]).toContain(line);
      // The stack is left as it was.
      expect(m._lua_gettop(L)).toBe(1);
    } finally {
      m._lua_sethook(L, 0, 0, 0);
      m.removeFunction(hook);
      m._free(source.pointer);
      m._free(name.pointer);
      state.close();
    }
  });

  it('atLine puts the line after the file name, once', () => {
    const error = new LlmspellError('SCRIPT_TIMEOUT', 'loop.lua: script exceeded its time limit of 2000 ms', { details: { file: 'loop.lua', line: null } });
    const placed = atLine(error, 4);
    expect(placed.message).toBe('SCRIPT_TIMEOUT: loop.lua:4: script exceeded its time limit of 2000 ms');
    expect(placed.details).toEqual({ file: 'loop.lua', line: 4 });
    expect(atLine(placed, 9)).toBe(placed);
    expect(atLine(error, null)).toBe(error);
  });
});
