import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { isTool, outputJsonSchema, type Tool, type ToolExample } from '@llmspell/core';
import { json as sendJson, startServer, type TestServer } from '@llmspell/core/testing';
import * as commTools from '@llmspell/tools-comm';
import * as dataTools from '@llmspell/tools-data';
import * as fsTools from '@llmspell/tools-fs';
import * as mediaTools from '@llmspell/tools-media';
import * as searchTools from '@llmspell/tools-search';
import * as systemTools from '@llmspell/tools-system';
import * as utilTools from '@llmspell/tools-util';
import * as webTools from '@llmspell/tools-web';
import { jsExample, luaExample, luaLiteral, toolExamples } from '../src/commands/tools.js';
import { cli, repoRoot, scratch, write } from './helpers.js';

/**
 * Every example `llmspell tools show` prints is run, in JavaScript and in Lua, through the
 * built CLI, and what each JavaScript run returns must match the tool's declared output
 * schema exactly (no field it does not declare, none of the wrong type). Web examples name
 * real sites; their origins are served by one loopback server standing in for each of them.
 */

function collectTools(): Tool[] {
  const found = new Map<string, Tool>();
  const visit = (v: unknown) => {
    if (isTool(v)) found.set(v.name, v);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  for (const mod of [utilTools, fsTools, dataTools, webTools, systemTools, searchTools, commTools, mediaTools]) Object.values(mod).forEach(visit);
  return [...found.values()];
}

const TOOLS = collectTools();

/** Examples that need something a fresh install lacks, and how this test provides it (see CONFIG). */
const PROVIDED_NEEDS: Record<string, string> = {
  email_sender: 'a SendGrid imitation on the loopback server',
  database_connector: 'an SQLite file, notes.db, with a notes table',
};

/** The sites web examples name, all served by the loopback server under /<host>/. */
const SITES = ['example.com', 'httpbin.org', 'countries.trevorblades.com', 'www.sitemaps.org'];

/** The example's parameters with every site replaced by the loopback server standing in for it. */
function localise(value: unknown, server: TestServer): unknown {
  if (typeof value === 'string') {
    for (const host of SITES) {
      const url = new RegExp(`^https?://${host.replace(/\./g, '\\.')}(?=[/:?#]|$)`);
      if (url.test(value)) return value.replace(url, `${server.url}/${host}`);
      if (new RegExp(`^${host.replace(/\./g, '\\.')}:\\d+$`).test(value)) return `127.0.0.1:${server.port}`;
      if (value === host) return 'localhost';
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => localise(v, server));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localise(v, server)]));
  return value;
}

const PAGE = '<!doctype html><html><head><title>Example Domain</title><meta name="description" content="An example page"></head>'
  + '<body><h1>Example Domain</h1><p>This domain is for use in documentation examples.</p><p><a href="/more">Learn more</a></p>'
  + '<img src="/logo.png" alt="logo" width="10"></body></html>';

function siteServer(): Promise<TestServer> {
  const ddg = fs.readFileSync(path.join(repoRoot, 'packages/tools-search/src/__fixtures__/duckduckgo.html'), 'utf8');
  let server: TestServer;
  return startServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, site, ...rest] = url.pathname.split('/');
    const route = `${site} /${rest.join('/')}`;
    if (site === 'example.com') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(req.method === 'HEAD' ? undefined : PAGE);
    }
    if (route === 'httpbin.org /json') return sendJson(res, 200, { slideshow: { title: 'Sample Slide Show', slides: [{ title: 'Wake up' }] } });
    if (route === 'httpbin.org /get') return sendJson(res, 200, { url: req.url, headers: req.headers });
    if (route === 'httpbin.org /post') return sendJson(res, 200, { json: body ? JSON.parse(body) : null, headers: req.headers });
    if (route === 'countries.trevorblades.com /graphql') {
      const q = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
      if (q.query.includes('__schema')) return sendJson(res, 200, { data: { __schema: { queryType: { name: 'Query' }, types: [{ kind: 'OBJECT', name: 'Country' }] } } });
      return sendJson(res, 200, { data: { country: { name: 'Norway', capital: 'Oslo' } } });
    }
    if (route === 'www.sitemaps.org /sitemap.xml') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>${server.url}/www.sitemaps.org/</loc><lastmod>2024-05-01</lastmod><priority>1.0</priority></url>
