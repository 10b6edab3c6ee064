/**
 * Hostile corpus, work inside tools (issue 12): script-supplied regexes with catastrophic
 * backtracking on every path that takes a pattern, deeply nested HTML for the web tools, jq
 * queries that build huge values or never end, a 50 MB CSV and a 20 MB error message, each
 * through the built CLI with the default policy. Every run must end by itself with the right
 * answer or a coded error and the expected exit code; the harness timer is only a backstop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '@llmspell/core/testing';
import { type CliRun, cli, scratch, write } from '../helpers.js';

/** Per-test timeout: the CSV test reads and parses 50 MB several times on a shared 2-core machine. */
const LONG = 300_000;

const EVIL = `${'a'.repeat(34)}!`;

function run(dir: string, args: string[], timeoutMs = 120_000): Promise<CliRun> {
  return cli(['run', ...args], { cwd: dir, timeoutMs });
}

/** The script's return value (the last stdout line, JSON). */
function returned(r: CliRun): any {
  const lines = r.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(`no JSON result (exit ${r.code})\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`);
  }
}

/** Lua: `try(f)` gives f's value, or the error code it raised. */
const LUA = `
local evil = string.rep("a", 34) .. "!"
local clean = string.rep("a", 34)
local function try(f)
  local ok, v = pcall(f)
  if ok then return v end
  local s = tostring(v)
  return s:match("(%u[%u_]+): ") or s
end
local function tool(name, params) return Tool.invoke(name, params).result end
`;

describe('script-supplied regexes run in linear time on every path', () => {
  test('each tool that takes a pattern answers ^(a+)+$ on 34 a and ! correctly (Lua)', async () => {
    const dir = scratch();
    write(dir, 'evil.txt', `${EVIL}\n${'a'.repeat(34)}\nplain\n`);
    write(dir, 'r.lua', `${LUA}
local csv = "name\\n" .. evil .. "\\n" .. clean .. "\\n"
return {
  text_replace = try(function() return tool("text_manipulator", { input = evil, operation = "replace", options = { pattern = "^(a+)+$", replacement = "X", regex = true } }) end),
  text_replace_hit = try(function() return tool("text_manipulator", { input = clean, operation = "replace", options = { pattern = "^(a+)+$", replacement = "X", regex = true } }) end),
  validation_rule = try(function() return tool("data_validation", { input = evil, rules = { rules = { { type = "pattern", regex = "^(a+)+$" } } } }).valid end),
  validation_schema = try(function() return tool("data_validation", { input = { id = evil }, schema = { properties = { id = { type = "string", pattern = "^(a+)+$" } } } }).valid end),
  csv_filter = try(function() return tool("csv_analyzer", { operation = "filter", input = csv, options = { conditions = { { column = "name", operator = "regex", value = "^(a+)+$" } }, output = "rows" } }).row_count end),
  csv_validate = try(function() return tool("csv_analyzer", { operation = "validate", input = csv, options = { rules = { name = { pattern = "^(a+)+$" } } } }).error_count end),
  jq_test = try(function() return tool("json_processor", { input = evil, query = 'test("^(a+)+$")' }) end),
  jq_match = try(function() return tool("json_processor", { input = evil, query = '[match("(a|aa)+$")] | length' }) end),
  jq_capture = try(function() return tool("json_processor", { input = evil, query = 'capture("(?<run>(a+)+)!").run | length' }) end),
  jq_sub = try(function() return tool("json_processor", { input = evil, query = 'sub("^(a+)+$"; "x")' }) end),
  jq_gsub = try(function() return tool("json_processor", { input = evil, query = 'gsub("(a+)+b"; "x")' }) end),
  jq_split = try(function() return tool("json_processor", { input = evil, query = 'split("(a+)+!"; null) | length' }) end),
  jq_splits = try(function() return tool("json_processor", { input = evil, query = '[splits("(a|aa)+$")] | length' }) end),
  jq_scan = try(function() return tool("json_processor", { input = evil, query = '[scan("(a+)+!")] | length' }) end),
  json_schema = try(function() return tool("json_processor", { operation = "validate", input = { s = evil, [string.rep("x", 40) .. "y"] = "text" },
    schema = { type = "object", properties = { s = { type = "string", pattern = "^(a+)+$" } }, patternProperties = { ["^(x+x+)+y$"] = { type = "number" } } } }).valid end),
  file_search = try(function() return tool("file_search", { pattern = "^(a+)+$", path = "evil.txt", use_regex = true }).total_matches end),
  env_filter = try(function() return tool("environment_reader", { operation = "list", filter = "^(A+)+!$" }).count end),
  template = try(function() return tool("template_engine", { input = '{% if s is matching("^(a+)+$") %}y{% else %}n{% endif %}', context = { s = evil }, engine = "tera" }).rendered end),
  backreference = try(function() return tool("text_manipulator", { input = "aa", operation = "replace", options = { pattern = "(a)\\\\1", replacement = "", regex = true } }) end),
  lookahead = try(function() return tool("json_processor", { input = "ab", query = 'test("a(?=b)")' }) end),
}
`);
    const r = await run(dir, ['r.lua']);
    expect(r.code).toBe(0);
    expect(returned(r)).toEqual({
      text_replace: EVIL,
      text_replace_hit: 'X',
      validation_rule: false,
      validation_schema: false,
      csv_filter: 1,
      csv_validate: 1,
      jq_test: false,
      jq_match: 0,
      jq_capture: 34,
      jq_sub: EVIL,
      jq_gsub: EVIL,
      jq_split: 2,
      jq_splits: 1,
      jq_scan: 1,
      json_schema: false,
      file_search: 1,
      env_filter: 0,
      template: 'n',
      backreference: 'INVALID_ARGUMENT',
      lookahead: 'INVALID_ARGUMENT',
    });
  }, LONG);

  test('the same from JavaScript, on a megabyte of input', async () => {
    const dir = scratch();
    write(dir, 'r.js', `
const big = 'a'.repeat(1_000_000) + '!';
const code = async (f) => { try { return await f(); } catch (e) { return e.code; } };
const replaced = await Tool.invoke('text_manipulator', { input: big, operation: 'replace', options: { pattern: '(a|aa)+$', replacement: '', regex: true } });
const tested = await Tool.invoke('json_processor', { input: big, query: 'test("^(a+)+$")' });
const named = await code(() => Tool.invoke('data_validation', { input: 'aa', rules: { rules: [{ type: 'pattern', regex: '(?<x>a)\\\\k<x>' }] } }));
print(JSON.stringify({ length: replaced.result.length, tested: tested.result, named }));
`);
    const r = await run(dir, ['r.js']);
    expect(r.code).toBe(0);
    expect(returned(r)).toEqual({ length: 1_000_001, tested: false, named: 'INVALID_ARGUMENT' });
  }, LONG);
});

