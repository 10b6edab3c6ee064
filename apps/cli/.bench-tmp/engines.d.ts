import { type ScriptEngine } from '@llmspell/core';
export declare function normalizeEngineName(name: string): 'lua' | 'javascript';
/** The engine for a script: `--engine` wins, then the file extension, then the default. */
export declare function chooseEngine(flag: string | undefined, file: string | undefined, fallback: string): 'lua' | 'javascript';
/** Loads only the engine asked for, so a Lua run never pays for QuickJS and vice versa. */
export declare function loadEngine(name: 'lua' | 'javascript'): Promise<ScriptEngine>;
//# sourceMappingURL=engines.d.ts.map