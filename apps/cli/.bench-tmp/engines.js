import path from 'node:path';
import { LlmspellError } from '@llmspell/core';
const ENGINE_ALIASES = { lua: 'lua', javascript: 'javascript', js: 'javascript' };
const EXTENSIONS = { '.lua': 'lua', '.js': 'javascript', '.mjs': 'javascript' };
export function normalizeEngineName(name) {
    const engine = ENGINE_ALIASES[name.toLowerCase()];
    if (!engine) {
        throw new LlmspellError('ENGINE_NOT_AVAILABLE', `Script engine '${name}' is not available (choose lua or javascript)`);
    }
    return engine;
}
/** The engine for a script: `--engine` wins, then the file extension, then the default. */
export function chooseEngine(flag, file, fallback) {
    if (flag)
        return normalizeEngineName(flag);
    if (file) {
        const byExt = EXTENSIONS[path.extname(file).toLowerCase()];
        if (byExt)
            return byExt;
    }
    return normalizeEngineName(fallback);
}
const cache = new Map();
/** Loads only the engine asked for, so a Lua run never pays for QuickJS and vice versa. */
export function loadEngine(name) {
    let p = cache.get(name);
    if (!p) {
        p = name === 'lua'
            ? import('@llmspell/bridge-lua').then((m) => m.createLuaEngine())
            : import('@llmspell/bridge-js').then((m) => m.createJsEngine());
        cache.set(name, p);
    }
    return p;
}
//# sourceMappingURL=engines.js.map