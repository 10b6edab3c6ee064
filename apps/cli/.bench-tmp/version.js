import { createRequire } from 'node:module';
let cached;
export function cliVersion() {
    if (!cached)
        cached = createRequire(import.meta.url)('../package.json').version;
    return cached;
}
//# sourceMappingURL=version.js.map