import fs from 'node:fs';
import path from 'node:path';
import { cli, write } from '../helpers.js';

/**
 * Hostile scripts against the file policy, run through the built CLI as a user would, with the
 * default policy and the named switches. Each attack must end in a refusal with its code (or
 * harmlessly), the process must exit on its own (not by a signal), and nothing outside the
 * allowed roots may be created, changed or read — checked on the file system.
 *
 * The default roots are the working directory and the system temp directory, so the scripts
 * run in a directory under /var/tmp with the "outside" beside it.
 */

const SECRET = 'OUTSIDE-SECRET-91c2';
const KEY = 'sk-hostile-CONFIGKEY-4d5e6f7a8b9c';
const TIMER = { timeoutMs: 180_000 };

interface Box {
  base: string;
  root: string;
  outside: string;
  /** Everything under `outside`: path → content (links as "-> target"). */
  snapshot(): Record<string, string>;
}

const boxes: string[] = [];
function box(): Box {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(fs.existsSync('/var/tmp') ? '/var/tmp' : process.cwd(), 'llmspell-hostile-')));
  boxes.push(base);
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  const snapshot = () => {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        const rel = path.relative(outside, full);
        if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(full)}`;
        else if (e.isDirectory()) walk(full);
        else out[rel] = fs.readFileSync(full, 'utf8');
      }
    };
    walk(outside);
    return out;
  };
  return { base, root, outside, snapshot };
}
afterAll(() => {
  for (const b of boxes) fs.rmSync(b, { recursive: true, force: true });
});

/** A ustar header block for a symlink entry (what a downloaded archive may hold). */
function symlinkTarHeader(name: string, linkpath: string): Buffer {
  const block = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => block.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
  put(name, 0, 100);
  put('0000777\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put('00000000000\0', 124, 12);
  put(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 12);
  put('        ', 148, 8);
  put('2', 156, 1);
  put(linkpath, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

/** The script's returned value (the CLI prints it as the last line). */
function result(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** Lua prelude: `try(tool, params)` returns "ok" or the refusal's code. */
const TRY_LUA = `
local function try(tool, params)
  local ok, err = pcall(function() return Tool.invoke(tool, params) end)
  if ok then return "ok", err end
  local code = tostring(type(err) == "table" and (err.code or err.message) or err):match("([A-Z][A-Z_]+[A-Z]):")
  return code or tostring(err)
end
`;

/** JS prelude: `attempt(tool, params)` resolves to "ok" or the refusal's code. */
const TRY_JS = `
const attempt = (tool, params) => Tool.invoke(tool, params).then(() => 'ok', (e) => e.code ?? String(e));
`;

/** Keeps swapping `victim` (a directory or file in the root) for a link to the outside until stopped. */
function swapper(victim: string, linkTo: string): { stop(): Promise<number> } {
  let running = true;
  let swaps = 0;
  const done = (async () => {
    const parked = `${victim}.parked`;
    while (running) {
      try {
        fs.renameSync(victim, parked);
        fs.symlinkSync(linkTo, victim);
        await new Promise((r) => setImmediate(r));
        fs.unlinkSync(victim);
        fs.renameSync(parked, victim);
        swaps += 1;
      } catch {
        // the script moved things meanwhile; try again
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return swaps;
    },
  };
}

describe('hostile scripts against the file policy (default policy)', () => {
  test('appends racing a directory swapped for an escaping link write nothing outside', async () => {
    const b = box();
    fs.mkdirSync(path.join(b.root, 'd'));
    write(b.root, 'race.js', `${TRY_JS}
