import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { makeReadOnly } from '@llmspell/core/testing';
import { cli, scratch, write } from './helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { prepare(sql: string): { run(...a: unknown[]): unknown }; close(): void };

function project(toml = '') {
  const dir = scratch();
  const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1' };
  const cwd = path.join(dir, 'p');
  write(cwd, 'llmspell.toml', toml);
  return { cwd, env, db: path.join(cwd, '.llmspell', 'state.db') };
}

describe('llmspell state at its edges', () => {
  test('state and backup create refuse a store that keeps nothing past the command', async () => {
    for (const toml of ['[runtime.state_persistence]\nbackend_type = "memory"\n', '[runtime.state_persistence]\nenabled = false\n']) {
      const { cwd, env } = project(toml);
      const set = await cli(['state', 'set', 'global', 'a', '1'], { cwd, env });
      expect(set.code).toBe(1);
      expect(set.stdout).toBe('');
      expect(set.stderr).toMatch(/^STATE_ERROR: `llmspell state set` needs a persistent state store, and (the state backend is 'memory'|state persistence is off)/);
      const backup = await cli(['backup', 'create'], { cwd, env });
      expect(backup.code).toBe(1);
      expect(backup.stderr).toContain('`llmspell backup create` needs a persistent state store');
      expect((await cli(['backup', 'list'], { cwd, env })).code).toBe(0);
    }
  });

  test('a read-only state folder: reads and scripts that only read work, writes fail with STATE_READ_ONLY', async () => {
    const { cwd, env, db } = project();
    expect((await cli(['state', 'set', 'global', 'a', '1'], { cwd, env })).code).toBe(0);
    const undo = makeReadOnly(path.dirname(db));
    try {
      const get = await cli(['state', 'get', 'global', 'a'], { cwd, env });
      expect(get).toMatchObject({ code: 0, stdout: '1\n' });
      expect(get.stderr).toContain('state is open read-only');
      const run = await cli(['exec', 'print(State.load("global", "a"))'], { cwd, env });
      expect(run).toMatchObject({ code: 0, stdout: '1\n' });
      // one warning, saying the run is not recorded
      expect(run.stderr.match(/warning/g)).toHaveLength(1);
      expect(run.stderr).toContain('this run cannot be recorded in the run history');
      expect((await cli(['runs', 'list'], { cwd, env })).code).toBe(0);
      const set = await cli(['state', 'set', 'global', 'b', '2'], { cwd, env });
      expect(set.code).toBe(1);
      expect(set.stderr).toContain(`STATE_READ_ONLY: cannot put: ${db} was opened read-only`);
    } finally {
      undo();
    }
    expect((await cli(['state', 'set', 'global', 'b', '2'], { cwd, env })).code).toBe(0);
  });

  test('State.update whose function writes its own key fails at once; a corrupt value names its key', async () => {
    const { cwd, env, db } = project();
    write(cwd, 'reenter.lua', 'State.save("global","c",0)\nlocal ok, err = pcall(State.update, "global", "c", function(v) State.increment("global","c",10); return v+1 end)\nprint(ok, err)');
    const run = await cli(['run', 'reenter.lua'], { cwd, env });
    expect(run.stdout).toMatch(/^false\tOPERATION_NOT_ALLOWED: .*state increment of 'c' in scope global refused: .*writing the key you are updating/);
    expect((await cli(['state', 'get', 'global', 'c'], { cwd, env })).stdout).toBe('0\n');

    const sqlite = new Database(db);
    sqlite.prepare("INSERT INTO llmspell_state VALUES ('state:global:bad', '{not json')").run();
    sqlite.close();
    const get = await cli(['state', 'get', 'global', 'bad'], { cwd, env });
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/^STATE_ERROR: stored value for global\/bad is not valid JSON/);
    expect((await cli(['state', 'delete', 'global', 'bad'], { cwd, env })).code).toBe(0);
  });

  test('backup usage counts temporary files of killed backups; cleanup removes the stale ones and names them', async () => {
    const { cwd, env } = project();
    expect((await cli(['state', 'set', 'global', 'a', '1'], { cwd, env })).code).toBe(0);
    const dir = path.join(cwd, '.llmspell', 'backups');
    const stale = write(dir, 'backup_1700000000_0123456789abcdef.backup.tmp', 'partial');
    const old = (Date.now() - 10 * 60_000) / 1000;
    fs.utimesSync(stale, old, old);
    expect((await cli(['backup', 'usage'], { cwd, env })).stdout).toContain('1 temporary file(s), 7 bytes');
    const cleanup = await cli(['backup', 'cleanup'], { cwd, env });
    expect(cleanup.stdout).toContain('removed 1 temporary file(s) left by interrupted backups: backup_1700000000_0123456789abcdef.backup.tmp');
    expect(fs.existsSync(stale)).toBe(false);
  });
});
