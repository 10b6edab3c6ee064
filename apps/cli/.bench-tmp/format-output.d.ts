import type { ScriptValue } from '@llmspell/core';
import type { OutputFormat } from './parse-args.js';
/** How `run`/`exec` print a script's result (the reference's output.rs, made total). */
export declare function formatResult(value: ScriptValue, format: OutputFormat, info: {
    engine: string;
    elapsedMs: number;
}): string | null;
//# sourceMappingURL=format-output.d.ts.map