const codes = {};
for (let i = 0; i < 150; i++) {
  const c = await attempt('file_operations', { operation: 'append', path: 'd/log.txt', input: 'line ' + i + '\\n' });
  codes[c] = (codes[c] ?? 0) + 1;
}
// In-script variant: move the directory away and a planted escaping link into its place, while appending.
const moves = await Promise.all([
  attempt('file_operations', { operation: 'append', path: 'd/log.txt', input: 'x' }),
  attempt('file_operations', { operation: 'move', source_path: 'd', target_path: 'd-moved' }),
  attempt('file_operations', { operation: 'move', source_path: 'planted', target_path: 'd' }),
]);
export default { codes, moves };
`);
    fs.symlinkSync(b.outside, path.join(b.root, 'planted'));
    const before = b.snapshot();
    const swap = swapper(path.join(b.root, 'd'), b.outside);
    const run = await cli(['run', 'race.js'], { cwd: b.root, ...TIMER });
    await swap.stop();
    expect(run.code).not.toBeNull();
    expect(b.snapshot()).toEqual(before);
    const r = result(run.stdout) as { codes: Record<string, number>; moves: string[] };
    // INVALID_ARGUMENT: the swapped-in link met where a directory was opened (O_NOFOLLOW).
    for (const code of Object.keys(r.codes)) expect(code).toMatch(/^(ok|PATH_NOT_ALLOWED|NOT_FOUND|INVALID_ARGUMENT)$/);
    // The planted link points outside: moving it anywhere is refused. NOT_FOUND is the race
    // where the target directory `d` was away at that moment (parked by the swapper, or moved
    // by the script's other move): then nothing moved, and the snapshot above holds either way.
    expect(r.moves[2]).toMatch(/^(PATH_NOT_ALLOWED|NOT_FOUND)$/);
  });

  test('archive_handler create racing swaps of its inputs never archives an outside file', async () => {
    const b = box();
    write(b.root, 'files/in.txt', 'inside data');
    write(b.root, 'files/sub/more.txt', 'more');
    write(b.root, 'pack.lua', `${TRY_LUA}
local codes = {}
for i = 1, 40 do
  local c = try("archive_handler", { operation = "create", path = "out" .. i .. ".tar", input = { "files" } })
  codes[c] = (codes[c] or 0) + 1
  try("archive_handler", { operation = "create", path = "out" .. i .. ".zip", input = { "files" } })
end
return { codes = codes }
`);
    const before = b.snapshot();
    const swapFile = swapper(path.join(b.root, 'files/in.txt'), path.join(b.outside, 'secret.txt'));
    const swapDir = swapper(path.join(b.root, 'files/sub'), b.outside);
    const run = await cli(['run', 'pack.lua'], { cwd: b.root, ...TIMER });
    await Promise.all([swapFile.stop(), swapDir.stop()]);
    expect(run.code).toBe(0);
    expect(b.snapshot()).toEqual(before);
    for (const name of fs.readdirSync(b.root).filter((n) => /^out\d+\.(tar|zip)$/.test(n))) {
      expect(fs.readFileSync(path.join(b.root, name)).includes(Buffer.from(SECRET))).toBe(false);
    }
  });

  test('archive_handler create while an input changes size: coded errors, the process lives', async () => {
    const b = box();
    write(b.root, 'grow/a.bin', 'a'.repeat(512 * 1024));
    write(b.root, 'grow/b.bin', 'b'.repeat(64 * 1024));
    write(b.root, 'grow.lua', `${TRY_LUA}
local codes = {}
for i = 1, 30 do
  for _, ext in ipairs({ "zip", "tar.gz" }) do
    local c = try("archive_handler", { operation = "create", path = "g." .. ext, input = { "grow" } })
    codes[c] = (codes[c] or 0) + 1
  end
end
return { codes = codes }
`);
    let running = true;
    const churn = (async () => {
      for (let i = 0; running; i += 1) {
        // Grows and shrinks, staying small: the point is a size that changes, not a big file.
        if (i % 50 === 0) fs.truncateSync(path.join(b.root, 'grow/b.bin'), 64 * 1024);
        else fs.appendFileSync(path.join(b.root, 'grow/b.bin'), 'x'.repeat(1024));
        if (i % 5 === 0) fs.truncateSync(path.join(b.root, 'grow/a.bin'), (i * 997) % (512 * 1024));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const run = await cli(['run', 'grow.lua'], { cwd: b.root, ...TIMER });
    running = false;
    await churn;
    expect(run.code).toBe(0);
    const codes = result(run.stdout).codes as Record<string, number>;
    for (const code of Object.keys(codes)) expect(code).toMatch(/^(ok|IO_ERROR)$/);
  });

  test('an in-bounds relative link from an archive cannot be moved shallower to read outside', async () => {
    const b = box();
    const deep = 'a/b/c/d/e/f/g/h';
    // Eight levels up from the link is the root itself; from one level below the root it is "/".
    const target = `../../../../../../../..${path.join(b.outside, 'secret.txt')}`;
    write(b.root, `x${path.join(b.outside, 'secret.txt')}`, 'inside copy');
    fs.writeFileSync(path.join(b.root, 'links.tar'), Buffer.concat([symlinkTarHeader(`${deep}/s`, target), Buffer.alloc(1024)]));
    write(b.root, 'links.lua', `${TRY_LUA}
