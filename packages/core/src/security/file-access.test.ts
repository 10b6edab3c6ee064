import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecurityPolicy, hasDescriptorPaths, linkStaysInside } from '../index.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('fd-verified file access', () => {
  let base: string;
  let root: string;
  let outside: string;
  let policy: SecurityPolicy;

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-fa-')));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside secret');
    policy = new SecurityPolicy({ allowedPaths: [root], cwd: root, protectedFiles: ['llmspell.toml'] });
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('refuses a whole-file read larger than the script could hold, naming the parameter, the size and the limit', async () => {
    const big = new SecurityPolicy({ allowedPaths: [root], cwd: root, maxFileBytes: 4_000_000_000 });
    fs.writeFileSync(path.join(root, 'two-mib.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
    expect((await big.readFile('two-mib.bin')).data.length).toBe(2 * 1024 * 1024);
    big.files.setScriptMemoryLimit(1024 * 1024);
    const e = await big.readFile('two-mib.bin', { parameter: 'file' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { parameter: 'file', bytes: 2 * 1024 * 1024, limit: 1024 * 1024 } });
    expect(String((e as Error).message)).toMatch(/^SIZE_LIMIT_EXCEEDED: parameter 'file': file two-mib\.bin is 2097152 bytes, over the limit of 1048576 bytes \(the script's memory limit, --max-memory or runtime\.security\.max_memory_bytes/);
    // A lower max_file_bytes stays the limit, without the script's memory named.
    const e2 = await big.readFile('two-mib.bin', { maxBytes: 1000 }).catch((x: unknown) => x);
    expect(String((e2 as Error).message)).toMatch(/parameter 'path': file two-mib\.bin is 2097152 bytes, over the limit of 1000 bytes$/);
    // Past V8's longest string no read is made, whatever the limits (a sparse file: no disk used).
    big.files.setScriptMemoryLimit(8 * 1024 * 1024 * 1024);
    fs.writeFileSync(path.join(root, 'huge.bin'), '');
    fs.truncateSync(path.join(root, 'huge.bin'), 0x20000000);
    const e3 = await big.readFile('huge.bin').catch((x: unknown) => x);
    expect(e3).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { limit: 0x1fffffe8, bytes: 0x20000000 } });
    expect(String((e3 as Error).message)).toContain('the longest text a script can be given');
  });

  it('runs on a platform where descriptors have paths (the CI platform)', () => {
    // The fallback (device/inode re-checks) is for other systems; Linux must use /proc/self/fd.
    if (process.platform === 'linux') expect(hasDescriptorPaths()).toBe(true);
  });

  it('reads and writes inside the roots, atomically, creating parents one verified step at a time', async () => {
    await policy.writeFile('a/b/c.txt', 'hello', { createParents: true });
    expect(fs.readFileSync(path.join(root, 'a/b/c.txt'), 'utf8')).toBe('hello');
    const { data, realPath } = await policy.readFile('a/b/c.txt');
    expect(data.toString()).toBe('hello');
    expect(realPath).toBe(path.join(root, 'a/b/c.txt'));
    expect(fs.readdirSync(path.join(root, 'a/b'))).toEqual(['c.txt']);
    expect(await codeOf(policy.writeFile('x/y.txt', 'no parents'))).toBe('NOT_FOUND');
  });

  it('follows links only through checked hops and refuses links that lead outside', async () => {
    fs.writeFileSync(path.join(root, 'real.txt'), 'inside');
    fs.symlinkSync('real.txt', path.join(root, 'alias'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'escape'));
    fs.symlinkSync(outside, path.join(root, 'outdir'));
    expect((await policy.readFile('alias')).data.toString()).toBe('inside');
    // Writing through an inside link replaces the content of what it points at; the link stays.
    await policy.writeFile('alias', 'new');
    expect(fs.readlinkSync(path.join(root, 'alias'))).toBe('real.txt');
    expect(fs.readFileSync(path.join(root, 'real.txt'), 'utf8')).toBe('new');
    expect(await codeOf(policy.readFile('escape'))).toBe('PATH_NOT_ALLOWED');
    expect(await codeOf(policy.writeFile('escape', 'x'))).toBe('PATH_NOT_ALLOWED');
    expect(await codeOf(policy.writeFile('outdir/new.txt', 'x'))).toBe('PATH_NOT_ALLOWED');
    expect(await codeOf(policy.openDirectory('outdir'))).toBe('PATH_NOT_ALLOWED');
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside secret');
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    // A link may be located as itself (to delete or move it) even when it points outside.
    const entry = await policy.locate('escape', { followLinks: false });
    expect(entry.stat?.isSymbolicLink()).toBe(true);
    await entry.dir.close();
  });

  it('keeps using the directory it checked when the path is swapped for an escaping link', async () => {
    fs.mkdirSync(path.join(root, 'd'));
    const entry = await policy.locate('d/f.txt');
    // The race the issue reproduced: after the check, d is moved away and replaced by a link out.
    fs.renameSync(path.join(root, 'd'), path.join(root, 'd-moved'));
    fs.symlinkSync(outside, path.join(root, 'd'));
    await entry.dir.writeAtomic(entry.name, Buffer.from('landed'));
    await entry.dir.close();
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    expect(fs.readFileSync(path.join(root, 'd-moved/f.txt'), 'utf8')).toBe('landed');
    // A fresh open sees the link now and refuses it.
    expect(await codeOf(policy.writeFile('d/f.txt', 'again'))).toBe('PATH_NOT_ALLOWED');
  });

  it('opens children with O_NOFOLLOW: a file or directory swapped for a link is refused', async () => {
    fs.mkdirSync(path.join(root, 'd'));
    const dir = await policy.openDirectory('.');
    try {
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'file-link'));
      fs.symlinkSync(outside, path.join(root, 'dir-link'));
      expect(await codeOf(dir.openFile('file-link', 'read'))).toBe('ELOOP');
      expect(await codeOf(dir.openDirectory('dir-link'))).toBe('PATH_NOT_ALLOWED');
      expect(await codeOf(dir.openDirectory('dir-link', { create: true }))).toBe('PATH_NOT_ALLOWED');
      expect(await codeOf(dir.openFile('file-link', 'write'))).toBe('ELOOP');
      expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside secret');
    } finally {
      await dir.close();
    }
  });

  it('removes trees without following links inside them', async () => {
    fs.mkdirSync(path.join(root, 'tree/sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'tree/sub/x'), 'x');
    fs.symlinkSync(outside, path.join(root, 'tree/sub/out'));
    const entry = await policy.locate('tree', { followLinks: false });
    await entry.dir.removeTree(entry.name);
    await entry.dir.close();
    expect(fs.existsSync(path.join(root, 'tree'))).toBe(false);
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
  });

  it("'write' empties an existing file only after its descriptor is verified; 'create' is exclusive", async () => {
    fs.writeFileSync(path.join(root, 'keep.txt'), 'old content');
    const f = await policy.openFile('keep.txt', { mode: 'write' });
    expect((await f.handle.stat()).size).toBe(0);
    await f.handle.writeFile('fresh');
    await f.close();
    expect(fs.readFileSync(path.join(root, 'keep.txt'), 'utf8')).toBe('fresh');
    expect(await codeOf(policy.openFile('keep.txt', { mode: 'create' }))).toBe('ALREADY_EXISTS');
    const a = await policy.openFile('keep.txt', { mode: 'append' });
    await a.handle.write('!');
    await a.close();
    expect(fs.readFileSync(path.join(root, 'keep.txt'), 'utf8')).toBe('fresh!');
  });

  it('refuses FIFOs and directories where a file is read, without blocking', async () => {
    fs.mkdirSync(path.join(root, 'dir'));
    expect(await codeOf(policy.readFile('dir'))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(policy.readFile('.'))).toBe('INVALID_ARGUMENT');
    if (process.platform !== 'win32') {
      const { execFileSync } = await import('node:child_process');
      execFileSync('mkfifo', [path.join(root, 'pipe')]);
      expect(await codeOf(policy.readFile('pipe'))).toBe('INVALID_ARGUMENT');
    }
  });

  it('protects loaded config files and .env files, by name, through links and through hard links', async () => {
    fs.writeFileSync(path.join(root, 'llmspell.toml'), 'api_key = "sk-secret"');
    fs.writeFileSync(path.join(root, '.env'), 'TOKEN=1');
    fs.writeFileSync(path.join(root, '.env.local'), 'TOKEN=2');
    fs.symlinkSync('llmspell.toml', path.join(root, 'cfg-link'));
    fs.linkSync(path.join(root, 'llmspell.toml'), path.join(root, 'cfg-hard'));
    fs.mkdirSync(path.join(root, '.env-dir-is-fine'));
    for (const name of ['llmspell.toml', '.env', '.env.local', 'cfg-link', 'cfg-hard', './sub/../llmspell.toml']) {
      const e = await policy.readFile(name).catch((error: Error) => error);
      expect(e).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
      expect((e as Error).message).toMatch(/configuration file|\.env file/);
    }
    for (const name of ['llmspell.toml', '.env', '.env.production']) {
      expect(await codeOf(policy.writeFile(name, 'x'))).toBe('PATH_NOT_ALLOWED');
    }
    expect(() => policy.resolvePath('llmspell.toml')).toThrow(/configuration file/);
    expect(fs.readFileSync(path.join(root, 'llmspell.toml'), 'utf8')).toBe('api_key = "sk-secret"');
    expect(fs.existsSync(path.join(root, '.env.production'))).toBe(false);
    // A directory whose name starts with .env is just a directory.
    const dir = await policy.openDirectory('.env-dir-is-fine');
    await dir.close();
    expect(policy.protectedFiles).toContain(path.join(root, 'llmspell.toml'));
  });

  it('protected directories (the state store) are refused inside the roots, by path, link and directory', async () => {
    fs.mkdirSync(path.join(root, '.llmspell'));
    fs.writeFileSync(path.join(root, '.llmspell', 'state.db'), 'db');
    const guarded = new SecurityPolicy({ allowedPaths: [root], cwd: root, protectedDirs: ['.llmspell', 'elsewhere.db-wal'] });
    fs.symlinkSync(path.join(root, '.llmspell', 'state.db'), path.join(root, 'alias.db'));
    for (const attempt of [
      guarded.readFile('.llmspell/state.db'),
      guarded.readFile('alias.db'),
      guarded.writeFile('.llmspell/state.db-wal', 'x'),
      guarded.writeFile('elsewhere.db-wal', 'x'),
      guarded.openDirectory('.llmspell'),
      guarded.mkdir('.llmspell/new'),
    ]) {
      const e = await attempt.then(() => undefined, (error: Error) => error);
      expect(e).toMatchObject({ code: 'PATH_NOT_ALLOWED', details: { reason: 'protected_file' } });
      expect((e as Error).message).toMatch(/state store/);
    }
    expect(fs.readFileSync(path.join(root, '.llmspell', 'state.db'), 'utf8')).toBe('db');
    expect(fs.existsSync(path.join(root, 'elsewhere.db-wal'))).toBe(false);
    // a sibling with a similar name is an ordinary file, and so is a dotfile (its temp name starts with '..')
    await guarded.writeFile('.llmspell-notes.txt', 'ok');
    await guarded.writeFile('.gitignore', 'dist/');
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('dist/');
  });

  it('allowFileAccess = false refuses every path, naming the switch', async () => {
    fs.writeFileSync(path.join(root, 'a.txt'), 'a');
    const off = new SecurityPolicy({ allowedPaths: [root], cwd: root, allowFileAccess: false });
    expect(off.allowFileAccess).toBe(false);
    for (const attempt of [
      off.readFile('a.txt'),
      off.writeFile('b.txt', 'b'),
      off.openDirectory('.'),
      off.mkdir('d'),
      off.stat('a.txt'),
      off.locate('a.txt'),
      Promise.resolve().then(() => off.resolvePath('a.txt', 'input_file')),
    ]) {
      const e = await attempt.then(() => undefined, (error: Error) => error);
      expect(e).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
      expect((e as Error).message).toMatch(/allow_file_access = false/);
    }
    expect(fs.existsSync(path.join(root, 'b.txt'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'd'))).toBe(false);
  });

  it('creates a missing allowed root from its ancestor, and nothing beside it', async () => {
    const missingRoot = path.join(base, 'later', 'data');
    const p = new SecurityPolicy({ allowedPaths: [missingRoot], cwd: base });
    await p.writeFile(path.join(missingRoot, 'x.txt'), 'ok', { createParents: true });
    expect(fs.readFileSync(path.join(missingRoot, 'x.txt'), 'utf8')).toBe('ok');
    expect(await codeOf(p.writeFile(path.join(base, 'later', 'beside.txt'), 'no', { createParents: true }))).toBe('PATH_NOT_ALLOWED');
    expect(await codeOf(p.mkdir(path.join(base, 'later', 'other'), { recursive: true }))).toBe('PATH_NOT_ALLOWED');
    expect(fs.readdirSync(path.join(base, 'later'))).toEqual(['data']);
  });

  it('refuses deleting or replacing an allowed root', async () => {
    expect(await codeOf(policy.locate('.', { followLinks: false }))).toBe('PATH_NOT_ALLOWED');
    expect((await policy.mkdir('.')).created).toBe(false);
    expect((await policy.stat('.')).stat.isDirectory()).toBe(true);
  });
});

