import { BUNDLED_TOOL_PACKAGES as bundledToolPackages, loadTools as loadToolsForRun } from './load-tools.js';

export { main } from './main.js';
export type { CliIo } from './io.js';
export { parseArgs, splitScriptArgs } from './parse-args.js';
export type { GlobalFlags, OutputFormat, ParsedArgs } from './parse-args.js';

/**
 * What `loadTools` gives: `@llmspell/core` `Tool` objects, described here by their plain fields
 * because the installed CLI carries core inside its bundle, not as a package a program could
 * import types from. A program that runs them installs `@llmspell/core` and treats them as its
 * `Tool`.
 */
export interface LoadedTool {
  readonly kind: 'tool';
  readonly name: string;
  readonly description: string;
  readonly aliases: readonly string[];
  readonly category: string;
  readonly securityLevel: string;
  readonly version: string;
  readonly tags: readonly string[];
  /** Validates raw script arguments; throws an error whose `code` is INVALID_ARGUMENT, naming the parameter. */
  validate(params: unknown): Record<string, unknown>;
}

/** The tool packages the CLI installs with it. */
export const BUNDLED_TOOL_PACKAGES: readonly string[] = bundledToolPackages;

/**
 * The tools a run gets: the bundled packages, the optional ones the config lists under
 * `[tools] packages`, and third-party plugins under `[tools] plugins`, imported from `cwd`.
 */
export function loadTools(config: { tools: { packages: string[]; plugins: string[] } }, cwd?: string): Promise<LoadedTool[]> {
  return loadToolsForRun(config, cwd);
}