describe('deeply nested HTML', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const nested = (levels: number, tag = 'div') => `<html><head><title>Deep</title></head><body>${`<${tag}>`.repeat(levels)}<p>deep text</p>${`</${tag}>`.repeat(levels)}</body></html>`;

  async function serve(html: string): Promise<string> {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(html);
    });
    return server.url;
  }

  test.each([
    ['300k nested <div>', 300_000, 'div', ''],
    ['1M nested <div> (11 MB: the response limit raised to 16 MiB)', 1_000_000, 'div', 'max_response_bytes = 16777216\n'],
  ])('web_scraper and webpage_monitor on %s', async (_name, levels, tag, extra) => {
    const url = await serve(nested(levels, tag));
    const dir = scratch();
    write(dir, 'llmspell.toml', `[runtime.security]\nallow_private_network = true\n${extra}`);
    write(dir, 'w.lua', `${LUA}
local s = Tool.invoke("web_scraper", { input = "${url}", selector = "p", selectors = { tags = { selector = "${tag} ${tag} ${tag}", first = true }, html = { selector = "p", html = true } } }).result
local m = Tool.invoke("webpage_monitor", { input = "${url}", selector = "${tag} > p", previous_content = "deep text\\nold line" }).result
local nth = try(function() return tool("web_scraper", { input = "${url}", selector = "${tag}:nth-child(2n) ${tag}:nth-last-child(3)" }) end)
return { title = s.title, text = s.text, selected = s.selected, inner = s.selectors.tags, html = s.selectors.html,
  content = m.content, removed = m.summary.removed, added = m.summary.added, nth = type(nth) == "table" and "result" or nth }
`);
    const r = await run(dir, ['w.lua']);
    expect(r.code).toBe(0);
    const out = returned(r);
    expect(out).toMatchObject({ title: 'Deep', text: 'deep text', selected: ['deep text'], html: ['<p>deep text</p>'], content: 'deep text', removed: 1, added: 0 });
    expect(typeof out.inner).toBe('string');
    // Either the selector finishes or its work budget stops it with a code.
    expect(['result', 'SIZE_LIMIT_EXCEEDED']).toContain(out.nth);
  }, LONG);

  test('a page over the response limit (10 MiB by default) is refused with a code: the size cap stays', async () => {
    const url = await serve(nested(1_000_000));
    const dir = scratch();
    write(dir, 'llmspell.toml', '[runtime.security]\nallow_private_network = true\n');
    write(dir, 'w.lua', `${LUA}\nreturn { scrape = try(function() return tool("web_scraper", { input = "${url}" }) end) }\n`);
    const r = await run(dir, ['w.lua']);
    expect(returned(r)).toEqual({ scrape: 'SIZE_LIMIT_EXCEEDED' });
  }, LONG);
});

