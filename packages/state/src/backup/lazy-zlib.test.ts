import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinModulesAfter as builtinsAfter } from '@llmspell/core/testing';

// Every run that opens the state store imports this package; node:zlib is compiled only when a
// backup is written or read (backup.test.ts covers both, compressed and not). Checked on the
// build (turbo builds before testing) in a fresh process.
const entry = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js')).href;

describe('the backup format loads node:zlib lazily', () => {
  test('importing @llmspell/state loads no zlib', () => {
    expect(builtinsAfter(`await import(${JSON.stringify(entry)});`)).not.toContain('zlib');
  });

  test('the probe sees zlib once it is loaded (so the check above can fail)', () => {
    expect(builtinsAfter(`await import(${JSON.stringify(entry)}); await import('node:zlib');`)).toContain('zlib');
  });
});
