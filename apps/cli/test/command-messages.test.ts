import fs from 'node:fs';
import path from 'node:path';
import { cli, scratch, write } from './helpers.js';
import { startUi } from './telemetry-ui-server.js';

/** What small commands say when there is nothing to do, or the input is wrong. */
describe('command messages', () => {
  test('resume without an id points to commands that exist', async () => {
    const r = await cli(['resume']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('--list');
    expect(r.stderr).toContain('llmspell state list workflow:<name>');
  });

  test('config rejects an unknown subcommand as runs does', async () => {
    const r = await cli(['config', 'bogus']);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain("unknown config subcommand 'bogus' (show, path)");
    expect((await cli(['config', 'path'])).code).toBe(0);
  });

  test('init says when it wrote nothing, and a hint names a config that is not llmspell.toml', async () => {
    const dir = scratch();
    expect((await cli(['init'], { cwd: dir })).code).toBe(0);
    const again = await cli(['init'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing written');
    expect(again.stdout).not.toContain('created');
    const other = await cli(['init', '-o', 'x.toml'], { cwd: scratch() });
    expect(other.stdout).toContain('created x.toml');
    expect(other.stdout).toContain('Next: llmspell -c x.toml run main.lua');
    expect(other.stdout).not.toContain('nothing written');
  });

  test('types says an existing .luarc.json did not get the types folder, and what to add', async () => {
    const dir = scratch();
    write(dir, '.luarc.json', '{ "runtime.version": "Lua 5.4" }\n');
    const r = await cli(['types'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('add ".llmspell/types" to its "workspace.library"');
    expect(fs.readFileSync(path.join(dir, '.luarc.json'), 'utf8')).toBe('{ "runtime.version": "Lua 5.4" }\n');
    // one that lists it already gets no note
    write(dir, '.luarc.json', '{ "workspace.library": [".llmspell/types"] }\n');
    expect((await cli(['types'], { cwd: dir })).stderr).toBe('');
  });

  test('ui answers a run id that is not valid percent-encoding with 400, not 500', async () => {
    const dir = scratch();
    const ui = await startUi(dir, { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), NO_COLOR: '1' });
    try {
      const r = await fetch(new URL('/api/runs/%E0%A4%A', ui.url), { headers: ui.auth });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
    } finally {
      await ui.stop();
    }
  });
});