describe('jq queries that build huge values or never end', () => {
  test('each ends with a coded error and the script goes on', async () => {
    const dir = scratch();
    write(dir, 'j.lua', `${LUA}
local function jq(query, input) return try(function() return tool("json_processor", { input = input or {}, query = query }) end) end
return {
  doubling = jq("reduce range(27) as $i ([0]; . + .) | length"),
  repeat_string = jq('"x" * 1e9'),
  collect_range = jq("[range(1e9)] | length"),
  endless_range = jq("range(1e12)"),
  endless_repeat = jq("last(repeat(1))"),
  endless_until = jq("until(false; .)"),
  limit_repeat = jq("[limit(1e9; repeat(1))] | length"),
  pad_index = jq("[] | .[1e9] = 1"),
  shared_tojson = jq("reduce range(60) as $i ([0]; [., .]) | tojson | length"),
  shared_output = jq("reduce range(60) as $i ([0]; [., .])"),
  shared_flatten = jq("reduce range(60) as $i ([0]; [., .]) | flatten | length"),
  shared_error = jq("reduce range(60) as $i ([0]; [., .]) | error(.)"),
  recursion = jq('def f: ("x" * 60000000) as $s | f; f'),
  fine = jq("reduce range(10) as $i ([0]; . + .) | length"),
  alive = "yes",
}
`);
    const r = await run(dir, ['j.lua']);
    expect(r.code).toBe(0);
    expect(returned(r)).toEqual({
      doubling: 'SIZE_LIMIT_EXCEEDED',
      repeat_string: 'SIZE_LIMIT_EXCEEDED',
      collect_range: 'SIZE_LIMIT_EXCEEDED',
      endless_range: 'SIZE_LIMIT_EXCEEDED',
      endless_repeat: 'SIZE_LIMIT_EXCEEDED',
      endless_until: 'SIZE_LIMIT_EXCEEDED',
      limit_repeat: 'SIZE_LIMIT_EXCEEDED',
      pad_index: 'SIZE_LIMIT_EXCEEDED',
      shared_tojson: 'SIZE_LIMIT_EXCEEDED',
      shared_output: 'SIZE_LIMIT_EXCEEDED',
      shared_flatten: 'SIZE_LIMIT_EXCEEDED',
      shared_error: 'INVALID_ARGUMENT',
      recursion: 'SIZE_LIMIT_EXCEEDED',
      fine: 1024,
      alive: 'yes',
    });
    expect(r.stdout.length).toBeLessThan(10_000);
  }, LONG);

  test('the doubling bomb left uncaught ends the run with its code and exit 1, not a signal', async () => {
    const dir = scratch();
    write(dir, 'j.lua', 'return Tool.invoke("json_processor", { input = {}, query = "reduce range(27) as $i ([0]; . + .) | length" }).result\n');
    const r = await run(dir, ['j.lua']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SIZE_LIMIT_EXCEEDED');
  }, LONG);
});

const CITIES = ['Paris', 'Berlin', 'Rome', 'Oslo'];

/** Writes a CSV of at least 50 MB: the header, then `line(n)` for n = 0, 1, …; its data bytes and rows. */
function writeCsv(file: string, header: string, line: (n: number) => string): { bytes: number; rows: number } {
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, `${header}\n`);
  let bytes = 0;
  let rows = 0;
  while (bytes < 50_000_000) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++, rows++) lines.push(line(rows));
    const chunk = `${lines.join('\n')}\n`;
    fs.writeSync(out, chunk);
    bytes += chunk.length;
  }
  fs.closeSync(out);
  return { bytes, rows };
}

