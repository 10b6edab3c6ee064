import fs from 'node:fs';
import path from 'node:path';
import { Header } from 'tar';
import { archiveHandlerTool as tool } from '../src/index.js';
import { sandbox } from './helpers.js';
function tarBuffer(entries: any[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const type = e.type ?? 'File';
    const header = new Header({ path: e.path, mode: 0o644, size: type === 'File' ? body.length : 0, mtime: new Date(0), type, linkpath: e.linkpath });
    const block = Buffer.alloc(512); header.encode(block, 0); blocks.push(block);
    if (type === 'File' && body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
it('debug', async () => {
  const sb = sandbox();
  const cases: Record<string, any[]> = {
    dotdot: [{ path: '../evil.txt', body: 'x' }],
    nested: [{ path: 'a/../../evil.txt', body: 'x' }],
    absolute: [{ path: '/tmp/llmspell-evil.txt', body: 'x' }],
    symlink: [{ path: 'link', type: 'SymbolicLink', linkpath: '/etc' }, { path: 'link/passwd', body: 'x' }],
    relsymlink: [{ path: 'up', type: 'SymbolicLink', linkpath: '../../outside' }, { path: 'up/evil.txt', body: 'x' }],
    chain: [{ path: 'd', type: 'SymbolicLink', linkpath: '.' }, { path: 'm', type: 'SymbolicLink', linkpath: 'd/..' }],
    chainok: [{ path: 'd', type: 'SymbolicLink', linkpath: '.' }, { path: 'm', type: 'SymbolicLink', linkpath: 'd/x' }, { path: 'x', body: 'hi' }],
    hardlink: [{ path: 'h', type: 'Link', linkpath: '../../outside/x' }],
  };
  for (const [name, entries] of Object.entries(cases)) {
    fs.writeFileSync(path.join(sb.dir, `${name}.tar`), tarBuffer(entries));
    try { const r = await sb.run(tool, { operation: 'extract', path: `${name}.tar`, target_path: `t-${name}` }); console.log(name, 'OK', r.result); }
    catch (e) { console.log(name, (e as Error).message); }
  }
  sb.cleanup();
});
