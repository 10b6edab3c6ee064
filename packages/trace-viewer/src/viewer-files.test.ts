/**
 * The built app as `llmspell ui` serves it: every file it needs is in dist/app (the package
 * ships it prebuilt), and nothing in it reaches beyond the server it came from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { viewerFiles } from './index.js';
import { spanRows, timeWindow } from './app/span-tree.js';
import type { SpanData } from './app/api.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'app');

describe('the built app', () => {
  // The compiled entry point (dist/index.js) looks in dist/app, next to itself.
  const files = viewerFiles(built);

  test('is in dist/app, inside the files the package publishes, with its page at /', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('dist');
    expect(files.get('/')?.file).toBe(path.join(built, 'index.html'));
    const html = fs.readFileSync(files.get('/')!.file, 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((r) => !r.startsWith('data:'));
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) expect(files.has(ref.replace(/^\.\//, '/'))).toBe(true);
    expect([...files.values()].filter((f) => f.file.endsWith('.js'))[0].contentType).toBe('text/javascript; charset=utf-8');
  });

  test('loads nothing from the network: no URL in it but XML namespace names', () => {
    for (const [, f] of files) {
      const text = fs.readFileSync(f.file, 'utf8');
      const urls = [...text.matchAll(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi)].map((m) => m[0]);
      expect(urls.filter((u) => !/^http:\/\/www\.w3\.org\//.test(u))).toEqual([]);
    }
  });

  test('a missing directory yields no files (the server then says the viewer is not built)', () => {
    expect(viewerFiles('/nonexistent/dir').size).toBe(0);
  });
});

describe('span rows', () => {
  const span = (id: string, parent: string | undefined, start: number, end?: number): SpanData =>
    ({ id, parent, name: id, kind: 'step', start, end, status: 'ok', attributes: {}, events: [] });

  test('parents come before their children, siblings in start order, orphans at the top level', () => {
    const rows = spanRows([span('c2', 'root', 5, 6), span('root', undefined, 0, 10), span('c1', 'root', 1, 4), span('g', 'c1', 2, 3), span('lost', 'gone', 7, 8)]);
    expect(rows.map((r) => `${r.depth}:${r.span.id}`)).toEqual(['0:root', '1:c1', '2:g', '1:c2', '0:lost']);
  });

  test('a span still running ends now', () => {
    expect(timeWindow([span('a', undefined, 100), span('b', 'a', 120, 130)], 200)).toEqual({ t0: 100, total: 100 });
  });
});
