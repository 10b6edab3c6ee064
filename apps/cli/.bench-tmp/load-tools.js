import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LlmspellError, isTool } from '@llmspell/core';
/** Tool packages the CLI installs with it, loaded on start. */
export const BUNDLED_TOOL_PACKAGES = [
    '@llmspell/tools-util',
    '@llmspell/tools-fs',
    '@llmspell/tools-data',
    '@llmspell/tools-web',
    '@llmspell/tools-system',
    '@llmspell/tools-search',
    '@llmspell/tools-comm',
];
/** Optional packages: loaded only when the config names them, since they are heavy. */
export const OPTIONAL_TOOL_PACKAGES = ['@llmspell/tools-media'];
function collectTools(mod) {
    const found = new Map();
    const visit = (value) => {
        if (isTool(value))
            found.set(value.name, value);
        else if (Array.isArray(value))
            value.forEach(visit);
    };
    for (const value of Object.values(mod))
        visit(value);
    return [...found.values()];
}
/**
 * Finds a package (or a file path) from the user's directory first: a globally installed
 * CLI cannot see the project's node_modules through a bare `import(name)`.
 */
export function resolveFromDirectory(name, cwd) {
    if (name.startsWith('.') || path.isAbsolute(name)) {
        const file = path.resolve(cwd, name);
        return fs.existsSync(file) ? pathToFileURL(file).href : undefined;
    }
    for (let dir = cwd;; dir = path.dirname(dir)) {
        const pkgDir = path.join(dir, 'node_modules', name);
        const manifest = path.join(pkgDir, 'package.json');
        if (fs.existsSync(manifest)) {
            const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
            let entry = pkg.exports;
            if (entry && typeof entry === 'object' && '.' in entry)
                entry = entry['.'];
            while (entry && typeof entry === 'object') {
                const e = entry;
                entry = e.import ?? e.node ?? e.default ?? e.require;
            }
            const rel = typeof entry === 'string' ? entry : pkg.module ?? pkg.main ?? 'index.js';
            return pathToFileURL(path.join(pkgDir, rel)).href;
        }
        if (path.dirname(dir) === dir)
            return undefined;
    }
}
async function importPackage(name, why, cwd = process.cwd()) {
    try {
        const local = resolveFromDirectory(name, cwd);
        return (await import(local ?? name));
    }
    catch (error) {
        const code = error.code;
        if (code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(name)) {
            throw new LlmspellError('PACKAGE_NOT_INSTALLED', `${why} needs the package '${name}': install it with \`npm i -g ${name}\` (or add it to your project)`, {
                details: { package: name },
            });
        }
        throw new LlmspellError('PACKAGE_NOT_INSTALLED', `${why}: loading '${name}' failed: ${error.message}`, { cause: error });
    }
}
/**
 * The tools for a run: every bundled package that is installed, the optional ones the
 * config lists under `[tools] packages`, and third-party plugins under `[tools] plugins`
 * (an npm package exporting `defineTool(...)` results, as default export, named exports
 * or arrays).
 */
export async function loadTools(config, cwd = process.cwd()) {
    const tools = [];
    const L = { '@llmspell/tools-util': () => import('@llmspell/tools-util'), '@llmspell/tools-fs': () => import('@llmspell/tools-fs'), '@llmspell/tools-data': () => import('@llmspell/tools-data'), '@llmspell/tools-web': () => import('@llmspell/tools-web'), '@llmspell/tools-system': () => import('@llmspell/tools-system'), '@llmspell/tools-search': () => import('@llmspell/tools-search'), '@llmspell/tools-comm': () => import('@llmspell/tools-comm') };
    const loaded = await Promise.all(BUNDLED_TOOL_PACKAGES.map((name) => L[name]().then((m) => m, () => undefined)));
    for (const mod of loaded)
        if (mod)
            tools.push(...collectTools(mod));
    for (const name of config.tools.packages) {
        tools.push(...collectTools(await importPackage(name, `[tools] packages`, cwd)));
    }
    for (const name of config.tools.plugins) {
        const mod = await importPackage(name, `the tool plugin listed in [tools] plugins`, cwd);
        const pluginTools = collectTools(mod);
        if (pluginTools.length === 0) {
            throw new LlmspellError('INVALID_ARGUMENT', `tool plugin '${name}' exports no tools (export defineTool(...) as default or named exports)`);
        }
        tools.push(...pluginTools);
    }
    return tools;
}
//# sourceMappingURL=load-tools.js.map