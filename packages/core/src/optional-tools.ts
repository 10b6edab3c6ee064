/*
 * Tools of llmspell's own optional packages, which are not installed with the CLI and load only
 * when the config names their package (`[tools] packages`): a script calling one without it
 * is told where the tool comes from, not offered a look-alike (`audio_processor` is not
 * `json_processor`). Kept here, by name, because the packages themselves are not loaded to ask.
 * @llmspell/tools-media's test checks this list against its tools.
 */
export const OPTIONAL_TOOL_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  audio_processor: '@llmspell/tools-media',
  image_processor: '@llmspell/tools-media',
  video_processor: '@llmspell/tools-media',
});

/** The optional package that provides tool `name`, if one of ours does. */
export function optionalToolPackage(name: string): string | undefined {
  return Object.hasOwn(OPTIONAL_TOOL_PACKAGES, name) ? OPTIONAL_TOOL_PACKAGES[name] : undefined;
}

/** How to get tool `name` when an optional package of ours provides it, else undefined. */
export function optionalToolHint(name: string): string | undefined {
  const pkg = optionalToolPackage(name);
  if (pkg === undefined) return undefined;
  return `it comes with the optional package ${pkg}, which is not loaded: install it (\`npm i -g ${pkg}\`, or \`npm i ${pkg}\` in the project) and add \`[tools] packages = ["${pkg}"]\` to llmspell.toml`;
}