<url><loc>${server.url}/www.sitemaps.org/faq.html</loc><changefreq>monthly</changefreq></url></urlset>`);
    }
    if (route === 'duckduckgo.com /html/' && req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(ddg);
    }
    if (route === 'sendgrid /v3/mail/send' && req.method === 'POST') {
      res.writeHead(202, { 'x-message-id': 'msg-123' });
      return res.end();
    }
    return sendJson(res, 404, { error: `no route ${route}` });
  }).then((s) => (server = s));
}

/** A short silent 16-bit stereo WAV, header written field by field. */
function silentWav(seconds: number, rate = 44100, channels = 2): Buffer {
  const data = Math.round(seconds * rate) * channels * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(data, 40);
  return b;
}

const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** The files the examples name, as a user trying them would have them. */
async function fixtures(dir: string, ffmpeg: string | undefined): Promise<void> {
  write(dir, 'README.md', '# Demo\n\n\tIndented with a tab.\nTODO: a real readme\n');
  write(dir, 'docs/guide.md', '# Guide\n\nStep one.\nTODO: step two\nFIXME: step three\n');
  write(dir, 'docs/faq.md', 'Nothing to do here.\n');
  fs.writeFileSync(path.join(dir, 'legacy.txt'), Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'));
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.writeFileSync(path.join(dir, 'tone.wav'), silentWav(0.25));
  fs.writeFileSync(path.join(dir, 'photo.png'), Buffer.from(PNG_1X1, 'base64'));
  if (ffmpeg) {
    await promisify(execFile)(ffmpeg, ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-pix_fmt', 'yuv420p', '-y', path.join(dir, 'clip.mp4')]);
  }
}

function config(server: TestServer): string {
  return `
[runtime.security]
allow_process_spawn = true
allow_private_network = true

[tools]
packages = ["@llmspell/tools-media"]

[tools.web_search]
fallback = false
base_urls = { duckduckgo = "${server.url}/duckduckgo.com" }

[tools.email_sender]
provider = "sendgrid"
sendgrid = { api_key = "SG.test-key-123456", base_url = "${server.url}/sendgrid" }

