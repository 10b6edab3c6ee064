import fs from 'node:fs';
import path from 'node:path';
import { fileOperationsTool as tool, fsTools } from './index.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

describe('file_operations', () => {
  it('exports all five tools in the filesystem category', () => {
    expect(fsTools.map((t) => t.name)).toEqual(['file_operations', 'archive_handler', 'file_watcher', 'file_converter', 'file_search']);
    expect(new Set(fsTools.map((t) => t.category))).toEqual(new Set(['filesystem']));
    expect(tool.securityLevel).toBe('privileged');
  });

  it('writes and reads a file; the text is the ResponseBuilder JSON', async () => {
    const w = await sb.run(tool, { operation: 'write', path: 'notes.txt', input: 'hello' });
    expect(w.success).toBe(true);
    expect(sb.read('notes.txt')).toBe('hello');
    const r = await sb.run(tool, { operation: 'read', path: 'notes.txt' });
    expect(r.result).toBe('hello');
    const doc = JSON.parse(r.text);
    expect(doc).toMatchObject({ operation: 'read', success: true, result: 'hello', metadata: { file_size: 5 } });
  });

  it('accepts the DOC spelling content for input and creates parent directories', async () => {
    await sb.run(tool, { operation: 'write', path: 'a/b/c.txt', content: 'deep' });
    expect(sb.read('a/b/c.txt')).toBe('deep');
  });

  it('appends, creating the file when missing', async () => {
    await sb.run(tool, { operation: 'append', path: 'log.txt', input: 'one\n' });
    await sb.run(tool, { operation: 'append', path: 'log.txt', input: 'two\n' });
    expect(sb.read('log.txt')).toBe('one\ntwo\n');
  });

  it('creates directories (create_dir, mkdir, create_directory) and lists them', async () => {
    await sb.run(tool, { operation: 'create_dir', path: 'd1' });
    await sb.run(tool, { operation: 'mkdir', path: 'd2/x/y', recursive: true });
    await sb.run(tool, { operation: 'create_directory', path: 'd3' });
    // Idempotent like the reference: the tools-filesystem example re-creates its directory on every run.
    const again = await sb.run(tool, { operation: 'create_dir', path: 'd1' });
    expect(again.result).toMatchObject({ created: false });
    sb.file('plain.txt', 'x');
    await expectCode(sb.run(tool, { operation: 'create_dir', path: 'plain.txt' }), 'ALREADY_EXISTS');
    fs.rmSync(path.join(sb.dir, 'plain.txt'));
    await expectCode(sb.run(tool, { operation: 'create_dir', path: 'no/parent' }), 'NOT_FOUND');
    sb.file('d2/x/file.txt', 'abc');
    const flat = await sb.run(tool, { operation: 'list_dir', path: '.' });
    expect((flat.result as Array<{ name: string; type: string }>).map((e) => `${e.name}:${e.type}`)).toEqual(['d1:directory', 'd2:directory', 'd3:directory']);
    const deep = await sb.run(tool, { operation: 'ls', path: 'd2', recursive: true });
    expect((deep.result as Array<{ path: string }>).map((e) => e.path)).toEqual(['x', path.join('x', 'file.txt'), path.join('x', 'y')]);
    const docList = await sb.run(tool, { operation: 'list', path: 'd2/x' });
    expect(docList.metadata.count).toBe(2);
  });

  it('copies files and (recursively) directories', async () => {
    sb.file('src/a.txt', 'A');
    sb.file('src/sub/b.txt', 'B');
    await sb.run(tool, { operation: 'copy', source_path: 'src/a.txt', target_path: 'copy.txt' });
    expect(sb.read('copy.txt')).toBe('A');
    await expectCode(sb.run(tool, { operation: 'cp', source_path: 'src', target_path: 'dst' }), 'INVALID_ARGUMENT');
    const r = await sb.run(tool, { operation: 'cp', source_path: 'src', target_path: 'dst', recursive: true });
    expect((r.result as { files: number }).files).toBe(2);
    expect(sb.read('dst/sub/b.txt')).toBe('B');
  });

  it('moves and renames', async () => {
    sb.file('old.txt', 'x');
    await sb.run(tool, { operation: 'rename', source_path: 'old.txt', target_path: 'new.txt' });
    expect(fs.existsSync(path.join(sb.dir, 'old.txt'))).toBe(false);
    expect(sb.read('new.txt')).toBe('x');
    fs.mkdirSync(path.join(sb.dir, 'into'));
    await sb.run(tool, { operation: 'mv', path: 'new.txt', target_path: 'into' });
    expect(sb.read('into/new.txt')).toBe('x');
  });

  it('reports metadata and existence', async () => {
    sb.file('m.txt', '12345');
    const m = await sb.run(tool, { operation: 'stat', path: 'm.txt' });
    expect(m.result).toMatchObject({ size: 5, type: 'file', is_file: true, is_dir: false, is_symlink: false });
    expect((await sb.run(tool, { operation: 'exists', path: 'm.txt' })).result).toBe(true);
    expect((await sb.run(tool, { operation: 'exists', path: 'nope.txt' })).result).toBe(false);
    expect((await sb.run(tool, { operation: 'info', path: '.' })).result).toMatchObject({ type: 'directory' });
  });

  it('deletes files, and non-empty directories only when recursive', async () => {
    sb.file('gone.txt', 'x');
    await sb.run(tool, { operation: 'delete', path: 'gone.txt' });
    expect(fs.existsSync(path.join(sb.dir, 'gone.txt'))).toBe(false);
    sb.file('tree/a/b.txt', 'x');
    await expectCode(sb.run(tool, { operation: 'delete', path: 'tree' }), 'IO_ERROR');
    await sb.run(tool, { operation: 'rm', path: 'tree', recursive: true });
    expect(fs.existsSync(path.join(sb.dir, 'tree'))).toBe(false);
    await expectCode(sb.run(tool, { operation: 'delete', path: '.', recursive: true }), 'PATH_NOT_ALLOWED');
    expect(fs.existsSync(sb.dir)).toBe(true);
  });

  it('deleting a symlink removes the link, not its target', async () => {
    sb.file('target.txt', 'keep');
    fs.symlinkSync(path.join(sb.dir, 'target.txt'), path.join(sb.dir, 'link.txt'));
    await sb.run(tool, { operation: 'delete', path: 'link.txt' });
    expect(fs.existsSync(path.join(sb.dir, 'link.txt'))).toBe(false);
    expect(sb.read('target.txt')).toBe('keep');
  });

  it('refuses ../ escapes for reads, writes, copies and listing', async () => {
    fs.writeFileSync(path.join(sb.outside, 'secret.txt'), 'outside');
    await expectCode(sb.run(tool, { operation: 'read', path: '../outside/secret.txt' }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'write', path: '../outside/new.txt', input: 'x' }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'copy', source_path: '../outside/secret.txt', target_path: 'in.txt' }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'list_dir', path: '..' }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'read', path: '/etc/passwd' }), 'PATH_NOT_ALLOWED');
    expect(fs.existsSync(path.join(sb.outside, 'new.txt'))).toBe(false);
  });

  it('refuses a symlink inside the root that points to /etc', async () => {
    fs.symlinkSync('/etc', path.join(sb.dir, 'etc-link'));
    const err = await expectCode(sb.run(tool, { operation: 'read', path: 'etc-link/passwd' }), 'PATH_NOT_ALLOWED');
    expect(err.message).not.toContain('root:');
    await expectCode(sb.run(tool, { operation: 'list_dir', path: 'etc-link' }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'write', path: 'etc-link/llmspell-test', input: 'x' }), 'PATH_NOT_ALLOWED');
  });

  it('refuses writing through a symlinked directory to a not-yet-existing file outside', async () => {
    fs.symlinkSync(sb.outside, path.join(sb.dir, 'out-link'));
    await expectCode(sb.run(tool, { operation: 'write', path: 'out-link/sub/new.txt', input: 'x' }), 'PATH_NOT_ALLOWED');
    expect(fs.existsSync(path.join(sb.outside, 'sub'))).toBe(false);
  });

  it('refuses copying into a destination that holds a link pointing outside', async () => {
    sb.file('src/sub/a.txt', 'A');
    fs.mkdirSync(path.join(sb.dir, 'dst/src'), { recursive: true });
    fs.symlinkSync(sb.outside, path.join(sb.dir, 'dst/src/sub'));
    await expectCode(sb.run(tool, { operation: 'copy', source_path: 'src', target_path: 'dst', recursive: true }), 'PATH_NOT_ALLOWED');
    fs.symlinkSync(sb.outside, path.join(sb.dir, 'dst/src2'));
    sb.file('src2', 'file');
    await expectCode(sb.run(tool, { operation: 'copy', source_path: 'src2', target_path: 'dst' }), 'PATH_NOT_ALLOWED');
    expect(fs.readdirSync(sb.outside)).toEqual([]);
  });

  it('refuses reads over the size limit and writes over it, leaving the old file intact', async () => {
    const small = sandbox({ maxFileBytes: 10 });
    try {
      small.file('big.txt', 'x'.repeat(11));
      await expectCode(small.run(tool, { operation: 'read', path: 'big.txt' }), 'SIZE_LIMIT_EXCEEDED');
      small.file('keep.txt', 'original');
      await expectCode(small.run(tool, { operation: 'write', path: 'keep.txt', input: 'y'.repeat(11) }), 'SIZE_LIMIT_EXCEEDED');
      await expectCode(small.run(tool, { operation: 'append', path: 'keep.txt', input: 'more' }), 'SIZE_LIMIT_EXCEEDED');
      expect(small.read('keep.txt')).toBe('original');
      expect(fs.readdirSync(small.dir).sort()).toEqual(['big.txt', 'keep.txt']);
    } finally {
      small.cleanup();
    }
  });

  it('writes atomically: a failing rename leaves the old file and no temp file', async () => {
    sb.file('d/keep.txt', 'original');
    // A directory where the file should be makes the final rename fail after the temp write.
    fs.mkdirSync(path.join(sb.dir, 'd/blocked'));
    fs.writeFileSync(path.join(sb.dir, 'd/blocked/x'), '');
    await expectCode(sb.run(tool, { operation: 'write', path: 'd/blocked', input: 'new' }), 'INVALID_ARGUMENT');
    expect(fs.readdirSync(path.join(sb.dir, 'd')).sort()).toEqual(['blocked', 'keep.txt']);
  });

  it('names the bad parameter', async () => {
    await expectCode(sb.run(tool, { operation: 'explode', path: 'x' }), 'INVALID_ARGUMENT');
    const e = await expectCode(sb.run(tool, { operation: 'write', path: 'x.txt' }), 'INVALID_ARGUMENT');
    expect(e.message).toContain("'input'");
    const e2 = await expectCode(sb.run(tool, { path: 'x.txt' }), 'INVALID_ARGUMENT');
    expect(e2.message).toContain('operation');
  });
});
