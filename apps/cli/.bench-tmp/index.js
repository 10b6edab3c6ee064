export { main } from './main.js';
export { parseArgs, splitScriptArgs } from './parse-args.js';
export { loadTools, BUNDLED_TOOL_PACKAGES } from './load-tools.js';
//# sourceMappingURL=index.js.map