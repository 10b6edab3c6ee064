import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStateStore, createStateStore } from './index.js';
import Database from 'better-sqlite3';
import { makeReadOnly } from '@llmspell/core/testing';

const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'llmspell-sqlite-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('SqliteStateStore', () => {
  it('runs in WAL mode and keeps data across reopen', async () => {
    const path = join(tmp(), 'state.db');
    const store = new SqliteStateStore({ path });
    await store.put('k', 'v');
    expect(existsSync(`${path}-wal`)).toBe(true);
    await store.close();
    const again = (await createStateStore({ path })) as SqliteStateStore;
    await expect(again.get('k')).resolves.toBe('v');
    expect(again.persistent).toBe(true);
    await again.close();
  });

  // Modes mean nothing on Windows; they do for root, which reads anything but stat still reports them.
  (process.platform === 'win32' ? it.skip : it)('creates its directory and the database, -wal and -shm files owner-only', async () => {
    const parent = tmp();
    chmodSync(parent, 0o755);
    const dir = join(parent, 'data', 'llmspell');
    const path = join(dir, 'state.db');
    const store = new SqliteStateStore({ path });
    await store.put('k', 'v');
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect([mode(dir), mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual([0o700, 0o600, 0o600, 0o600]);
    // parents it made, and a directory that already existed, keep their modes
    expect(mode(join(parent, 'data')) & 0o077).not.toBe(0);
    expect(mode(parent)).toBe(0o755);
    await store.close();
  });

  it('leaves the mode of an existing directory alone', async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const store = new SqliteStateStore({ path: join(dir, 'state.db') });
    await store.close();
    expect(statSync(dir).mode & 0o777).toBe(0o755);
  });

  it('update is atomic between two connections to one file', async () => {
    const path = join(tmp(), 'state.db');
    const a = new SqliteStateStore({ path });
    const b = new SqliteStateStore({ path });
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      work.push(a.update('n', (c) => String(Number(c ?? 0) + 1)));
      work.push(b.update('n', (c) => String(Number(c ?? 0) + 1)));
    }
    await Promise.all(work);
    await expect(a.get('n')).resolves.toBe('400');
    await a.close();
    await b.close();
  });

  it('a read-only open reads but refuses writes with STATE_READ_ONLY', async () => {
    const path = join(tmp(), 'state.db');
    const rw = new SqliteStateStore({ path });
    await rw.put('k', 'v');
    await rw.close();
    const ro = new SqliteStateStore({ path, readonly: true });
    await expect(ro.get('k')).resolves.toBe('v');
    await expect(ro.put('k', 'x')).rejects.toMatchObject({ code: 'STATE_READ_ONLY' });
    await expect(ro.batch([{ type: 'delete', key: 'k' }])).rejects.toMatchObject({ code: 'STATE_READ_ONLY' });
    await ro.close();
    expect(() => new SqliteStateStore({ path: join(tmp(), 'absent.db'), readonly: true })).toThrow(/IO_ERROR: .*does not exist/);
  });

  it('a read-only database file gives STATE_READ_ONLY, not a crash', async () => {
    const path = join(tmp(), 'state.db');
    const rw = new SqliteStateStore({ path });
    await rw.put('k', 'v');
    await rw.close();
    const undo = makeReadOnly(path);
    try {
      expect(() => new SqliteStateStore({ path })).toThrow(/STATE_READ_ONLY: .*state database file is read-only/);
    } finally {
      undo();
    }
  });

  it('a read-only directory gives STATE_READ_ONLY', () => {
    const dir = join(tmp(), 'locked');
    mkdirSync(dir);
    const undo = makeReadOnly(dir);
    try {
      expect(() => new SqliteStateStore({ path: join(dir, 'state.db') })).toThrow(/STATE_READ_ONLY: .*not writable/);
    } finally {
      undo();
    }
  });

  it('an impossible location gives IO_ERROR naming the path', () => {
    const file = join(tmp(), 'plain-file');
    writeFileSync(file, 'x');
    expect(() => new SqliteStateStore({ path: join(file, 'sub', 'state.db') })).toThrow(/IO_ERROR: .*plain-file/);
  });

  it('a file that is not a database gives a clear STATE_ERROR', () => {
    const path = join(tmp(), 'state.db');
    writeFileSync(path, 'this is not sqlite '.repeat(100));
    expect(() => new SqliteStateStore({ path })).toThrow(/STATE_ERROR: .*not a SQLite database/);
  });

  it('validates options', () => {
    expect(() => new SqliteStateStore({ path: '' })).toThrow(/options.path/);
    expect(() => new SqliteStateStore({ path: ':memory:', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => new SqliteStateStore({ path: ':memory:', synchronous: 'sometimes' as 'full' })).toThrow(/synchronous/);
  });
});

