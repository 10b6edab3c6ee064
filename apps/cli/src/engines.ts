import path from 'node:path';
import type { ScriptEngine } from '@llmspell/core';
import { LlmspellError } from '@llmspell/core/errors';

const ENGINE_ALIASES: Record<string, 'lua' | 'javascript'> = { lua: 'lua', javascript: 'javascript', js: 'javascript' };
export type EngineName = 'lua' | 'javascript';

const EXTENSIONS: Record<string, EngineName> = { '.lua': 'lua', '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript' };

/** `origin`: where the name came from, when not from --engine (a config's default_engine). */
export function normalizeEngineName(name: string, origin?: string): EngineName {
  const engine = ENGINE_ALIASES[name.toLowerCase()];
  if (!engine) {
    throw new LlmspellError('ENGINE_NOT_AVAILABLE', `Script engine '${name}'${origin ? ` (${origin})` : ''} is not available (choose lua or javascript)`);
  }
  return engine;
}

/** The `default_engine` of a loaded config, for a script neither --engine nor its extension gave one. */
export function defaultEngineOf(loaded: { config: { default_engine: string }; source?: string | null }): EngineName {
  return normalizeEngineName(loaded.config.default_engine, `default_engine of ${loaded.source ?? 'the built-in config'}`);
}

/**
 * The engine `--engine` (or LLMSPELL_ENGINE) or else the file extension picks; undefined when
 * neither does, and the config's `default_engine` decides (see defaultEngineOf).
 */
export function engineFor(flag: string | undefined, file: string | undefined): EngineName | undefined {
  if (flag) return normalizeEngineName(flag);
  return file ? EXTENSIONS[path.extname(file).toLowerCase()] : undefined;
}

/** The name errors give inline code (`llmspell exec`): `<exec>.lua` or `<exec>.js`. */
export function inlineScriptName(engine: string, origin: 'exec' | 'stdin' = 'exec'): string {
  return `<${origin}>.${engine === 'javascript' ? 'js' : 'lua'}`;
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
