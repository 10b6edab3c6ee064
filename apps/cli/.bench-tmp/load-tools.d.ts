import { type Tool } from '@llmspell/core';
/** Tool packages the CLI installs with it, loaded on start. */
export declare const BUNDLED_TOOL_PACKAGES: string[];
/** Optional packages: loaded only when the config names them, since they are heavy. */
export declare const OPTIONAL_TOOL_PACKAGES: string[];
/**
 * Finds a package (or a file path) from the user's directory first: a globally installed
 * CLI cannot see the project's node_modules through a bare `import(name)`.
 */
export declare function resolveFromDirectory(name: string, cwd: string): string | undefined;
/**
 * The tools for a run: every bundled package that is installed, the optional ones the
 * config lists under `[tools] packages`, and third-party plugins under `[tools] plugins`
 * (an npm package exporting `defineTool(...)` results, as default export, named exports
 * or arrays).
 */
export declare function loadTools(config: {
    tools: {
        packages: string[];
        plugins: string[];
    };
}, cwd?: string): Promise<Tool[]>;
//# sourceMappingURL=load-tools.d.ts.map