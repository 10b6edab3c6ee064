import { OPTIONAL_TOOL_PACKAGES, isTool } from '@llmspell/core';
import * as media from './index.js';

// core tells a script that calls one of these tools without this package how to enable it: its list must be this package's tools
test("core's list of optional tools names exactly this package's tools", () => {
  const names = Object.values(media).filter(isTool).map((t) => t.name).sort();
  const listed = Object.entries(OPTIONAL_TOOL_PACKAGES).filter(([, pkg]) => pkg === '@llmspell/tools-media').map(([name]) => name).sort();
  expect(names.length).toBeGreaterThan(0);
  expect(listed).toEqual(names);
});
