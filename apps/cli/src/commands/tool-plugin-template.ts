// The files `llmspell init --tool-plugin <dir>` writes: a standalone npm package with its own
// TypeScript build and tests, depending on @llmspell/core as a peer (the CLI or program that
// loads the plugin brings core; the plugin brings only its tools).

export interface ToolPluginNames {
  /** npm package name (from the directory name). */
  packageName: string;
  /** The example tool's name, snake_case. */
  toolName: string;
  /** Its exported binding, camelCase. */
  exportName: string;
}

/** npm package name rules: lowercase, URL-safe, no leading dot or underscore. */
export function pluginNames(dirName: string): ToolPluginNames {
  const slug = dirName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, '') || 'llmspell-tool';
  const words = slug.replace(/^llmspell-(tool|plugin)s?-/, '').split(/[._-]+/).filter(Boolean);
  const toolName = /^[a-z]/.test(words[0] ?? '') ? words.join('_') : `tool_${words.join('_')}`;
  const exportName = toolName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return { packageName: slug, toolName, exportName };
}

/** `dirName` is the folder as the user named it, for the path a project's config gives. */
export function toolPluginFiles(names: ToolPluginNames, coreVersion: string, dirName: string): Record<string, string> {
  const { packageName, toolName, exportName } = names;
  const coreRange = `^${coreVersion}`;
  const manifest = {
    name: packageName,
    version: '0.1.0',
    description: `llmspell tool plugin: ${toolName}`,
    type: 'module',
    license: 'MIT',
    keywords: ['llmspell', 'llmspell-plugin'],
    engines: { node: '>=20' },
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', 'README.md'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      test: 'vitest run',
      prepack: 'npm run build',
    },
    peerDependencies: { '@llmspell/core': coreRange },
    devDependencies: { '@llmspell/core': coreRange, '@types/node': '^20.19.0', typescript: '~5.9.3', vitest: '^4.1.0' },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      declaration: true,
      sourceMap: true,
      rootDir: 'src',
      outDir: 'dist',
      esModuleInterop: true,
      isolatedModules: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['src'],
  };
  const tsconfigBuild = { extends: './tsconfig.json', exclude: ['src/**/*.test.ts'] };
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

  const index = `import { defineTool, z } from '@llmspell/core';

/**
 * ${toolName}: counts the words of a text, or how often one word occurs in it. Replace it with
 * your own tool; export as many as you like (default export, named exports or arrays).
 */
export const ${exportName} = defineTool({
  name: '${toolName}',
  description: 'Counts the words of a text, or how often one word occurs in it',
  category: 'utility',
  securityLevel: 'safe',
  // Scripts' arguments are validated against this schema before execute runs: a bad one is an
  // INVALID_ARGUMENT error naming the parameter. .describe() texts show in \`llmspell tools show\`.
  parameters: z.object({
    input: z.string().describe('The text'),
    word: z.string().min(1).optional().describe('Count only this word (case-insensitive)'),
  }),
  examples: [{ description: 'Count the words of a sentence', params: { input: 'the cat and the hat' } }],
  // Return { result } (any JSON value) and optionally message, metadata, operation. Scripts get
  // { text, result, success, metadata }: result as returned, text the same as a JSON document.
  // Throw an LlmspellError (from @llmspell/core) to fail with a stable code.
  execute: ({ input, word }) => {
    const words = input.toLowerCase().match(/[\\p{L}\\p{N}']+/gu) ?? [];
    const count = word ? words.filter((w) => w === word.toLowerCase()).length : words.length;
    return { result: { count, words: words.length } };
  },
});

export default [${exportName}];
`;

  const test = `import { createExecutionContext, executeComponent, isTool } from '@llmspell/core';
import { describe, expect, it } from 'vitest';
import tools, { ${exportName} } from './index.js';

// executeComponent is the path the CLI runs every tool through: it validates the arguments
// against the schema, then calls execute, and returns what a script receives.
const run = (params: Record<string, unknown>) => executeComponent(${exportName}, params, createExecutionContext());

describe('${toolName}', () => {
  it('is exported as a tool', () => {
    expect(tools.every(isTool)).toBe(true);
  });

  it('counts words, and one word', async () => {
    expect((await run({ input: 'the cat and the hat' })).result).toEqual({ count: 5, words: 5 });
    const r = await run({ input: 'The cat and the hat', word: 'THE' });
    expect(r.result).toEqual({ count: 2, words: 5 });
    expect(JSON.parse(r.text)).toMatchObject({ success: true, result: { count: 2 } });
  });

  it('rejects a bad argument, naming the parameter', async () => {
    await expect(run({ input: 42 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("parameter 'input'") });
  });
});
`;

  const readme = `# ${packageName}

An [llmspell](https://www.npmjs.com/package/@llmspell/cli) tool plugin: \`${toolName}\` counts the
words of a text. Made with \`llmspell init --tool-plugin\`.

\`\`\`sh
npm install        # @llmspell/core (a peer dependency, also a devDependency here), TypeScript, vitest
npm run build      # tsc → dist/
npm test           # vitest: src/*.test.ts
\`\`\`

## The tool

\`src/index.ts\` exports tools made with \`defineTool\` from \`@llmspell/core\`: a name, a
description, a category, a security level, a zod schema for the parameters, and \`execute\`.

- Arguments are validated against the schema before \`execute\` runs; a bad one fails with
  \`INVALID_ARGUMENT\` and names the parameter.
- \`execute\` returns \`{ result, message?, metadata?, operation? }\`. A script receives
  \`{ text, result, success, metadata }\`: \`result\` is your value, \`text\` the same as a JSON
  document (\`{"success": true, "result": …}\`, what rs-llmspell scripts parse).
- To fail, throw \`new LlmspellError('INVALID_ARGUMENT', 'why')\` (or another code from
  \`@llmspell/core\`); scripts see the code at the start of the message.
- \`execute(params, ctx)\`: \`ctx.policy\` holds the user's security settings. Check every file path
  with \`ctx.policy.resolvePath(p)\` and every URL with \`await ctx.policy.checkUrl(url)\` (or fetch with
  \`guardedRequest\`) before using it.

## Testing

\`src/index.test.ts\` runs the tool through \`executeComponent(tool, params,
createExecutionContext())\`, the same path the CLI uses: validation, then \`execute\`, and the
\`{ text, result }\` a script gets. \`npm test\` runs it.

## Using it

Build it, then name it in the \`llmspell.toml\` of the project whose scripts use it, by path while
you work on it or by package name once installed (\`npm i ${packageName}\` in the project):

\`\`\`toml
[tools]
plugins = ["./${dirName}"]     # a path to this folder; or "${packageName}" once installed
\`\`\`

\`\`\`lua
local r = Tool.invoke("${toolName}", { input = "the cat and the hat", word = "the" })
print(r.result.count, r.result.words)   --> 2  5
\`\`\`

\`llmspell tools show ${toolName}\` lists it with its parameters. When it cannot load, the error
says which file or dependency is missing.
`;

  return {
    'package.json': json(manifest),
    'tsconfig.json': json(tsconfig),
    'tsconfig.build.json': json(tsconfigBuild),
    'src/index.ts': index,
    'src/index.test.ts': test,
    'README.md': readme,
    '.gitignore': 'node_modules/\ndist/\n',
  };
}
