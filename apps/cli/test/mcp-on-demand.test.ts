import { cli, scratch, write } from './helpers.js';

/**
 * A run whose config names no MCP server does not load the MCP SDK at start (it costs a tenth
 * of a second of every cold start); the first `MCP.connect` loads it, and from then on the
 * script gets exactly what the connector built at start would give: its refusals, its errors.
 */
describe('MCP without configured servers: the connector is made on first use', () => {
  test('Lua: the real connector answers the first MCP.connect (its policy, its lookup, its connection attempt)', async () => {
    const dir = scratch();
    write(dir, 'connect.lua', `
      local function code(f, ...)
        local ok, e = pcall(f, ...)
        return ok and "connected" or tostring(e):match("^[A-Z_]+")
      end
      print(#MCP.servers())
      print(code(MCP.connect, { url = "http://127.0.0.1:9/mcp" }))
      print(code(MCP.connect, "fixture"))
      print(#MCP.servers())
    `);
    const refused = await cli(['run', 'connect.lua'], { cwd: dir });
    expect(refused.stderr).toBe('');
    expect(refused.stdout.trim().split('\n')).toEqual(['0', 'NETWORK_NOT_ALLOWED', 'NOT_FOUND', '0']);

    // A setting the user writes still reaches the connector made later: loopback allowed, the
    // connection is really tried (nothing listens on port 9).
    write(dir, 'llmspell.toml', '[runtime.security]\nallow_private_network = true\n[mcp]\ntimeout_secs = 5\n');
    const tried = await cli(['run', 'connect.lua'], { cwd: dir });
    expect(tried.stderr).toBe('');
    expect(tried.stdout.trim().split('\n')).toEqual(['0', 'MCP_CONNECT_FAILED', 'NOT_FOUND', '0']);
  });

  test('JavaScript: await MCP.connect goes through the same connector', async () => {
    const dir = scratch();
    write(dir, 'connect.js', `
      try { await MCP.connect({ url: "http://127.0.0.1:9/mcp" }); print("connected"); } catch (e) { print(e.code); }
      try { await MCP.connect("nope"); print("connected"); } catch (e) { print(e.code + " " + e.message.includes("[mcp.servers.NAME]")); }
    `);
    const r = await cli(['run', 'connect.js'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['NETWORK_NOT_ALLOWED', 'NOT_FOUND true']);
  });
});