local out = {}
out.extract = try("archive_handler", { operation = "extract", path = "links.tar", target_path = "x" })
local ok, r = try("file_operations", { operation = "read", path = "x/${deep}/s" })
out.read_in_place = ok
out.move_up = try("file_operations", { operation = "move", source_path = "x/${deep}/s", target_path = "s" })
out.move_dir_up = try("file_operations", { operation = "move", source_path = "x/${deep}", target_path = "h" })
out.move_into = try("file_operations", { operation = "move", source_path = "x/${deep}/s", target_path = "x" })
out.read_top = try("file_operations", { operation = "read", path = "s" })
out.copy = try("file_operations", { operation = "copy", source_path = "x/${deep}", target_path = "copied", recursive = true })
local _, listed = try("file_operations", { operation = "list_dir", path = "copied" })
out.copied_entries = listed and #listed.result or -1
return out
`);
    const before = b.snapshot();
    const run = await cli(['run', 'links.lua'], { cwd: b.root, ...TIMER });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(SECRET);
    expect(result(run.stdout)).toEqual({
      extract: 'ok', read_in_place: 'ok', move_up: 'PATH_NOT_ALLOWED', move_dir_up: 'PATH_NOT_ALLOWED', move_into: 'PATH_NOT_ALLOWED',
      read_top: 'NOT_FOUND', copy: 'ok', copied_entries: 0,
    });
    expect(fs.existsSync(path.join(b.root, 's'))).toBe(false);
    expect(b.snapshot()).toEqual(before);
  });

  test('config files and .env files are not readable, writable, copyable or archivable by tools', async () => {
    const b = box();
    write(b.root, 'llmspell.toml', `[providers.providers.openai]\nprovider_type = "openai"\napi_key = "${KEY}"\n`);
    write(b.root, '.env', `OPENAI_API_KEY=${KEY}\n`);
    write(b.root, 'conf/.env.local', `TOKEN=${KEY}\n`);
    fs.symlinkSync('llmspell.toml', path.join(b.root, 'cfg-link'));
    fs.linkSync(path.join(b.root, 'llmspell.toml'), path.join(b.root, 'cfg-hard'));
    write(b.root, 'steal.lua', `${TRY_LUA}
local out = {}
for _, f in ipairs({ "llmspell.toml", ".env", "conf/.env.local", "cfg-link", "cfg-hard", "./conf/../llmspell.toml" }) do
  out["b64 " .. f] = try("base64_encoder", { operation = "encode", input_file = f })
  out["read " .. f] = try("file_operations", { operation = "read", path = f })
  out["hash " .. f] = try("hash_calculator", { input_type = "file", file = f })
  out["diff " .. f] = try("diff_calculator", { old_file = f, new_text = "" })
