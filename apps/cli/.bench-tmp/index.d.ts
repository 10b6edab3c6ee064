export { main } from './main.js';
export type { CliIo } from './io.js';
export { parseArgs, splitScriptArgs } from './parse-args.js';
export { loadTools, BUNDLED_TOOL_PACKAGES } from './load-tools.js';
//# sourceMappingURL=index.d.ts.map