describe('linkStaysInside', () => {
  let root: string;
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-link-')));
    fs.mkdirSync(path.join(root, 'a/b/c'), { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const inside = (dir: string) => (real: string) => real === dir || real.startsWith(dir + path.sep);

  it('judges a relative target from where the link is', () => {
    expect(linkStaysInside(inside(root), path.join(root, 'a/b/c'), '../../x')).toBe(true);
    // The same target from a shallower place leaves the root: what a move must re-check.
    expect(linkStaysInside(inside(root), path.join(root, 'a'), '../../x')).toBe(false);
    expect(linkStaysInside(inside(root), root, '/etc/passwd')).toBe(false);
    expect(linkStaysInside(inside(root), root, path.join(root, 'a'), { absolute: 'resolve' })).toBe(true);
  });

  it('follows links on disk: d -> . makes d/.. the parent', () => {
    fs.symlinkSync('.', path.join(root, 'a/d'));
    expect(linkStaysInside(inside(path.join(root, 'a')), path.join(root, 'a'), 'd/..')).toBe(false);
    expect(linkStaysInside(inside(root), path.join(root, 'a'), 'd/b')).toBe(true);
  });
});

describe('kernel trees: /proc, /sys and /dev', () => {
  const linux = process.platform === 'linux' ? it : it.skip;
  const everything = () => new SecurityPolicy({ allowedPaths: ['/'], cwd: os.tmpdir() });

  linux('are refused under a root of / (no /proc/self/environ), with a code and the reason', async () => {
    const policy = everything();
    for (const p of ['/proc/self/environ', '/proc/1/cmdline', '/proc', '/sys/kernel/hostname', '/dev/fd/0', '/dev/stdin', '/dev/shm', '/dev']) {
      let error: { code?: string; details?: Record<string, unknown>; message?: string } | undefined;
      try {
        policy.resolvePath(p);
      } catch (e) {
        error = e as typeof error;
      }
      expect([p, error?.code, error?.details?.reason]).toEqual([p, 'PATH_NOT_ALLOWED', 'kernel_filesystem']);
    }
    expect(await codeOf(policy.readFile('/proc/self/environ'))).toBe('PATH_NOT_ALLOWED');
    expect(await codeOf(policy.readFile('/dev/stdin'))).toBe('PATH_NOT_ALLOWED');
    expect(await codeOf(policy.openDirectory('/proc/self'))).toBe('PATH_NOT_ALLOWED');
    // What the refusal says: where it is, and how to allow it on purpose.
    expect(() => policy.resolvePath('/proc/self/environ', 'file_path')).toThrow(/parameter 'file_path': .*in \/proc, .*allowed_paths/);
  });

  linux('a symlink into /proc is refused where it is opened, not only by name', async () => {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-kt-')));
    try {
      fs.symlinkSync('/proc/self/environ', path.join(base, 'env-link'));
      fs.symlinkSync('/proc/self', path.join(base, 'self-link'));
      const policy = everything();
      expect(await codeOf(policy.readFile(path.join(base, 'env-link')))).toBe('PATH_NOT_ALLOWED');
      expect(await codeOf(policy.readFile(path.join(base, 'self-link/environ')))).toBe('PATH_NOT_ALLOWED');
      expect(await codeOf(policy.writeFile(path.join(base, 'self-link/comm'), 'x'))).toBe('PATH_NOT_ALLOWED');
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  linux('/dev/null and the like stay usable; a root named inside a kernel tree grants it', async () => {
    const policy = everything();
    expect(policy.resolvePath('/dev/null')).toBe('/dev/null');
    expect(policy.resolvePath('/dev/urandom')).toBe('/dev/urandom');
    // Ordinary files under / are untouched by the rule.
    expect(policy.resolvePath(os.tmpdir())).toBe(fs.realpathSync(os.tmpdir()));
    if (fs.existsSync('/dev/shm')) {
      const shm = new SecurityPolicy({ allowedPaths: ['/dev/shm'], cwd: '/dev/shm' });
      const name = `llmspell-kt-${process.pid}.txt`;
      try {
        await shm.writeFile(name, 'scratch');
        expect((await shm.readFile(name)).data.toString()).toBe('scratch');
      } finally {
        fs.rmSync(path.join('/dev/shm', name), { force: true });
      }
      expect(() => shm.resolvePath('/dev/fd/0')).toThrow(expect.objectContaining({ code: 'PATH_NOT_ALLOWED' }));
    }
  });
});
