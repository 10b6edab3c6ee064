import fs from 'node:fs';
import path from 'node:path';
import { fileSearchTool as tool } from './index.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  sb.file('a.txt', 'one\ntwo\nTODO: first\nthree\nfour\n');
  sb.file('src/b.ts', 'const x = 1;\n// todo lower\n// TODO upper\n');
  sb.file('src/deep/c.md', 'TODO deep\n');
  sb.file('node_modules/pkg/d.js', 'TODO vendored\n');
  sb.file('bin.dat', Buffer.from([0x54, 0x4f, 0x44, 0x4f, 0x00, 0x01]));
});
afterEach(() => sb.cleanup());

interface Res {
  matches: Array<{ file: string; line_number: number; column: number; line: string; matched_text: string; context_before: string[]; context_after: string[] }>;
  total_matches: number;
  files_searched: number;
  skipped_binary: number;
  skipped_large: number;
}
const res = (r: { result: unknown }) => r.result as Res;

describe('file_search', () => {
  it('finds literal text with context lines in one directory level', async () => {
    const r = res(await sb.run(tool, { pattern: 'TODO', path: '.' }));
    expect(r.matches.map((m) => m.file)).toEqual(['a.txt']);
    expect(r.matches[0]).toMatchObject({ line_number: 3, column: 1, line: 'TODO: first', matched_text: 'TODO', context_before: ['one', 'two'], context_after: ['three', 'four'] });
    expect(r.skipped_binary).toBe(1);
  });

  it('searches recursively, skipping excluded dirs (node_modules by default) and honouring max_depth', async () => {
    const r = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, context_lines: 0 }));
    expect(r.matches.map((m) => `${m.file}:${m.line_number}`)).toEqual(['a.txt:3', path.join('src', 'b.ts') + ':3', path.join('src', 'deep', 'c.md') + ':1']);
    const withVendor = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, exclude_dirs: [] }));
    expect(withVendor.matches.some((m) => m.file.includes('node_modules'))).toBe(true);
    const shallow = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, max_depth: 1 }));
    expect(shallow.matches.some((m) => m.file.includes('deep'))).toBe(false);
    const noSrc = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, exclude_dirs: 'src' }));
    expect(noSrc.matches.some((m) => m.file.startsWith('src'))).toBe(false);
  });

  it('is case-insensitive on request', async () => {
    const r = res(await sb.run(tool, { pattern: 'todo', path: 'src/b.ts', case_sensitive: false }));
    expect(r.matches.map((m) => m.line_number)).toEqual([2, 3]);
  });

  it('supports regexes (use_regex, or the DOC operation search_regex)', async () => {
    const r = res(await sb.run(tool, { pattern: 'const\\s+(\\w+)', path: 'src', recursive: true, use_regex: true }));
    expect(r.matches[0]).toMatchObject({ matched_text: 'const x', line_number: 1 });
    const doc = res(await sb.run(tool, { operation: 'search_regex', pattern: '^TODO\\b', path: '.', recursive: true }));
    expect(doc.total_matches).toBe(2);
    // A literal search treats regex characters literally.
    expect(res(await sb.run(tool, { pattern: 'x = 1;', path: 'src/b.ts' })).total_matches).toBe(1);
    expect(res(await sb.run(tool, { pattern: '.*', path: 'src/b.ts' })).total_matches).toBe(0);
  });

  it('filters by extensions and file_pattern', async () => {
    const inc = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, include_extensions: ['md', '.ts'] }));
    expect(inc.matches.map((m) => path.extname(m.file)).sort()).toEqual(['.md', '.ts']);
    const exc = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, exclude_extensions: 'txt,md' }));
    expect(exc.matches.map((m) => m.file)).toEqual([path.join('src', 'b.ts')]);
    const emptyTable = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, include_extensions: {} }));
    expect(emptyTable.total_matches).toBe(3);
    const glob = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, file_pattern: '*.md' }));
    expect(glob.matches.map((m) => m.file)).toEqual([path.join('src', 'deep', 'c.md')]);
  });

  it('file_pattern is the core glob dialect: ** spans directories, braces, and a bad glob names the parameter', async () => {
    const deep = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, file_pattern: 'src/**/*.{md,ts}' }));
    expect(deep.matches.map((m) => m.file).sort()).toEqual([path.join('src', 'b.ts'), path.join('src', 'deep', 'c.md')]);
    const oneLevel = res(await sb.run(tool, { pattern: 'TODO', path: '.', recursive: true, file_pattern: 'src/*' }));
    expect(oneLevel.matches.map((m) => m.file)).toEqual([path.join('src', 'b.ts')]);
    const bad = await expectCode(sb.run(tool, { pattern: 'TODO', path: '.', file_pattern: '*.{md' }), 'INVALID_ARGUMENT');
    expect(bad.message).toMatch(/file_search: parameter 'file_pattern': invalid glob '\*\.\{md': unclosed \{/);
  });

  it('caps matches per file and skips large files', async () => {
    sb.file('many.txt', 'hit\n'.repeat(50));
    expect(res(await sb.run(tool, { pattern: 'hit', path: 'many.txt', max_matches_per_file: 5 })).total_matches).toBe(5);
    expect(res(await sb.run(tool, { pattern: 'hit', path: 'many.txt' })).total_matches).toBe(50);
    const big = res(await sb.run(tool, { pattern: 'hit', path: 'many.txt', max_file_size: 10 }));
    expect(big).toMatchObject({ total_matches: 0, skipped_large: 1 });
  });

  it('answers a catastrophic-backtracking regex correctly, in linear time, in every file', async () => {
    sb.file('redos/bad.txt', `${'a'.repeat(40)}!\nfine line\n${'a'.repeat(40)}\n`);
    sb.file('redos/good.txt', 'aaaa\nbbbb\n');
    sb.file('redos/long.txt', `${'a'.repeat(1_000_000)}!\n`);
    const r = res(await sb.run(tool, { pattern: '^(a+)+$', path: 'redos', use_regex: true }));
    expect(r.matches.map((m) => `${m.file}:${m.line_number}`)).toEqual(['bad.txt:3', 'good.txt:1']);
    const e = await expectCode(sb.run(tool, { pattern: '(a)\\1', path: 'redos', use_regex: true }), 'INVALID_ARGUMENT');
    expect(e.message).toMatch(/file_search: parameter 'pattern'.*backreference/);
  });

  it('refuses over-long and invalid patterns, naming the parameter', async () => {
    const e = await expectCode(sb.run(tool, { pattern: 'x'.repeat(1001), path: '.' }), 'INVALID_ARGUMENT');
    expect(e.message).toContain("'pattern'");
    await expectCode(sb.run(tool, { pattern: '(', path: '.', use_regex: true }), 'INVALID_ARGUMENT');
  });

  it('never leaves the sandbox: ../ refused, symlinks not followed', async () => {
    fs.writeFileSync(path.join(sb.outside, 'secret.txt'), 'TODO secret');
    await expectCode(sb.run(tool, { pattern: 'TODO', path: '../outside' }), 'PATH_NOT_ALLOWED');
    fs.symlinkSync(sb.outside, path.join(sb.dir, 'link'));
    fs.symlinkSync('/etc', path.join(sb.dir, 'etc'));
    const r = res(await sb.run(tool, { pattern: 'secret|root', use_regex: true, path: '.', recursive: true }));
    expect(r.total_matches).toBe(0);
    await expectCode(sb.run(tool, { pattern: 'root', path: 'etc/passwd' }), 'PATH_NOT_ALLOWED');
  });
});