describe('a 50 MB CSV', () => {
  test('every operation works in bounded memory; object rows past the limit are a coded error', async () => {
    const dir = scratch();
    const { bytes, rows } = writeCsv(path.join(dir, 'data.csv'), 'id,name,amount,city,active', (n) => `${n},user${n},${(n % 1000) / 10},${CITIES[n % 4]},${n % 3 === 0}`);
    write(dir, 'c.lua', `${LUA}
local csv = Tool.invoke("file_operations", { operation = "read", path = "data.csv" }).result
if type(csv) == "table" then csv = csv.content end
local a = tool("csv_analyzer", { operation = "analyze", input = csv })
local f = tool("csv_analyzer", { operation = "filter", input = csv, options = { filter = "city == Rome and amount > 99" } })
local v = tool("csv_analyzer", { operation = "validate", input = csv, options = { rules = { name = { pattern = "^user[0-9]+$" }, id = { type = "integer", unique = true }, city = { pattern = "^(a+)+$" } } } })
local c = tool("csv_analyzer", { operation = "convert", input = csv, options = { format = "jsonl" } })
local jsonl_lines, first_line = c.row_count, c.output:sub(1, c.output:find("\\n") - 1)
c = nil
collectgarbage()
local s = tool("csv_analyzer", { operation = "sample", input = csv, options = { size = 3, method = "last", output = "rows" } })
return {
  bytes = #csv,
  rows = a.row_count,
  id_max = a.columns[1].max,
  amount_mean = a.columns[3].mean,
  city_counts = a.columns[4].value_counts,
  filtered = select(2, f:gsub("\\n", "")) - 1,
  errors = v.error_count,
  listed = #v.errors,
  jsonl_lines = jsonl_lines,
  first_line = first_line,
  last_id = s.rows[3].id,
  json_objects = try(function() return tool("csv_analyzer", { operation = "convert", input = csv, options = { format = "json" } }) end),
}
`);
    // A script holding 50 MB of text (and a 70 MB JSON-lines conversion) needs more than the
    // default 64 MiB of script memory.
    const r = await run(dir, ['--max-memory', '512', 'c.lua'], 280_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = returned(r);
    expect(got.bytes).toBe(bytes + 'id,name,amount,city,active\n'.length);
    expect(got.rows).toBe(rows);
    expect(got.id_max).toBe(rows - 1);
    expect(got.city_counts).toEqual({ Paris: rows / 4, Berlin: rows / 4, Rome: rows / 4, Oslo: rows / 4 });
    const expectedFiltered = Array.from({ length: rows }, (_, i) => i).filter((i) => i % 4 === 2 && (i % 1000) / 10 > 99).length;
    expect(got.filtered).toBe(expectedFiltered);
    expect(got.errors).toBe(rows);
    expect(got.listed).toBe(1000);
    expect(got.jsonl_lines).toBe(rows);
    expect(JSON.parse(got.first_line)).toEqual({ id: 0, name: 'user0', amount: 0, city: 'Paris', active: true });
    expect(got.last_id).toBe(rows - 1);
    expect(got.json_objects).toBe('SIZE_LIMIT_EXCEEDED');
  }, LONG);
});

describe('a 50 MB CSV by path', () => {
  test('csv_analyzer reads the file in parts: the default 64 MiB of script memory is enough', async () => {
    const dir = scratch();
    const { rows } = writeCsv(path.join(dir, 'data.csv'), 'id,name,amount,city', (n) => `${n},"user ${n}, ""quoted""",${(n % 1000) / 10},${CITIES[n % 4]}`);
    write(dir, 'c.lua', `${LUA}
local a = tool("csv_analyzer", { operation = "analyze", path = "data.csv" })
local v = tool("csv_analyzer", { operation = "validate", path = "data.csv", options = { rules = { id = { type = "integer", unique = true } } } })
local s = tool("csv_analyzer", { operation = "sample", path = "data.csv", options = { size = 2, method = "last", output = "rows" } })
return { rows = a.row_count, city_counts = a.columns[4].value_counts, errors = v.error_count, last_name = s.rows[2].name,
  outside = try(function() return tool("csv_analyzer", { path = "/etc/passwd" }) end) }
`);
    const r = await run(dir, ['c.lua'], 280_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(returned(r)).toEqual({
      rows, city_counts: { Paris: rows / 4, Berlin: rows / 4, Rome: rows / 4, Oslo: rows / 4 }, errors: 0, last_name: `user ${rows - 1}, "quoted"`, outside: 'PATH_NOT_ALLOWED',
    });
  }, LONG);
});

describe('a 20 MB error message', () => {
  const MB20 = 20 * 1024 * 1024;

  test.each([
    ['Lua error()', 'e.lua', `error(string.rep("x", ${MB20}))`, true],
    ['JavaScript throw', 'e.js', `throw new Error('x'.repeat(${MB20}));`, true],
    ['jq error()', 'q.lua', `return Tool.invoke("json_processor", { input = string.rep("x", ${MB20}), query = "error(.)" }).result`, true],
    ['invalid JSON input', 'p.lua', `return Tool.invoke("json_processor", { operation = "parse", input = "{" .. string.rep("x", ${MB20}) }).result`, false],
  ])('%s prints a bounded message (a cut says how much)', async (_name, file, source, cut) => {
    const dir = scratch();
    write(dir, file, source);
    const r = await run(dir, [file]);
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThan(20_000);
    if (cut) {
      const n = Number(/\[(\d+) characters cut\]/.exec(r.stderr)?.[1]);
      expect(n).toBeGreaterThan(MB20 - 10_000);
      expect(n).toBeLessThan(MB20);
    } else expect(r.stderr).toMatch(/INVALID_ARGUMENT: .*parameter 'input': invalid JSON/);
  }, LONG);
});