describe('SqliteStateStore batches', () => {
  it('large mixed batches (multi-row statements) end exactly as applying each operation in order', async () => {
    const store = new SqliteStateStore({ path: join(tmp(), 'state.db') });
    const model = new Map<string, string>();
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 5; round++) {
      // Runs of puts and deletes of varying length (below, at and above the statement size), keys repeating.
      const ops: Array<{ type: 'put'; key: string; value: string } | { type: 'delete'; key: string }> = [];
      while (ops.length < 3000) {
        const type = rand(3) === 0 ? 'delete' : 'put';
        const run = rand(5) === 0 ? 200 + rand(100) : 1 + rand(70);
        for (let i = 0; i < run; i++) {
          const key = `k${rand(400)}`;
          ops.push(type === 'put' ? { type, key, value: `v${round}-${ops.length}` } : { type, key });
        }
      }
      await store.batch(ops);
      for (const op of ops) {
        if (op.type === 'put') model.set(op.key, op.value);
        else model.delete(op.key);
      }
      expect(new Map(await store.entries(''))).toEqual(model);
    }
    await store.close();
  });

  it('a large batch that fails part-way applies nothing', async () => {
    const store = new SqliteStateStore({ path: join(tmp(), 'state.db') });
    await store.put('keep', 'old');
    const ops = Array.from({ length: 500 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: 'v' }));
    (ops[450] as { value: unknown }).value = 5;
    await expect(store.batch([{ type: 'put', key: 'keep', value: 'new' }, ...ops])).rejects.toThrow(/operations\[451\]/);
    expect(await store.entries('')).toEqual([['keep', 'old']]);
    await store.close();
  });
});

describe('SqliteStateStore table layout', () => {
  const tableSql = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'llmspell_state'").pluck().get() as string;
    } finally {
      db.close();
    }
  };

  it('creates a rowid table: the key index holds keys, not values', async () => {
    const path = join(tmp(), 'state.db');
    const store = new SqliteStateStore({ path });
    await store.close();
    expect(tableSql(path)).not.toMatch(/WITHOUT\s+ROWID/i);
  });

  it('rebuilds a WITHOUT ROWID table of an earlier version, keeping every key and value', async () => {
    const path = join(tmp(), 'state.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE llmspell_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID');
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ i, text: `span ${i}` })));
    const insert = old.prepare('INSERT INTO llmspell_state (key, value) VALUES (?, ?)');
    insert.run('__llmspell:runs:t:a', big);
    for (let i = 0; i < 50; i++) insert.run(`state:global:k${String(i).padStart(2, '0')}`, String(i));
    // a connection of an older process, its statement prepared against the old table
    const read = old.prepare('SELECT value FROM llmspell_state WHERE key = ?').pluck();

    const store = new SqliteStateStore({ path });
    expect(tableSql(path)).not.toMatch(/WITHOUT\s+ROWID/i);
    await expect(store.get('__llmspell:runs:t:a')).resolves.toBe(big);
    await expect(store.keys('state:global:')).resolves.toEqual(Array.from({ length: 50 }, (_, i) => `state:global:k${String(i).padStart(2, '0')}`));
    await store.put('state:global:k07', '"seven"');
    // the older connection goes on working against the rebuilt table
    expect(read.get('state:global:k07')).toBe('"seven"');
    expect(read.get('__llmspell:runs:t:a')).toBe(big);
    old.close();
    await store.close();

    // reopening finds the new layout and does not rebuild again
    const again = new SqliteStateStore({ path });
    await expect(again.get('state:global:k49')).resolves.toBe('49');
    await again.close();
  });

  it('a read-only open of an old file reads it as it is', async () => {
    const path = join(tmp(), 'state.db');
    const old = new Database(path);
    old.exec("CREATE TABLE llmspell_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID; INSERT INTO llmspell_state VALUES ('k', 'v')");
    old.close();
    const ro = new SqliteStateStore({ path, readonly: true });
    await expect(ro.get('k')).resolves.toBe('v');
    await ro.close();
    expect(tableSql(path)).toMatch(/WITHOUT\s+ROWID/i);
  });
});
