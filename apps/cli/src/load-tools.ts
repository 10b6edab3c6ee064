import { LlmspellError, isTool, type Tool } from '@llmspell/core';

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

function collectTools(mod: Record<string, unknown>): Tool[] {
  const found = new Map<string, Tool>();
  const visit = (value: unknown) => {
    if (isTool(value)) found.set(value.name, value);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  for (const value of Object.values(mod)) visit(value);
  return [...found.values()];
}

async function importPackage(name: string, why: string): Promise<Record<string, unknown>> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw new LlmspellError('PACKAGE_NOT_INSTALLED', `${why} needs the package '${name}': install it with \`npm i -g ${name}\` (or add it to your project)`, {
        details: { package: name },
      });
    }
    throw new LlmspellError('PACKAGE_NOT_INSTALLED', `${why}: loading '${name}' failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The tools for a run: every bundled package that is installed, the optional ones the
 * config lists under `[tools] packages`, and third-party plugins under `[tools] plugins`
 * (an npm package exporting `defineTool(...)` results, as default export, named exports
 * or arrays).
 */
export async function loadTools(config: { tools: { packages: string[]; plugins: string[] } }): Promise<Tool[]> {
  const tools: Tool[] = [];
  const loaded = await Promise.all(
    BUNDLED_TOOL_PACKAGES.map((name) => import(name).then((m) => m as Record<string, unknown>, () => undefined)),
  );
  for (const mod of loaded) if (mod) tools.push(...collectTools(mod));
  for (const name of config.tools.packages) {
    tools.push(...collectTools(await importPackage(name, `[tools] packages`)));
  }
  for (const name of config.tools.plugins) {
    const mod = await importPackage(name, `the tool plugin listed in [tools] plugins`);
    const pluginTools = collectTools(mod);
    if (pluginTools.length === 0) {
      throw new LlmspellError('INVALID_ARGUMENT', `tool plugin '${name}' exports no tools (export defineTool(...) as default or named exports)`);
    }
    tools.push(...pluginTools);
  }
  return tools;
}