end
out.copy = try("file_operations", { operation = "copy", source_path = "llmspell.toml", target_path = "copy.toml" })
out.move = try("file_operations", { operation = "move", source_path = "llmspell.toml", target_path = "moved.toml" })
out.overwrite = try("file_operations", { operation = "write", path = "llmspell.toml", input = "[runtime.security]\\nallow_process_spawn = true\\n" })
out.plant_home_config = try("file_operations", { operation = "write", path = ".llmspell.toml", input = "[runtime.security]\\nallow_process_spawn = true\\n" })
out.write_env = try("file_operations", { operation = "write", path = ".env.production", input = "X=1" })
out.convert = try("file_converter", { operation = "line_endings", path = "llmspell.toml", target_path = "c.txt", line_ending = "crlf" })
local _, found = try("file_search", { pattern = "CONFIG" .. "KEY", path = ".", recursive = true })
out.search_matches = found and found.result.total_matches or -1
out.archive = try("archive_handler", { operation = "create", path = "all.zip", input = { "." } })
out.archive_env = try("archive_handler", { operation = "create", path = "env.zip", input = { ".env" } })
return out
`);
    const run = await cli(['run', 'steal.lua'], { cwd: b.root, ...TIMER });
    expect(run.code).toBe(0);
    const r = result(run.stdout);
    for (const [k, v] of Object.entries(r)) {
      if (k === 'search_matches') expect(v).toBe(0);
      else if (k === 'archive') expect(v).toBe('ok');
      else expect([k, v]).toEqual([k, 'PATH_NOT_ALLOWED']);
    }
    // No encoding of the key left the files it was in.
    const b64 = Buffer.from(KEY).toString('base64').slice(0, 24);
    expect(run.stdout + run.stderr).not.toContain(KEY);
    expect(run.stdout + run.stderr).not.toContain(b64);
    expect(fs.readFileSync(path.join(b.root, 'all.zip')).includes(Buffer.from('CONFIGKEY'))).toBe(false);
    expect(fs.readFileSync(path.join(b.root, 'llmspell.toml'), 'utf8')).toContain(KEY);
    for (const f of ['copy.toml', 'moved.toml', '.llmspell.toml', '.env.production', 'c.txt', 'env.zip']) expect(fs.existsSync(path.join(b.root, f))).toBe(false);
  });

  test('database_connector with allow_ddl cannot ATTACH or VACUUM INTO a file outside', async () => {
    const b = box();
    write(b.root, 'llmspell.toml', `[tools.database_connector.databases.main]\ntype = "sqlite"\npath = "data.db"\nallow_write = true\nallow_ddl = true\n`);
    const outsideDb = path.join(b.outside, 'stolen.db');
    write(b.root, 'db.lua', `${TRY_LUA}
local out = {}
out.create = try("database_connector", { operation = "query", query = "CREATE TABLE t (x)" })
out.attach = try("database_connector", { operation = "query", query = "ATTACH DATABASE '${outsideDb}' AS o" })
out.attach_uri = try("database_connector", { operation = "query", query = "ATTACH 'file:${outsideDb}?mode=rwc' AS o" })
out.vacuum = try("database_connector", { operation = "query", query = "VACUUM INTO '${outsideDb}'" })
out.ext = try("database_connector", { operation = "query", query = "SELECT load_extension('${path.join(b.outside, 'x.so')}')" })
out.pragma = try("database_connector", { operation = "query", query = "PRAGMA temp_store_directory = '${b.outside}'" })
out.memory = try("database_connector", { operation = "query", query = "ATTACH ':memory:' AS m" })
return out
`);
    const before = b.snapshot();
    const run = await cli(['run', 'db.lua'], { cwd: b.root, ...TIMER });
    expect(run.code).toBe(0);
    expect(result(run.stdout)).toEqual({
      create: 'ok', attach: 'PATH_NOT_ALLOWED', attach_uri: 'PATH_NOT_ALLOWED', vacuum: 'PATH_NOT_ALLOWED', ext: 'PATH_NOT_ALLOWED', pragma: 'PATH_NOT_ALLOWED', memory: 'ok',
    });
    expect(b.snapshot()).toEqual(before);
  });
});

describe('hostile scripts against the file policy (named switches)', () => {
  test('allow_file_access = false switches off every tool parameter that touches a file', async () => {
    const b = box();
    write(b.root, 'llmspell.toml', `[runtime.security]\nallow_file_access = false\n\n[tools]\npackages = ["@llmspell/tools-media"]\n\n[tools.database_connector.databases.main]\ntype = "sqlite"\npath = "data.db"\nallow_write = true\n`);
    write(b.root, 'a.txt', 'plain text');
    write(b.root, 'files.lua', `${TRY_LUA}
