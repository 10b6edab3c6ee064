import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, scratch, write } from './helpers.js';

/**
 * `@llmspell/mcp` is an add-on (`npm i -g @llmspell/mcp`): without it the CLI still runs every
 * script, and whatever needs MCP says exactly what to install. The package is made missing
 * the way a user's install misses it: module resolution of `@llmspell/mcp` fails (a resolve
 * hook in every llmspell process, the script host included, through NODE_OPTIONS).
 */
function withoutMcp(dir: string): Record<string, string> {
  const hooks = write(dir, 'hooks/no-mcp.mjs', `export async function resolve(specifier, context, next) {
  if (specifier === '@llmspell/mcp' || specifier.startsWith('@llmspell/mcp/')) {
    const error = new Error(\`Cannot find package '@llmspell/mcp' imported from \${context.parentURL}\`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
`);
  const register = write(dir, 'hooks/register.mjs', `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return { NODE_OPTIONS: `--import ${pathToFileURL(register).href}` };
}

const HINT = 'npm i -g @llmspell/mcp';

describe('without @llmspell/mcp installed', () => {
  test('llmspell mcp serve and mcp list name the package to install', async () => {
    const dir = scratch();
    const env = withoutMcp(dir);
    for (const args of [['mcp', 'serve'], ['mcp', 'serve', '--http'], ['mcp', 'list']]) {
      const r = await cli(args, { cwd: dir, env });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.stderr).toContain('PACKAGE_NOT_INSTALLED');
      expect(r.stderr).toContain(HINT);
      expect(r.stderr).toContain('@llmspell/mcp');
    }
    // The same commands work when the package is there (the hook is what takes it away).
    const listed = await cli(['mcp', 'list'], { cwd: dir });
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('No MCP servers configured');
  });

  test('scripts run; MCP.servers() is empty and MCP.connect is a coded error naming the package', async () => {
    const dir = scratch();
    write(dir, 'mcp.lua', `local ok, e = pcall(MCP.connect, {url = "http://127.0.0.1:9/mcp"})
return { ok = ok, servers = #MCP.servers(), message = tostring(e), sum = Tool.invoke("calculator", {input = "2+3"}).result.result }`);
    const r = await cli(['run', 'mcp.lua', '--output', 'json'], { cwd: dir, env: withoutMcp(dir) });
    expect(r.stderr).toBe('');
    const out = (JSON.parse(r.stdout) as { result: { ok: boolean; servers: number; message: string; sum: number } }).result;
    expect(out).toMatchObject({ ok: false, servers: 0, sum: 5 });
    expect(out.message).toMatch(/^PACKAGE_NOT_INSTALLED: MCP\.connect: .*@llmspell\/mcp/);
    expect(out.message).toContain(HINT);
    write(dir, 'mcp.js', `try { await MCP.connect({ url: "http://127.0.0.1:9/mcp" }); print("connected"); } catch (e) { print(e.code + " / " + e.message); }`);
    const js = await cli(['run', 'mcp.js'], { cwd: dir, env: withoutMcp(dir) });
    expect(js.stdout).toMatch(/^PACKAGE_NOT_INSTALLED \/ /);
    expect(js.stdout).toContain(HINT);
  });

  test('a config naming MCP servers is refused at start with the install hint, not run without their tools', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[mcp.servers.everything]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-everything"]\n');
    write(dir, 'hello.lua', 'return 1');
    const r = await cli(['run', 'hello.lua'], { cwd: dir, env: withoutMcp(dir) });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('PACKAGE_NOT_INSTALLED');
    expect(r.stderr).toContain(HINT);
    // A disabled server needs nothing.
    fs.appendFileSync(path.join(dir, 'llmspell.toml'), 'enabled = false\n');
    const off = await cli(['run', 'hello.lua'], { cwd: dir, env: withoutMcp(dir) });
    expect([off.code, off.stdout, off.stderr]).toEqual([0, '1\n', '']);
  });
});
