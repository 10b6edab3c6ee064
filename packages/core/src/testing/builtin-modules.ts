import { execFileSync } from 'node:child_process';

/**
 * The Node builtin modules (`zlib`, `https`…) a fresh process has loaded after running `code`
 * (an ES module body, top-level await allowed): for tests that a package loads a builtin only
 * when it is first used.
 */
export function builtinModulesAfter(code: string): string[] {
  const script = `${code}\nprocess.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as string[];
}
