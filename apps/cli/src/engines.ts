import path from 'node:path';
import type { ScriptEngine } from '@llmspell/core';
import { LlmspellError } from '@llmspell/core/errors';

const ENGINE_ALIASES: Record<string, 'lua' | 'javascript'> = { lua: 'lua', javascript: 'javascript', js: 'javascript' };
const EXTENSIONS: Record<string, 'lua' | 'javascript'> = { '.lua': 'lua', '.js': 'javascript', '.mjs': 'javascript' };

export function normalizeEngineName(name: string): 'lua' | 'javascript' {
  const engine = ENGINE_ALIASES[name.toLowerCase()];
  if (!engine) {
    throw new LlmspellError('ENGINE_NOT_AVAILABLE', `Script engine '${name}' is not available (choose lua or javascript)`);
  }
  return engine;
}

/** The engine for a script: `--engine` wins, then the file extension, then the default. */
export function chooseEngine(flag: string | undefined, file: string | undefined, fallback: string): 'lua' | 'javascript' {
  if (flag) return normalizeEngineName(flag);
  if (file) {
    const byExt = EXTENSIONS[path.extname(file).toLowerCase()];
    if (byExt) return byExt;
  }
  return normalizeEngineName(fallback);
}

const cache = new Map<string, Promise<ScriptEngine>>();

/** Loads only the engine asked for, so a Lua run never pays for QuickJS and vice versa. */
export function loadEngine(name: 'lua' | 'javascript'): Promise<ScriptEngine> {
  let p = cache.get(name);
  if (!p) {
    p = name === 'lua'
      ? import('@llmspell/bridge-lua').then((m) => m.createLuaEngine())
      : import('@llmspell/bridge-js').then((m) => m.createJsEngine());
    cache.set(name, p);
  }
  return p;
}

/**
 * Starts loading an engine (and, for Lua, compiling its WASM) without waiting, so that work
 * overlaps reading the config and loading tools.
 */
export function preloadEngine(name: 'lua' | 'javascript'): void {
  if (name === 'lua') {
    void import('@llmspell/bridge-lua').then((m) => (m as { warmUpLua?: () => void }).warmUpLua?.(), () => undefined);
  }
  void loadEngine(name).catch(() => undefined);
}
