import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Header } from 'tar';
import yazl from 'yazl';
import { archiveHandlerTool as tool, detectFormat } from '../index.js';
import { type Sandbox, expectCode, sandbox } from '../__fixtures__/helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

function zipBuffer(add: (zip: yazl.ZipFile) => void): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  add(zip);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** yazl refuses evil names, so build with a same-length placeholder and patch every copy. */
function patchName(buf: Buffer, placeholder: string, evil: string): Buffer {
  expect(placeholder.length).toBe(evil.length);
  const out = Buffer.from(buf);
  let at = out.indexOf(placeholder);
  let n = 0;
  while (at >= 0) {
    out.write(evil, at, 'utf8');
    n += 1;
    at = out.indexOf(placeholder, at + 1);
  }
  expect(n).toBe(2); // local header + central directory
  return out;
}

interface RawTarEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  body?: Buffer | string;
  linkpath?: string;
}

/** Writes raw tar blocks, bypassing every sanitiser a tar library would apply. */
function tarBuffer(entries: RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const type = e.type ?? 'File';
    const header = new Header({
      path: e.path,
      mode: type === 'Directory' ? 0o755 : 0o644,
      size: type === 'File' ? body.length : 0,
      mtime: new Date(0),
      type,
      linkpath: e.linkpath,
      uid: 0,
      gid: 0,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      const rel = path.relative(dir, full);
      const st = fs.lstatSync(full);
      out.push(st.isDirectory() ? `${rel}/` : rel);
      if (st.isDirectory()) walk(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

describe('archive_handler', () => {
  it('detects the format from the extension', () => {
    expect(detectFormat('a.zip')).toBe('zip');
    expect(detectFormat('a.tar')).toBe('tar');
    expect(detectFormat('a.tar.gz')).toBe('tar.gz');
    expect(detectFormat('a.TGZ')).toBe('tar.gz');
    expect(detectFormat('a.bin', 'tgz')).toBe('tar.gz');
    expect(() => detectFormat('a.rar')).toThrow(/INVALID_ARGUMENT/);
  });

  for (const ext of ['zip', 'tar', 'tar.gz', 'tgz']) {
    it(`creates, lists and extracts a .${ext} round trip`, async () => {
      sb.file('docs/a.txt', 'alpha');
      sb.file('docs/sub/b.txt', 'beta');
      sb.file('readme.md', '# hi');
      const archive = `out/bundle.${ext}`;
      const created = await sb.run(tool, { operation: 'create', path: archive, input: ['docs', 'readme.md', 'docs/a.txt'] });
      expect(created.result).toMatchObject({ files: 3, entries: 5 });
      const listed = await sb.run(tool, { operation: 'list', path: archive });
      const names = (listed.result as { entries: Array<{ name: string; type: string }> }).entries
        .filter((e) => e.type === 'file').map((e) => e.name.replace(/^\.\//, '')).sort();
      expect(names).toEqual(['docs/a.txt', 'docs/sub/b.txt', 'readme.md']);
      const extracted = await sb.run(tool, { operation: 'extract', path: archive, target_path: 'unpacked' });
      expect(extracted.result).toMatchObject({ bytes: 13 });
      expect(sb.read('unpacked/docs/a.txt')).toBe('alpha');
      expect(sb.read('unpacked/docs/sub/b.txt')).toBe('beta');
      expect(sb.read('unpacked/readme.md')).toBe('# hi');
      expect(listTree(path.join(sb.dir, 'unpacked'))).toEqual(['docs/', 'docs/a.txt', 'docs/sub/', 'docs/sub/b.txt', 'readme.md']);
    });
  }

  it('extracts next to the archive by default and merges into an existing directory', async () => {
    sb.file('x/one.txt', '1');
    await sb.run(tool, { operation: 'create', archive_path: 'x.zip', source_path: 'x/one.txt' });
    sb.file('x-extra/keep.txt', 'k');
    const r = await sb.run(tool, { operation: 'extract', path: 'x.zip' });
    expect(sb.read('x/one.txt')).toBe('1');
    expect((r.result as { target_path: string }).target_path).toBe(path.join(sb.dir, 'x'));
    await sb.run(tool, { operation: 'extract', path: 'x.zip', output_path: 'x-extra' });
    expect(listTree(path.join(sb.dir, 'x-extra'))).toEqual(['keep.txt', 'one.txt']);
  });

  it('extracts tar entries written as ./name, and a ./ root entry', async () => {
    fs.writeFileSync(path.join(sb.dir, 'dot.tar'), tarBuffer([
      { path: './', type: 'Directory' },
      { path: './a.txt', body: 'A' },
      { path: './sub/', type: 'Directory' },
      { path: './sub/b.txt', body: 'B' },
    ]));
    const r = await sb.run(tool, { operation: 'extract', path: 'dot.tar', target_path: 'dot' });
    expect(r.result).toMatchObject({ entries: 4, bytes: 2 });
    expect(listTree(path.join(sb.dir, 'dot'))).toEqual(['a.txt', 'sub/', 'sub/b.txt']);
  });

  it("archives the allowed root itself ('.'), leaving out .env and loaded configs", async () => {
    const guarded = sandbox({ protectedFiles: ['llmspell.toml'] });
    try {
      guarded.file('a.txt', 'a');
      guarded.file('sub/b.txt', 'b');
      guarded.file('.env', 'TOKEN=x');
      guarded.file('llmspell.toml', 'api_key = "k"');
      const r = await guarded.run(tool, { operation: 'create', path: 'all.tar', input: ['.'] });
      // Names are relative to the inputs' common parent, as for any directory input.
      expect((r.result as { skipped: string[] }).skipped.sort()).toEqual(['root/.env', 'root/llmspell.toml']);
      await guarded.run(tool, { operation: 'extract', path: 'all.tar', target_path: 'back' });
      expect(listTree(path.join(guarded.dir, 'back'))).toEqual(['root/', 'root/a.txt', 'root/sub/', 'root/sub/b.txt']);
    } finally {
      guarded.cleanup();
    }
  });

  it('refuses archive and target paths outside the allowed roots', async () => {
    sb.file('a.txt', 'a');
    await sb.run(tool, { operation: 'create', path: 'a.zip', input: ['a.txt'] });
    await expectCode(sb.run(tool, { operation: 'extract', path: 'a.zip', target_path: '../outside/x' }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'create', path: '../outside/a.zip', input: ['a.txt'] }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'create', path: 'b.zip', input: ['/etc/hostname'] }), 'PATH_NOT_ALLOWED');
    expect(fs.readdirSync(sb.outside)).toEqual([]);
  });

  it('does not put symlinks into archives (they could point anywhere)', async () => {
    sb.file('d/real.txt', 'r');
    fs.symlinkSync('/etc/passwd', path.join(sb.dir, 'd/passwd'));
    for (const name of ['d.zip', 'd.tar']) {
      const r = await sb.run(tool, { operation: 'create', path: name, input: ['d'] });
      expect((r.result as { skipped: string[] }).skipped).toEqual(['d/passwd']);
      const listed = await sb.run(tool, { operation: 'list', path: name });
      expect(JSON.stringify(listed.result)).not.toContain('passwd');
      expect(JSON.stringify(listed.result)).toContain('real.txt');
    }
  });

  describe('zip-slip', () => {
    it('refuses a zip entry with ../ in its name', async () => {
      const good = await zipBuffer((z) => z.addBuffer(Buffer.from('pwned'), 'xx/xx/evil.txt'));
      fs.writeFileSync(path.join(sb.dir, 'slip.zip'), patchName(good, 'xx/xx/evil.txt', '../../evil.txt'));
      await expectCode(sb.run(tool, { operation: 'extract', path: 'slip.zip', target_path: 'dest' }), 'PATH_NOT_ALLOWED');
      expect(fs.existsSync(path.join(sb.dir, '..', 'evil.txt'))).toBe(false);
      expect(fs.existsSync(path.join(sb.dir, 'evil.txt'))).toBe(false);
      expect(listTree(path.join(sb.dir, 'dest'))).toEqual([]);
    });

    it('refuses a zip entry with an absolute path', async () => {
      const good = await zipBuffer((z) => z.addBuffer(Buffer.from('pwned'), 'xtmp/evil.txt'));
      fs.writeFileSync(path.join(sb.dir, 'abs.zip'), patchName(good, 'xtmp/evil.txt', '/tmp/evil.txt'));
      await expectCode(sb.run(tool, { operation: 'extract', path: 'abs.zip', target_path: 'dest' }), 'PATH_NOT_ALLOWED');
    });

    it('refuses a zip symlink entry pointing outside', async () => {
      for (const [name, target] of [['abs', '/etc'], ['rel', '../../../etc']]) {
        const zip = await zipBuffer((z) => {
          z.addBuffer(Buffer.from('fine'), 'ok.txt');
          z.addBuffer(Buffer.from(target), 'link', { mode: 0o120777 });
        });
        fs.writeFileSync(path.join(sb.dir, `${name}.zip`), zip);
        await expectCode(sb.run(tool, { operation: 'extract', path: `${name}.zip`, target_path: name }), 'PATH_NOT_ALLOWED');
        expect(listTree(path.join(sb.dir, name))).toEqual([]);
      }
    });

    it('keeps a zip symlink that stays inside', async () => {
      const zip = await zipBuffer((z) => {
        z.addBuffer(Buffer.from('data'), 'dir/file.txt');
        z.addBuffer(Buffer.from('dir/file.txt'), 'alias', { mode: 0o120777 });
      });
      fs.writeFileSync(path.join(sb.dir, 'ok.zip'), zip);
      await sb.run(tool, { operation: 'extract', path: 'ok.zip', target_path: 'ok' });
      expect(fs.readlinkSync(path.join(sb.dir, 'ok/alias'))).toBe('dir/file.txt');
      expect(sb.read('ok/alias')).toBe('data');
    });

    it('refuses tar entries escaping by ../, absolute path, symlink or hard link', async () => {
      const cases: Record<string, RawTarEntry[]> = {
        dotdot: [{ path: '../evil.txt', body: 'x' }],
        nested: [{ path: 'a/../../evil.txt', body: 'x' }],
        absolute: [{ path: '/tmp/llmspell-evil.txt', body: 'x' }],
        symlink: [{ path: 'link', type: 'SymbolicLink', linkpath: '/etc' }, { path: 'link/passwd', body: 'x' }],
        relsymlink: [{ path: 'up', type: 'SymbolicLink', linkpath: '../../outside' }, { path: 'up/evil.txt', body: 'x' }],
        // d -> . looks harmless and d/.. looks inside, but together they leave the target.
        chain: [{ path: 'd', type: 'SymbolicLink', linkpath: '.' }, { path: 'm', type: 'SymbolicLink', linkpath: 'd/..' }],
        hardlink: [{ path: 'h', type: 'Link', linkpath: '../../outside/x' }],
      };
      for (const [name, entries] of Object.entries(cases)) {
        fs.writeFileSync(path.join(sb.dir, `${name}.tar`), tarBuffer(entries));
        const err = await expectCode(sb.run(tool, { operation: 'extract', path: `${name}.tar`, target_path: `t-${name}` }), 'PATH_NOT_ALLOWED');
        expect(err.message).toMatch(/zip-slip|outside/);
        expect(listTree(path.join(sb.dir, `t-${name}`))).toEqual([]);
      }
      expect(fs.readdirSync(sb.outside)).toEqual([]);
      expect(fs.existsSync('/tmp/llmspell-evil.txt')).toBe(false);
      expect(fs.existsSync(path.join(sb.dir, '..', 'evil.txt'))).toBe(false);
    });

    it('refuses to extract through a pre-existing link in the target that points outside', async () => {
      fs.mkdirSync(path.join(sb.dir, 'dest'));
      fs.symlinkSync(sb.outside, path.join(sb.dir, 'dest/sub'));
      fs.writeFileSync(path.join(sb.dir, 'a.tar'), tarBuffer([{ path: 'sub/evil.txt', body: 'x' }]));
      await expectCode(sb.run(tool, { operation: 'extract', path: 'a.tar', target_path: 'dest' }), 'PATH_NOT_ALLOWED');
      expect(fs.readdirSync(sb.outside)).toEqual([]);
    });
  });

  describe('zip bombs', () => {
    const zeros = Buffer.alloc(5 * 1024 * 1024);

    it('refuses a zip expanding past maxExtractBytes, leaving nothing behind', async () => {
      const small = sandbox({ maxExtractBytes: 1024 * 1024 });
      try {
        fs.writeFileSync(path.join(small.dir, 'bomb.zip'), await zipBuffer((z) => z.addBuffer(zeros, 'big.bin')));
        expect(fs.statSync(path.join(small.dir, 'bomb.zip')).size).toBeLessThan(20_000);
        const err = await expectCode(small.run(tool, { operation: 'extract', path: 'bomb.zip', target_path: 'out' }), 'SIZE_LIMIT_EXCEEDED');
        expect(err.message).toMatch(/max extract size|bomb/);
        expect(listTree(path.join(small.dir, 'out'))).toEqual([]);
      } finally {
        small.cleanup();
      }
    });

    it('refuses a tar.gz expanding past maxExtractBytes', async () => {
      const small = sandbox({ maxExtractBytes: 1024 * 1024 });
      try {
        fs.writeFileSync(path.join(small.dir, 'bomb.tar.gz'), zlib.gzipSync(tarBuffer([{ path: 'big.bin', body: zeros }])));
        await expectCode(small.run(tool, { operation: 'extract', path: 'bomb.tar.gz', target_path: 'out' }), 'SIZE_LIMIT_EXCEEDED');
        expect(listTree(path.join(small.dir, 'out'))).toEqual([]);
      } finally {
        small.cleanup();
      }
    });

    it('refuses a suspicious compression ratio even under the size limit', async () => {
      fs.writeFileSync(path.join(sb.dir, 'ratio.zip'), await zipBuffer((z) => z.addBuffer(zeros, 'big.bin')));
      const err = await expectCode(sb.run(tool, { operation: 'extract', path: 'ratio.zip', target_path: 'out' }), 'SIZE_LIMIT_EXCEEDED');
      expect(err.message).toContain('compression ratio');
      fs.writeFileSync(path.join(sb.dir, 'ratio.tgz'), zlib.gzipSync(tarBuffer([{ path: 'big.bin', body: zeros }])));
      await expectCode(sb.run(tool, { operation: 'extract', path: 'ratio.tgz', target_path: 'out2' }), 'SIZE_LIMIT_EXCEEDED');
      // The ratio limit is a setting.
      await sb.run(tool, { operation: 'extract', path: 'ratio.zip', target_path: 'out3' }, { settings: { max_compression_ratio: 10_000 } });
      expect(fs.statSync(path.join(sb.dir, 'out3/big.bin')).size).toBe(zeros.length);
    });

    it('refuses archives with too many entries', async () => {
      const small = sandbox({ maxExtractEntries: 5 });
      try {
        const zip = await zipBuffer((z) => {
          for (let i = 0; i < 10; i += 1) z.addBuffer(Buffer.from(`${i}`), `f${i}.txt`);
        });
        fs.writeFileSync(path.join(small.dir, 'many.zip'), zip);
        await expectCode(small.run(tool, { operation: 'extract', path: 'many.zip', target_path: 'out' }), 'SIZE_LIMIT_EXCEEDED');
        fs.writeFileSync(path.join(small.dir, 'many.tar'), tarBuffer(Array.from({ length: 10 }, (_, i) => ({ path: `f${i}.txt`, body: `${i}` }))));
        await expectCode(small.run(tool, { operation: 'extract', path: 'many.tar', target_path: 'out2' }), 'SIZE_LIMIT_EXCEEDED');
        expect(listTree(path.join(small.dir, 'out2'))).toEqual([]);
      } finally {
        small.cleanup();
      }
    });

    it('counts real bytes, not the sizes the headers claim', async () => {
      const small = sandbox({ maxExtractBytes: 1024 * 1024 });
      try {
        // A tar whose header says 10 bytes for a huge body is simply parsed as garbage
        // after 10 bytes; what we check is that a lying zip header cannot get past the count.
        const zip = await zipBuffer((z) => z.addBuffer(zeros, 'big.bin', { compress: true }));
        // Patch the central directory's uncompressed size (offset 24 in the entry) to 1 byte.
        const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
        zip.writeUInt32LE(1, cd + 24);
        fs.writeFileSync(path.join(small.dir, 'liar.zip'), zip);
        const listed = await small.run(tool, { operation: 'list', path: 'liar.zip' });
        expect((listed.result as { total_size: number }).total_size).toBe(1);
        await expect(small.run(tool, { operation: 'extract', path: 'liar.zip', target_path: 'out' })).rejects.toThrow(/SIZE_LIMIT_EXCEEDED|INVALID_ARGUMENT/);
        expect(listTree(path.join(small.dir, 'out'))).toEqual([]);
      } finally {
        small.cleanup();
      }
    });
  });

  describe('zero blocks', () => {
    const MIB = 1024 * 1024;
    it('a small .tar.gz of zeros ends at once as a bad archive, listed or extracted', async () => {
      // 16 MiB of zeros in 16 KB: node-tar alone keeps every byte after the end marker in a
      // buffer it copies again per chunk (seconds here, minutes for a few hundred MiB).
      fs.writeFileSync(path.join(sb.dir, 'zeros.tar.gz'), zlib.gzipSync(Buffer.alloc(16 * MIB), { level: 9 }));
      const started = performance.now();
      const listed = await expectCode(sb.run(tool, { operation: 'list', path: 'zeros.tar.gz' }), 'INVALID_ARGUMENT');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(listed.message).toMatch(/zeros\.tar\.gz is not a valid tar archive: TAR_BAD_ARCHIVE/);
      await expectCode(sb.run(tool, { operation: 'extract', path: 'zeros.tar.gz', target_path: 'out' }), 'INVALID_ARGUMENT');
      expect(performance.now() - started).toBeLessThan(2000);
      expect(listTree(path.join(sb.dir, 'out'))).toEqual([]);
    });

    it('stops at the end-of-archive marker: entries before it (zero-filled ones too) are read, the zeros after it are not', async () => {
      const tar = Buffer.concat([tarBuffer([{ path: 'a.txt', body: 'hello' }, { path: 'empty-disk.img', body: Buffer.alloc(MIB) }]), Buffer.alloc(8 * MIB)]);
      fs.writeFileSync(path.join(sb.dir, 'padded.tar.gz'), zlib.gzipSync(tar, { level: 9 }));
      const started = performance.now();
      const listed = await sb.run(tool, { operation: 'list', path: 'padded.tar.gz' });
      expect((listed.result as { entries: Array<{ name: string; size: number }> }).entries.map((e) => [e.name, e.size])).toEqual([['a.txt', 5], ['empty-disk.img', MIB]]);
      await sb.run(tool, { operation: 'extract', path: 'padded.tar.gz', target_path: 'out' }, { settings: { max_compression_ratio: 100_000 } });
      expect(performance.now() - started).toBeLessThan(2000);
      expect(fs.readFileSync(path.join(sb.dir, 'out/a.txt'), 'utf8')).toBe('hello');
      expect(fs.statSync(path.join(sb.dir, 'out/empty-disk.img')).size).toBe(MIB);
    });
  });

  it('reports a corrupt archive clearly', async () => {
    sb.file('junk.zip', 'not a zip at all');
    await expectCode(sb.run(tool, { operation: 'list', path: 'junk.zip' }), 'INVALID_ARGUMENT');
    sb.file('junk.tar.gz', 'not gzip');
    await expectCode(sb.run(tool, { operation: 'extract', path: 'junk.tar.gz' }), 'INVALID_ARGUMENT');
  });
});