[tools.database_connector.databases.main]
type = "sqlite"
path = "notes.db"
allow_write = true
allow_ddl = true
`;
}

const SETUP = { tool: 'database_connector', params: { operation: 'query', database: 'main', query: 'CREATE TABLE IF NOT EXISTS notes (author TEXT, body TEXT)' } };

/** Examples that need ffmpeg; skipped, with a message, only where no ffmpeg binary is installed. */
const needsFfmpeg = (tool: Tool, e: ToolExample) => tool.name === 'video_processor' || /needs ffmpeg/.test(e.description);

/** The lines around the one a script error names, so a failure shows the example at fault. */
function around(file: string, stderr: string): string {
  const line = Number(new RegExp(`${path.basename(file)}:(\\d+)`).exec(stderr)?.[1]);
  if (!line) return stderr;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  return `${stderr}\n${lines.slice(Math.max(0, line - 4), line + 1).join('\n')}`;
}

interface Planned {
  key: string;
  tool: Tool;
  example: ToolExample;
  localised: ToolExample;
}

describe('every tool example runs as printed and returns its declared result', () => {
  let server: TestServer;
  let dir: string;
  let planned: Planned[];
  let ffmpegMissing = false;

  beforeAll(async () => {
    server = await siteServer();
    dir = scratch();
    const ffmpeg = await mediaTools.locateFfmpeg();
    ffmpegMissing = !ffmpeg;
    if (!ffmpeg) console.warn('tool-examples: no ffmpeg binary is installed (@ffmpeg-installer/ffmpeg); the examples that need it are skipped');
    await fixtures(dir, ffmpeg);
    write(dir, 'llmspell.toml', config(server));
    planned = TOOLS.flatMap((tool) => toolExamples(tool)
      .filter((example) => ffmpeg || !needsFfmpeg(tool, example))
      .map((example, i) => ({ key: `${tool.name}#${i}`, tool, example, localised: { ...example, params: localise(example.params, server) as Record<string, unknown> } })));
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the walk covers every tool the CLI lists; each declares an output schema and examples', async () => {
    const listed = JSON.parse((await cli(['tools', 'list', '--output', 'json'], { cwd: dir })).stdout) as Array<{ name: string }>;
    expect(listed.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    for (const tool of TOOLS) {
      expect([tool.name, tool.outputSchema !== undefined, tool.examples.length > 0]).toEqual([tool.name, true, true]);
      for (const e of tool.examples) if (e.needs) expect([tool.name, PROVIDED_NEEDS[tool.name] !== undefined]).toEqual([tool.name, true]);
    }
    const walked = new Set(planned.map((p) => p.tool.name));
    expect(TOOLS.filter((t) => !walked.has(t.name)).map((t) => t.name)).toEqual(ffmpegMissing ? ['video_processor'] : []);
  });

  test('tools show prints the result shape and the very examples walked here', async () => {
    const tool = TOOLS.find((t) => t.name === 'date_time_handler')!;
    const shown = await cli(['tools', 'show', 'date_time_handler'], { cwd: dir });
    expect([shown.code, shown.stderr]).toEqual([0, '']);
    expect(shown.stdout).toMatch(/\nResult \(r\.result\):\n {4}\/\/ parse, format\n {4}\| \{\n {8}input: string \| number\n/);
    const [first, ...more] = tool.examples;
    expect(shown.stdout).toContain(`\n  -- Lua\n${luaExample(tool, first).replace(/^/gm, '  ')}\n  // JavaScript\n${jsExample(tool, first).replace(/^/gm, '  ')}\n`);
    for (const e of more) expect(shown.stdout).toContain(`  -- ${e.description}\n  Tool.invoke("date_time_handler", ${luaLiteral(e.params)})\n`);
    // A Lua keyword as a key is quoted, or the printed example would not parse.
    expect(shown.stdout).toContain('["end"] = "2024-03-01T12:00:00Z"');

    const web = await cli(['tools', 'show', 'web_scraper', '--output', 'json'], { cwd: dir });
    const doc = JSON.parse(web.stdout) as { output_schema: unknown; examples: ToolExample[]; ignored_parameters: string[] };
    expect(doc.output_schema).toEqual(JSON.parse(JSON.stringify(outputJsonSchema(TOOLS.find((t) => t.name === 'web_scraper')!.outputSchema!))));
    expect(doc.examples[0].params).toEqual({ input: 'https://example.com/', selector: 'h1', extract_links: true });
    const csv = JSON.parse((await cli(['tools', 'show', 'csv_analyzer', '--output', 'json'], { cwd: dir })).stdout) as { ignored_parameters: string[] };
    expect(csv.ignored_parameters).toEqual(['headers']);
  });

  test('JavaScript: every example runs and its result validates against the output schema, field for field', async () => {
    const body = planned.map((p) => `results[${JSON.stringify(p.key)}] = await (async () => {
  try {
${jsExample(p.tool, p.localised).split('\n').map((l) => `    ${l}`).join('\n')}
    return { ok: true, success: r.success, result: r.result };
  } catch (e) {
    return { ok: false, error: String(e && e.message || e) };
  }
})();`);
    write(dir, 'walk.js', [
      'const results = {};',
      `await Tool.invoke(${JSON.stringify(SETUP.tool)}, ${JSON.stringify(SETUP.params)});`,
      ...body,
      'export default results;',
    ].join('\n'));
    const run = await cli(['run', 'walk.js'], { cwd: dir, timeoutMs: 110_000 });
    expect([run.code, run.stderr && around(path.join(dir, 'walk.js'), run.stderr)]).toEqual([0, '']);
    const results = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, { ok: boolean; success?: boolean; result?: unknown; error?: string }>;
    for (const p of planned) {
      const r = results[p.key];
      expect([p.key, r.ok, r.error]).toEqual([p.key, true, undefined]);
      expect([p.key, r.success]).toEqual([p.key, true]);
      const parsed = p.tool.outputSchema!.safeParse(r.result);
      expect([p.key, parsed.success ? 'valid' : parsed.error.issues.slice(0, 3)]).toEqual([p.key, 'valid']);
      // The schema strips what it does not declare: equal means every field is declared.
      expect([p.key, parsed.data]).toEqual([p.key, r.result]);
    }
  }, 120_000);

  test('Lua: every example runs as printed', async () => {
    const body = planned.map((p) => `try(${JSON.stringify(p.key)}, function()
${luaExample(p.tool, p.localised).split('\n').map((l) => `  ${l}`).join('\n')}
  if not r.success then error("success = false") end
end)`);
    write(dir, 'walk.lua', [
      'local results = {}',
      'local function try(key, fn) local ok, err = pcall(fn); results[key] = ok and "ok" or tostring(err) end',
      `Tool.invoke(${JSON.stringify(SETUP.tool)}, {operation = "query", database = "main", query = ${JSON.stringify(SETUP.params.query)}})`,
      ...body,
      'return results',
    ].join('\n'));
    const run = await cli(['run', 'walk.lua'], { cwd: dir, timeoutMs: 110_000 });
    expect([run.code, run.stderr && around(path.join(dir, 'walk.lua'), run.stderr)]).toEqual([0, '']);
    const results = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, string>;
    expect(results).toEqual(Object.fromEntries(planned.map((p) => [p.key, 'ok'])));
  }, 120_000);
});
