import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { archiveHandlerTool, fileOperationsTool } from './index.js';
import { createTarArchive } from './archive/tar.js';
import { createZip } from './archive/zip.js';
import type { SourceFile } from './archive/types.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

/** Lets `ticks` turns of the event loop pass, so a swap lands at a different step of a tool call each time. */
async function afterTicks(ticks: number): Promise<void> {
  for (let i = 0; i < ticks; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

const CODED = /^[A-Z_]+$/;

describe('check-then-use races', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = sandbox();
    fs.writeFileSync(path.join(sb.outside, 'secret.txt'), 'OUTSIDE-SECRET');
  });
  afterEach(() => sb.cleanup());

  it('an append racing a swap of its directory for an escaping link never writes outside', async () => {
    const outcomes = { ok: 0, refused: 0 };
    for (let i = 0; i < 120; i += 1) {
      const d = path.join(sb.dir, 'd');
      fs.rmSync(d, { recursive: true, force: true });
      fs.rmSync(path.join(sb.dir, 'd-old'), { recursive: true, force: true });
      fs.mkdirSync(d);
      const append = sb.run(fileOperationsTool, { operation: 'append', path: 'd/log.txt', input: `line ${i}\n` }).then(
        () => (outcomes.ok += 1),
        (error: { code?: string }) => {
          expect(error.code).toMatch(CODED);
          outcomes.refused += 1;
        },
      );
      // The swap the issue describes: the directory moves away and a link out takes its place.
      await afterTicks(i % 12);
      fs.renameSync(d, path.join(sb.dir, 'd-old'));
      fs.symlinkSync(sb.outside, d);
      await append;
      expect(fs.readdirSync(sb.outside)).toEqual(['secret.txt']);
      fs.unlinkSync(d);
    }
    expect(outcomes.ok + outcomes.refused).toBe(120);
    expect(fs.readFileSync(path.join(sb.outside, 'secret.txt'), 'utf8')).toBe('OUTSIDE-SECRET');
  });

  it('archive_handler create racing a swap of an input for a link to an outside file never archives it', async () => {
    for (let i = 0; i < 60; i += 1) {
      const files = path.join(sb.dir, 'files');
      fs.rmSync(files, { recursive: true, force: true });
      fs.rmSync(path.join(sb.dir, 'out.tar'), { force: true });
      sb.file('files/in.txt', 'inside data');
      sb.file('files/sub/other.txt', 'more');
      const create = sb.run(archiveHandlerTool, { operation: 'create', path: 'out.tar', input: ['files'] }).catch((error: { code?: string }) => {
        expect(error.code).toMatch(CODED);
      });
      await afterTicks(i % 15);
      // Swap a file, and the subdirectory, for links that lead outside.
      fs.rmSync(path.join(files, 'in.txt'));
      fs.symlinkSync(path.join(sb.outside, 'secret.txt'), path.join(files, 'in.txt'));
      fs.renameSync(path.join(files, 'sub'), path.join(sb.dir, `sub-${i}`));
      fs.symlinkSync(sb.outside, path.join(files, 'sub'));
      await create;
      if (fs.existsSync(path.join(sb.dir, 'out.tar'))) {
        expect(fs.readFileSync(path.join(sb.dir, 'out.tar')).includes(Buffer.from('OUTSIDE-SECRET'))).toBe(false);
      }
    }
  });

  it('archive_handler create while inputs change size ends in success or a coded error, never a crash', async () => {
    for (const format of ['zip', 'tar.gz']) {
      for (let i = 0; i < 30; i += 1) {
        sb.file('grow/a.bin', Buffer.alloc(256 * 1024, 1));
        sb.file('grow/b.bin', Buffer.alloc(64 * 1024, 2));
        const create = sb.run(archiveHandlerTool, { operation: 'create', path: `g.${format}`, input: ['grow'] }).then(
          () => 'ok',
          (error: { code?: string }) => error.code,
        );
        await afterTicks(i % 10);
        fs.appendFileSync(path.join(sb.dir, 'grow/b.bin'), Buffer.alloc(4096, 3));
        fs.truncateSync(path.join(sb.dir, 'grow/a.bin'), 10);
        const outcome = await create;
        expect(['ok', 'IO_ERROR']).toContain(outcome);
      }
    }
  });
});

