import fs from 'node:fs';
import path from 'node:path';
import { cli, scratch, write } from './helpers.js';

describe('llmspell state and backup', () => {
  test('scripts and the CLI share persistent state; backups restore it exactly and refuse tampering', async () => {
    const dir = scratch();
    const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1' };
    write(dir, 'save.lua', 'State.save("global", "greeting", "hello")\nState.save("custom:notes", "list", { 1, 2, 3 })\nreturn State.increment("global", "runs", 1)');
    expect((await cli(['run', 'save.lua'], { cwd: dir, env })).stdout).toBe('1\n');
    expect((await cli(['run', 'save.lua'], { cwd: dir, env })).stdout).toBe('2\n');
    expect(fs.existsSync(path.join(dir, '.data', 'llmspell'))).toBe(true);
    const scopes = JSON.parse((await cli(['state', 'scopes', '--output', 'json'], { cwd: dir, env })).stdout);
    expect(scopes).toEqual(expect.arrayContaining(['global', 'custom:notes']));
    expect((await cli(['state', 'get', 'global', 'greeting'], { cwd: dir, env })).stdout).toBe('hello\n');
    expect(JSON.parse((await cli(['state', 'get', 'custom:notes', 'list', '--output', 'json'], { cwd: dir, env })).stdout)).toEqual([1, 2, 3]);
    expect((await cli(['state', 'set', 'global', 'answer', '42'], { cwd: dir, env })).code).toBe(0);
    write(dir, 'read.js', 'export default await State.load("global", "answer") + 1;');
    expect((await cli(['run', 'read.js'], { cwd: dir, env })).stdout).toBe('43\n');

    const created = JSON.parse((await cli(['backup', 'create', '--output', 'json'], { cwd: dir, env })).stdout);
    expect(created).toMatchObject({ success: true, backup_type: 'full' });
    expect((await cli(['state', 'delete', 'global', 'greeting'], { cwd: dir, env })).code).toBe(0);
    expect((await cli(['state', 'set', 'global', 'extra', '"new"'], { cwd: dir, env })).code).toBe(0);
    const listed = JSON.parse((await cli(['backup', 'list', '--output', 'json'], { cwd: dir, env })).stdout);
    expect(listed.map((b: { id: string }) => b.id)).toContain(created.id);
    expect((await cli(['backup', 'validate', created.id], { cwd: dir, env })).stdout).toMatch(/^valid/);
    const restored = await cli(['backup', 'restore', created.id], { cwd: dir, env });
    expect(restored.code).toBe(0);
    expect((await cli(['state', 'get', 'global', 'greeting'], { cwd: dir, env })).stdout).toBe('hello\n');
    expect((await cli(['state', 'get', 'global', 'extra'], { cwd: dir, env })).code).toBe(1);

    // Tamper with the backup file: validation fails, restore is refused and live state is untouched.
    const file = created.path as string;
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const bad = await cli(['backup', 'validate', created.id], { cwd: dir, env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/INVALID/);
    const refused = await cli(['backup', 'restore', created.id], { cwd: dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BACKUP_INVALID');
    expect((await cli(['state', 'get', 'global', 'greeting'], { cwd: dir, env })).stdout).toBe('hello\n');
    expect((await cli(['state', 'get', 'global', 'nope'], { cwd: dir, env })).stderr).toContain("NOT_FOUND: no key 'nope' in scope 'global'");
  });

  test('restore keeps the backup it restores; create names what retention deleted; .meta files cannot steer deletion; descriptions are redacted', async () => {
    const dir = scratch();
    const secret = 'Zq8rT5vLm2Nw9XpK4sJd';
    const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1', OPENAI_API_KEY: secret };
    const project = path.join(dir, 'p');
    write(project, 'llmspell.toml', '[runtime.state_persistence]\nbackend_type = "sqlite"\n\n[runtime.state_persistence.backup]\nmax_backups = 2\n');
    const ids: string[] = [];
    for (const v of ['1', '2']) {
      expect((await cli(['state', 'set', 'global', 'v', v], { cwd: project, env })).code).toBe(0);
      ids.push(JSON.parse((await cli(['backup', 'create', '--output', 'json'], { cwd: project, env })).stdout).id);
    }
    const backupDir = path.join(project, '.llmspell', 'backups');
    expect(fs.existsSync(path.join(backupDir, `${ids[0]}.meta`))).toBe(true);

    const restored = await cli(['backup', 'restore', ids[0]], { cwd: project, env });
    expect(restored.code).toBe(0);
    expect(restored.stdout).not.toContain('retention deleted');
    expect((await cli(['backup', 'info', ids[0]], { cwd: project, env })).code).toBe(0);
    expect((await cli(['state', 'get', 'global', 'v'], { cwd: project, env })).stdout).toBe('1\n');

    // A planted .meta naming a file outside the directory is not a backup: nothing of it is deleted.
    fs.writeFileSync(path.join(dir, 'victim.backup'), 'precious');
    fs.writeFileSync(path.join(backupDir, 'backup_1000000000_0000000000000000.meta'), JSON.stringify({
      id: '../../../victim', created_at: '2001-09-09T01:46:40.000Z', sequence: 0, backup_type: 'incremental', parent_id: null, important: false,
    }));
    const created = await cli(['backup', 'create', '--description', `nightly ${secret}`], { cwd: project, env });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`retention deleted 2 old backup\\(s\\): .*${ids[0]}`));
    expect(fs.existsSync(path.join(dir, 'victim.backup'))).toBe(true);
    const newest = /backup (backup_\w+):/.exec(created.stdout)?.[1] as string;
    const meta = fs.readFileSync(path.join(backupDir, `${newest}.meta`), 'utf8');
    expect(meta).not.toContain(secret);
    expect(JSON.parse(meta).description).toBe('nightly [REDACTED]');
  });
});
