import * as utilPackage from './index.js';
import { UTIL_TOOL_LOADERS } from './tool-loaders.js';

describe('UTIL_TOOL_LOADERS', () => {
  test('names every tool of the package once, by its name', () => {
    expect(Object.keys(UTIL_TOOL_LOADERS).sort()).toEqual(utilPackage.utilTools.map((tool) => tool.name).sort());
  });

  test.each(Object.entries(UTIL_TOOL_LOADERS))('%s loads the very tool the index exports', async (name, load) => {
    const tool = await load();
    expect(tool.name).toBe(name);
    expect(utilPackage.utilTools).toContain(tool);
  });
});
