import { describeParameters, executeComponent, createExecutionContext, outputJsonSchema, parametersJsonSchema, type Tool } from '@llmspell/core';
import { BUNDLED_TOOLS_MANIFEST } from '../src/bundled-tools-manifest.js';
import { BUNDLED_TOOL_LOADERS, BUNDLED_TOOL_MODULE_LOADERS, collectTools, loadTools } from '../src/load-tools.js';
import { buildToolManifest } from '../src/tool-manifest.js';
import { cli, scratch, write } from './helpers.js';

/**
 * The bundled tools are listed from a manifest built with the CLI and their packages load on
 * a tool's first call. The manifest must say exactly what the tools say: when a tool changes,
 * `node apps/cli/lib/tool-manifest.js` (after a build) writes it again.
 */
describe('the bundled tools manifest', () => {
  test('matches the tools of the bundled packages (regenerate: node apps/cli/lib/tool-manifest.js, then rebuild)', async () => {
    expect(BUNDLED_TOOLS_MANIFEST).toEqual(await buildToolManifest());
  });

  test('the tools a run registers describe themselves as the loaded tools do', async () => {
    const registered = await loadTools({ tools: { packages: [], plugins: [] } });
    const real = new Map<string, Tool>();
    for (const load of Object.values(BUNDLED_TOOL_LOADERS)) for (const tool of collectTools((await load()) as Record<string, unknown>)) real.set(tool.name, tool);
    expect(registered.map((t) => t.name).sort()).toEqual([...real.keys()].sort());
    for (const tool of registered) {
      const loaded = real.get(tool.name)!;
      expect([tool.name, tool.securityLevel, tool.parameterLevels, tool.aliases, tool.examples])
        .toEqual([loaded.name, loaded.securityLevel, loaded.parameterLevels, loaded.aliases, loaded.examples]);
      expect(describeParameters(tool.parameters)).toEqual(describeParameters(loaded.parameters));
      expect(parametersJsonSchema(tool.parameters)).toEqual(parametersJsonSchema(loaded.parameters));
      expect(tool.outputSchema === undefined).toBe(loaded.outputSchema === undefined);
      if (tool.outputSchema) expect(outputJsonSchema(tool.outputSchema)).toEqual(outputJsonSchema(loaded.outputSchema!));
    }
    // a call loads the package and checks arguments with the tool's own schema
    const calculator = registered.find((t) => t.name === 'calculator')!;
    await expect(executeComponent(calculator, { input: '6*7' }, createExecutionContext())).resolves.toMatchObject({ result: { result: 42 } });
    await expect(executeComponent(calculator, { inptu: '6*7' }, createExecutionContext())).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  test('a tool with its own module loader loads the very tool its package exports, and only names the manifest lists', async () => {
    for (const [pkg, loadLoaders] of Object.entries(BUNDLED_TOOL_MODULE_LOADERS)) {
      const loaders = await loadLoaders!();
      const packageTools = collectTools((await BUNDLED_TOOL_LOADERS[pkg]()) as Record<string, unknown>);
      expect(Object.keys(loaders).sort()).toEqual(BUNDLED_TOOLS_MANIFEST[pkg]!.map((e) => e.name).sort());
      for (const [name, load] of Object.entries(loaders)) expect(packageTools.find((t) => t.name === name)).toBe(await load());
    }
  });

  test('through the CLI: every tool listed with its schema, and one of each package callable', async () => {
    const dir = scratch();
    const listed = await cli(['tools', 'list', '--output', 'json'], { cwd: dir });
    expect(listed.code).toBe(0);
    const names = (JSON.parse(listed.stdout) as Array<{ name: string }>).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(Object.values(BUNDLED_TOOLS_MANIFEST).flat().map((e) => e!.name)));
    write(dir, 'calls.lua', `
      local n = 0
      for _, t in ipairs(Tool.list()) do if #Tool.get(t.name).getSchema().parameters > 0 then n = n + 1 end end
      local ok, e = pcall(Tool.invoke, "json_processor", { operation = "query", input = '{"a":1}', queryy = ".a" })
      return {
        described = n,
        util = Tool.invoke("uuid_generator", { operation = "generate" }).success,
        data = Tool.invoke("json_processor", { operation = "query", input = '{"a":1}', query = ".a" }).result,
        system = Tool.invoke("environment_reader", { operation = "get", variable_name = "PATH" }).success,
        bad = tostring(e):match("queryy") ~= nil,
      }`);
    const run = await cli(['run', 'calls.lua', '--output', 'json'], { cwd: dir });
    expect(run.stderr).toBe('');
    const result = (JSON.parse(run.stdout) as { result: Record<string, unknown> }).result;
    expect(result).toMatchObject({ util: true, data: 1, system: true, bad: true, described: Object.values(BUNDLED_TOOLS_MANIFEST).flat().length });
  });
});