local calls = {
  { "file_operations", { operation = "read", path = "a.txt" } },
  { "file_operations", { operation = "write", path = "w.txt", input = "x" } },
  { "file_operations", { operation = "list_dir", path = "." } },
  { "file_operations", { operation = "exists", path = "a.txt" } },
  { "file_operations", { operation = "create_dir", path = "newdir" } },
  { "archive_handler", { operation = "create", path = "a.zip", input = { "a.txt" } } },
  { "archive_handler", { operation = "list", path = "a.zip" } },
  { "file_converter", { operation = "line_endings", path = "a.txt", line_ending = "crlf" } },
  { "file_search", { pattern = "plain", path = "." } },
  { "file_watcher", { operation = "watch", path = ".", timeout_ms = 10 } },
  { "base64_encoder", { operation = "encode", input_file = "a.txt" } },
  { "base64_encoder", { operation = "encode", input = "hi", output_file = "o.b64" } },
  { "diff_calculator", { old_file = "a.txt", new_text = "x" } },
  { "hash_calculator", { input_type = "file", file = "a.txt" } },
  { "database_connector", { operation = "query", query = "SELECT 1" } },
  { "image_processor", { operation = "detect", file_path = "a.txt" } },
  { "audio_processor", { operation = "detect", file_path = "a.txt" } },
  { "video_processor", { operation = "detect", file_path = "a.txt" } },
}
local out = {}
for i, c in ipairs(calls) do out[i] = c[1] .. " " .. try(c[1], c[2]) end
-- Tools that touch no file still work.
out[#out + 1] = "base64_encoder text " .. try("base64_encoder", { operation = "encode", input = "hi" })
return { out = out }
`);
    // .data (XDG_DATA_HOME) and .llmspell (a project's state) are the CLI's own, not a tool's doing.
    const names = () => fs.readdirSync(b.root).filter((n) => n !== '.data' && n !== '.llmspell').sort();
    const listing = names();
    const run = await cli(['run', 'files.lua'], { cwd: b.root, ...TIMER });
    expect(run.code).toBe(0);
    const out = result(run.stdout).out as string[];
    expect(out.pop()).toBe('base64_encoder text ok');
    for (const line of out) expect(line).toMatch(/ PATH_NOT_ALLOWED$/);
    expect(out).toHaveLength(18);
    expect(names()).toEqual(listing);
    // The refusal names the switch.
    const one = await cli(['exec', 'Tool.invoke("file_operations", { operation = "read", path = "a.txt" })'], { cwd: b.root, ...TIMER });
    expect(one.stderr + one.stdout).toMatch(/allow_file_access = false/);
  });

  test('max_security_level = "safe" refuses the file parameters of safe tools, not their text use', async () => {
    const b = box();
    write(b.root, 'llmspell.toml', '[runtime.security]\nmax_security_level = "safe"\n');
    write(b.root, 'a.txt', 'plain text');
    write(b.root, 'safe.lua', `${TRY_LUA}
return {
  b64_in = try("base64_encoder", { operation = "encode", input_file = "a.txt" }),
  b64_out = try("base64_encoder", { operation = "encode", input = "hi", output_file = "o.b64" }),
  b64_text = try("base64_encoder", { operation = "encode", input = "hi" }),
  diff_old = try("diff_calculator", { old_file = "a.txt", new_text = "x" }),
  diff_new = try("diff_calculator", { old_text = "x", new_file = "a.txt" }),
  diff_text = try("diff_calculator", { old_text = "a", new_text = "b" }),
  url_fetch = try("url_analyzer", { input = "https://example.com/", fetch_metadata = true }),
  url_parse = try("url_analyzer", { input = "https://example.com/a?b=1" }),
  files = try("file_operations", { operation = "read", path = "a.txt" }),
}
`);
    const run = await cli(['run', 'safe.lua'], { cwd: b.root, ...TIMER });
    expect(run.code).toBe(0);
    expect(result(run.stdout)).toEqual({
      b64_in: 'SECURITY_LEVEL_NOT_ALLOWED', b64_out: 'SECURITY_LEVEL_NOT_ALLOWED', b64_text: 'ok',
      diff_old: 'SECURITY_LEVEL_NOT_ALLOWED', diff_new: 'SECURITY_LEVEL_NOT_ALLOWED', diff_text: 'ok',
      url_fetch: 'SECURITY_LEVEL_NOT_ALLOWED', url_parse: 'ok', files: 'SECURITY_LEVEL_NOT_ALLOWED',
    });
    expect(fs.existsSync(path.join(b.root, 'o.b64'))).toBe(false);
  });
});
