import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, cli, scratch, write } from './helpers.js';

/**
 * State belongs to the project: with an `llmspell.toml` in the working directory or above,
 * the SQLite file is `<project>/.llmspell/state.db` (git-ignored by init), otherwise the
 * user data directory. File tools never reach the state store, even inside allowed roots.
 */
describe('project-local state', () => {
  test('two projects keep their state apart; a subfolder uses its project; outside any project, the data dir', async () => {
    const home = scratch();
    const env = { HOME: home, XDG_DATA_HOME: path.join(home, '.data') };
    for (const name of ['one', 'two']) {
      const init = await cli(['init', name], { cwd: home, env });
      expect(init.code).toBe(0);
      expect(fs.readFileSync(path.join(home, name, '.gitignore'), 'utf8')).toMatch(/^\.llmspell\/$/m);
    }
    const one = path.join(home, 'one');
    const two = path.join(home, 'two');
    expect((await cli(['run', 'main.lua'], { cwd: one, env })).stdout).toContain('This project has run 1 time(s).');
    expect((await cli(['run', 'main.lua'], { cwd: one, env })).stdout).toContain('This project has run 2 time(s).');
    // the starter's first run in another project is its first
    expect((await cli(['run', 'main.lua'], { cwd: two, env })).stdout).toContain('This project has run 1 time(s).');
    fs.mkdirSync(path.join(one, 'sub'));
    expect((await cli(['run', '../main.lua'], { cwd: path.join(one, 'sub'), env })).stdout).toContain('This project has run 3 time(s).');
    expect(fs.existsSync(path.join(one, '.llmspell', 'state.db'))).toBe(true);
    expect(fs.existsSync(path.join(home, '.data', 'llmspell', 'state.db'))).toBe(false);

    const info = JSON.parse((await cli(['info', '--output', 'json'], { cwd: path.join(one, 'sub'), env })).stdout);
    expect(info).toMatchObject({ state_backend: 'sqlite', state_file: path.join(one, '.llmspell', 'state.db'), project: one, config_file: path.join(one, 'llmspell.toml') });
    expect(info.state_reason).toContain(path.join(one, 'llmspell.toml'));
    const text = await cli(['info'], { cwd: home, env });
    expect(text.stdout).toContain(`state:   sqlite at ${path.join(home, '.data', 'llmspell', 'state.db')} (user data directory: no llmspell.toml in ${home} or above)`);

    // backups of a project live in the project too
    const backup = JSON.parse((await cli(['backup', 'create', '--output', 'json'], { cwd: one, env })).stdout);
    expect(backup.path.startsWith(path.join(one, '.llmspell', 'backups'))).toBe(true);

    // init again keeps a .gitignore that already ignores the folder as it is
    const again = await cli(['init', 'one', '--force'], { cwd: home, env });
    expect(again.code).toBe(0);
    expect(fs.readFileSync(path.join(one, '.gitignore'), 'utf8').match(/\.llmspell\//g)).toHaveLength(1);
  });

  test('file tools refuse the state database, its -wal and -shm files and the .llmspell folder', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[runtime.state_persistence]\nbackend_type = "sqlite"\n');
    write(dir, 'save.lua', 'State.save("global", "note", "kept")');
    expect((await cli(['run', 'save.lua'], { cwd: dir })).code).toBe(0);
    const attempts: Array<[string, string]> = [
      ['read', '.llmspell/state.db'],
      ['write', '.llmspell/state.db'],
      ['write', '.llmspell/state.db-wal'],
      ['read', '.llmspell/state.db-shm'],
      ['list', '.llmspell'],
      ['delete', '.llmspell/state.db'],
      ['read', 'sub/../.llmspell/./state.db'],
      ['write', '.llmspell/backups/planted.json'],
    ];
    write(dir, 'steal.lua', `local out = {}
for i, a in ipairs(${JSON.stringify(attempts).replace(/\[/g, '{').replace(/\]/g, '}')}) do
  local ok, err = pcall(Tool.invoke, "file_operations", { operation = a[1], path = a[2], input = "x" })
  out[i] = ok and "allowed" or tostring(err):match("^(%u[%u_]+)")
end
return out`);
    fs.mkdirSync(path.join(dir, 'sub'));
    const r = await cli(['run', 'steal.lua'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(attempts.map(() => 'PATH_NOT_ALLOWED'));
    // a symlink planted inside the allowed root does not lead there either
    fs.symlinkSync(path.join(dir, '.llmspell', 'state.db'), path.join(dir, 'innocent.db'));
    write(dir, 'link.lua', 'return select(2, pcall(Tool.invoke, "file_operations", { operation = "read", path = "innocent.db" }))');
    expect((await cli(['run', 'link.lua'], { cwd: dir })).stdout).toMatch(/^PATH_NOT_ALLOWED: .*state store/);
    // and the state is intact
    expect((await cli(['state', 'get', 'global', 'note'], { cwd: dir })).stdout).toBe('kept\n');
  });
});

describe('pnpm llmspell from a subfolder', () => {
  const pnpm = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  const havePnpm = pnpm.status === 0;

  (havePnpm ? test : test.skip)('relative paths resolve from the caller\'s directory (INIT_CWD)', () => {
    const repo = scratch();
    write(repo, 'package.json', JSON.stringify({ name: 'scratch-repo', private: true, scripts: { llmspell: `node ${JSON.stringify(bin)}`, other: `node ${JSON.stringify(bin)} run main.lua` } }));
    write(repo, 'main.lua', 'print("root main")');
    write(repo, 'sub/hello.lua', 'print("hello from sub")');
    const env = { PATH: process.env.PATH ?? '', HOME: repo, XDG_DATA_HOME: path.join(repo, '.data'), NO_COLOR: '1' };
    const sub = path.join(repo, 'sub');
    const r = spawnSync('pnpm', ['--silent', 'llmspell', 'run', 'hello.lua'], { cwd: sub, env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from sub\n');
    // a package script of another name keeps the package root (its own relative paths)
    const other = spawnSync('pnpm', ['--silent', 'other'], { cwd: sub, env, encoding: 'utf8' });
    expect(other.stdout).toBe('root main\n');
  });
});
