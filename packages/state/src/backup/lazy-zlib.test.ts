import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Every run that opens the state store imports this package; node:zlib is compiled only when a
// backup is written or read (backup.test.ts covers both, compressed and not). Checked on the
// build (turbo builds before testing) in a fresh process.
const entry = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js')).href;

function builtinsAfter(code: string): string[] {
  const script = `${code}\nprocess.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as string[];
}

describe('the backup format loads node:zlib lazily', () => {
  test('importing @llmspell/state loads no zlib', () => {
    expect(builtinsAfter(`await import(${JSON.stringify(entry)});`)).not.toContain('zlib');
  });

  test('the probe sees zlib once it is loaded (so the check above can fail)', () => {
    expect(builtinsAfter(`await import(${JSON.stringify(entry)}); await import('node:zlib');`)).toContain('zlib');
  });
});
