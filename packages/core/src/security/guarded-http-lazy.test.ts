import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinModulesAfter as builtinsAfter } from '../testing/index.js';

// Every script host imports core; node:http, https (with tls) and zlib are compiled only when
// a request is made. Checked on the build (turbo builds before testing) in a fresh process.
const entry = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js')).href;

describe('guardedFetch loads node:http lazily', () => {
  test('importing core loads none of http, https, tls, zlib', () => {
    const loaded = builtinsAfter(`await import(${JSON.stringify(entry)});`);
    expect(loaded.filter((m) => ['http', '_http_client', 'https', 'tls', 'zlib'].includes(m))).toEqual([]);
  });

  test('the probe sees a module once it is loaded (so the check above can fail)', () => {
    const loaded = builtinsAfter(`await import(${JSON.stringify(entry)}); await import('node:https');`);
    expect(loaded).toEqual(expect.arrayContaining(['_http_client', 'https', 'tls']));
  });
});