describe('a file that changes size while it is archived', () => {
  let sb: Sandbox;
  beforeEach(() => (sb = sandbox()));
  afterEach(() => sb.cleanup());

  const source = (name: string, size: number): SourceFile => ({ real: path.join(sb.dir, name), anchor: 0, parts: [name], name, type: 'file', size, mtime: new Date(), mode: 0o644 });

  for (const [label, change] of [['grows', (f: string) => fs.appendFileSync(f, 'more')], ['shrinks', (f: string) => fs.truncateSync(f, 2)]] as const) {
    it(`fails the zip and the tar with IO_ERROR when the file ${label} before it is read`, async () => {
      sb.file('x.txt', 'abcdefgh');
      const open = async (f: SourceFile) => {
        change(f.real);
        return sb.policy.openFile(f.real, { mode: 'read' });
      };
      for (const write of [
        (out: fsp.FileHandle) => createZip([source('x.txt', 8)], out, open),
        (out: fsp.FileHandle) => createTarArchive([source('x.txt', 8)], out, true, open),
      ]) {
        fs.writeFileSync(path.join(sb.dir, 'x.txt'), 'abcdefgh');
        const out = await fsp.open(path.join(sb.dir, 'out.bin'), 'w');
        try {
          await expectCode(write(out), 'IO_ERROR');
        } finally {
          await out.close();
        }
      }
    });
  }

  it('writes a tar that tar tools read back, long names included', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    sb.file(long, 'long name');
    sb.file('short.txt', 'short');
    const r = await sb.run(archiveHandlerTool, { operation: 'create', path: 'n.tar.gz', input: [long.split('/')[0], 'short.txt'] });
    expect(r.result).toMatchObject({ files: 2 });
    expect(zlib.gunzipSync(fs.readFileSync(path.join(sb.dir, 'n.tar.gz'))).includes(Buffer.from('long name'))).toBe(true);
    await sb.run(archiveHandlerTool, { operation: 'extract', path: 'n.tar.gz', target_path: 'back' });
    expect(sb.read(`back/${long}`)).toBe('long name');
    expect(sb.read('back/short.txt')).toBe('short');
  });
});

describe('symlinks that move', () => {
  let sb: Sandbox;
  const deep = 'a/b/c/d/e/f/g/h';
  // In bounds where it is (eight levels up is the root), outside once moved higher.
  const target = '../../../../../../../../var/tmp/x';
  beforeEach(() => {
    sb = sandbox();
    sb.file('var/tmp/x', 'inside the root');
    fs.mkdirSync(path.join(sb.dir, deep), { recursive: true });
    fs.symlinkSync(target, path.join(sb.dir, deep, 's'));
  });
  afterEach(() => sb.cleanup());

  it('moving an in-bounds relative link to a shallower place is refused, and the link stays put', async () => {
    expect(sb.read(`${deep}/s`)).toBe('inside the root');
    const e = await expectCode(sb.run(fileOperationsTool, { operation: 'move', source_path: `${deep}/s`, target_path: 's' }), 'PATH_NOT_ALLOWED');
    expect(e.message).toMatch(/pointing outside/);
    expect(fs.readlinkSync(path.join(sb.dir, deep, 's'))).toBe(target);
    expect(fs.existsSync(path.join(sb.dir, 's'))).toBe(false);
    // Into an existing directory, and as part of a moved directory: the same.
    await expectCode(sb.run(fileOperationsTool, { operation: 'move', source_path: `${deep}/s`, target_path: 'a' }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(fileOperationsTool, { operation: 'move', source_path: deep, target_path: 'h2' }), 'PATH_NOT_ALLOWED');
    expect(fs.existsSync(path.join(sb.dir, deep, 's'))).toBe(true);
    expect(fs.existsSync(path.join(sb.dir, 'h2'))).toBe(false);
  });

  it('a move that keeps links inside goes through, and reads never leave the roots', async () => {
    fs.mkdirSync(path.join(sb.dir, 'z'));
    await sb.run(fileOperationsTool, { operation: 'move', source_path: 'a', target_path: 'z/a' });
    // One level deeper: the link now lands on z/var/tmp/x, which does not exist (still inside).
    expect(fs.readlinkSync(path.join(sb.dir, 'z', deep, 's'))).toBe(target);
    await expectCode(sb.run(fileOperationsTool, { operation: 'read', path: `z/${deep}/s` }), 'NOT_FOUND');
    // A link planted from outside the tools (not by a script) is still never read through.
    fs.symlinkSync('../../../../../../../../../../../etc/hostname', path.join(sb.dir, 'planted'));
    await expectCode(sb.run(fileOperationsTool, { operation: 'read', path: 'planted' }), 'PATH_NOT_ALLOWED');
  });

  it('an extracted archive holding that link cannot be used to read outside', async () => {
    // create never archives links; build the archive the issue describes by hand.
    const { Header } = await import('tar');
    const header = new Header({ path: `${deep}/s`, type: 'SymbolicLink', linkpath: target, mode: 0o777, size: 0, mtime: new Date() });
    header.encode();
    fs.writeFileSync(path.join(sb.dir, 'link.tar'), Buffer.concat([header.block!, Buffer.alloc(1024)]));
    await sb.run(archiveHandlerTool, { operation: 'extract', path: 'link.tar', target_path: 'x' });
    expect(fs.readlinkSync(path.join(sb.dir, 'x', deep, 's'))).toBe(target);
    await expectCode(sb.run(fileOperationsTool, { operation: 'move', source_path: `x/${deep}/s`, target_path: 'x/s' }), 'PATH_NOT_ALLOWED');
    // A copied directory holds no links at all: a copy is judged from nowhere.
    const copied = await sb.run(fileOperationsTool, { operation: 'copy', source_path: `x/${deep}`, target_path: 'x/h', recursive: true });
    expect(copied.result).toMatchObject({ skipped: ['s'] });
    expect(fs.existsSync(path.join(sb.dir, 'x/h/s'))).toBe(false);
  });
});
