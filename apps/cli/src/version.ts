import { createRequire } from 'node:module';

let cached: string | undefined;
export function cliVersion(): string {
  if (!cached) cached = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  return cached;
}
