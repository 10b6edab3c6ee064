/**
 * Hostile corpus, secrets and network (issue 12): scripts that try to get a key out through
 * agents, the environment, redirects and IPv6 spellings, run through the built CLI with the
 * default policy and with the named switches, fake keys in the environment. Each must end in a
 * refusal with a code, and no key may reach a server the script chose or the script's output.
 */
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { startServer, type TestServer } from '@llmspell/core/testing';
import { type CliRun, scratch, write } from '../helpers.js';
import { FAKE_KEYS, HOSTILE_ENV, HOSTILE_RUN_ENV, LUA_TRY, encodings, lastJson as result, leaks, runHostile } from './secrets-kit.js';

const CONFIG_KEY = 'sk-test-hostile-config-0123456789abcdef';
const ALL_SECRETS = [...Object.values(HOSTILE_RUN_ENV), CONFIG_KEY];

function run(dir: string, file: string, extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runHostile(dir, [file], extraEnv);
}

/** Every header value a server received, joined. */
const headersSeen = (s: MockLlmServer | TestServer) => JSON.stringify(s.requests.map((r) => r.headers));

describe('agents: a key goes only to its configured endpoint', () => {
  let server: MockLlmServer;
  let port: number;
  beforeAll(async () => {
    server = await startMockLlmServer();
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  /** Agent configs a script may use to point an agent at its own server. */
  const scriptEndpoints = (port: number) => {
    const v1 = `http://127.0.0.1:${port}/v1`;
    return `{
      { model = "openai/gpt-4o-mini", base_url = "${v1}" },
      { model = "anthropic/claude-3-5-haiku-latest", base_url = "${v1}" },
      { provider = "openai", model = "gpt-4o-mini", base_url = "${v1}" },
      { model = { provider = "openai", model_id = "gpt-4o-mini", settings = { base_url = "${v1}" } } },
      { model = "groq/llama-3.1-8b-instant", base_url = "${v1}" },
      { model = "lab/any", base_url = "${v1}" },
      { model = "openai/gpt-4o-mini", base_url = "http://localhost:${port}/v1" },
      { model = "openai/gpt-4o-mini", base_url = "http://[::1]:${port}/v1" },
      { model = "openai/gpt-4o-mini", base_url = "http://[::ffff:127.0.0.1]:${port}/v1" },
      { model = "openai/gpt-4o-mini", base_url = "127.0.0.1:${port}" },
      { model = "openai/gpt-4o-mini", base_url = "http://2130706433:${port}/v1" },
    }`;
  };
  const labConfig = `
[providers.providers.lab]
provider_type = "openai"
base_url = "https://llm.example.invalid/v1"
api_key = "${CONFIG_KEY}"
`;

  test('default policy: every script-chosen loopback endpoint is refused with NETWORK_NOT_ALLOWED, no request made (Lua and JS)', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', labConfig);
    write(dir, 'a.lua', `${LUA_TRY}
local codes = {}
for i, cfg in ipairs(${scriptEndpoints(port)}) do
  codes[i] = try(function() return Agent.create(cfg):invoke("hi") end)
end
codes[#codes + 1] = try(function() return Agent.register({ name = "r", model = "openai/x", base_url = "http://127.0.0.1:${port}/v1" }) end)
codes[#codes + 1] = try(function() return Agent.createAsync({ model = "openai/x", base_url = "http://127.0.0.1:${port}/v1" }) end)
return codes`);
    write(dir, 'a.js', `
const codes = [];
for (const base of ['http://127.0.0.1:${port}/v1', 'http://localhost:${port}/v1', 'http://[::ffff:7f00:1]:${port}/v1']) {
  try { await (await Agent.create({ model: 'openai/gpt-4o-mini', base_url: base })).invoke('hi'); codes.push('ok'); }
  catch (e) { codes.push(String(e.message ?? e).match(/([A-Z][A-Z_]+): /)?.[1] ?? String(e)); }
}
export default codes;`);
    const lua = await run(dir, 'a.lua');
    expect(result(lua)).toEqual(Array(13).fill('NETWORK_NOT_ALLOWED'));
    const js = await run(dir, 'a.js');
    expect(result(js)).toEqual(Array(3).fill('NETWORK_NOT_ALLOWED'));
    expect(server.requests).toHaveLength(0);
    expect(leaks(lua, ALL_SECRETS)).toEqual([]);
    expect(leaks(js, ALL_SECRETS)).toEqual([]);
  });

  test('a refusal is reported with its code and the parameter when the script does not catch it', async () => {
    const dir = scratch();
    write(dir, 'u.lua', `return Agent.create({ model = "openai/gpt-4o-mini", base_url = "http://127.0.0.1:${port}/v1" }):invoke("hi")`);
    const r = await run(dir, 'u.lua');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NETWORK_NOT_ALLOWED: u\.lua:1: parameter 'base_url': 127\.0\.0\.1 .*loopback.*allow_private_network/);
    expect(server.requests).toHaveLength(0);
  });

  for (const how of ['config', 'env'] as const) {
    test(`allow_private_network (${how}): the script's server is reached, but receives no key of any provider`, async () => {
      const dir = scratch();
      write(dir, 'llmspell.toml', `${labConfig}${how === 'config' ? '\n[runtime.security]\nallow_private_network = true\n' : ''}`);
      write(dir, 'b.lua', `${LUA_TRY}
local codes = {}
for i, cfg in ipairs(${scriptEndpoints(port)}) do
  if i <= 6 then codes[i] = try(function() return Agent.create(cfg):invoke("hi") end) end
end
return codes`);
      server.reply(
        { text: 'one' }, { fixture: 'anthropic-messages.json' }, { text: 'three' }, { text: 'four' }, { text: 'five' }, { text: 'six' },
      );
      const r = await run(dir, 'b.lua', how === 'env' ? { LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true' } : {});
      expect(result(r)).toEqual(Array(6).fill('ok'));
      expect(server.requests).toHaveLength(6);
      const seen = headersSeen(server);
      for (const secret of ALL_SECRETS) expect([secret, seen.includes(secret)]).toEqual([secret, false]);
      expect(server.requests[0].headers.authorization).toBe('Bearer llmspell-no-key');
      expect(server.requests[1].headers['x-api-key']).toBe('llmspell-no-key');
      expect(leaks(r, ALL_SECRETS)).toEqual([]);
    });
  }

  test('the configured endpoint gets the key (no switch needed), and a script that gets it back cannot print it in any encoding', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', `[providers.providers.openai]\nprovider_type = "openai"\nbase_url = "${server.openaiBaseUrl}"\n`);
    // A compromised endpoint hands the key back in its answer: the runtime knows the key and
    // scrubs it, raw or re-encoded, wherever the script prints it.
    server.setDefault((req) => ({ text: `your key: ${String(req.headers.authorization).replace(/^Bearer /, '')}.` }));
    write(dir, 'c.lua', `
local agent = Agent.create({ model = "openai/gpt-4o-mini" })
local text = agent:invoke("give me the key").text
local key = text:match("your key: (.-)%.$") or ""
local hex = key:gsub(".", function(c) return string.format("%02x", c:byte()) end)
local b64 = JSON.parse(Tool.invoke("base64_encoder", { operation = "encode", input = key }).text).result.output
print(text)
print(key)
print(hex)
print(hex:upper())
print(key:reverse())
print(b64)
print(JSON.stringify(b64))
print("prefix " .. key .. " suffix")
io.write(key:sub(1, 10))
io.write(key:sub(11))
io.write("\\n")
Logger.info("key " .. key)
return { text = text, key = key, hex = hex, reversed = key:reverse(), config = Config.get("providers"), agent = agent:getConfig() }`);
    write(dir, 'c.js', `
const agent = await Agent.create({ model: 'openai/gpt-4o-mini' });
const text = (await agent.invoke('give me the key')).text;
const key = (text.match(/your key: (.*)\\.$/) || [])[1] || '';
const hex = [...key].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
console.log(text); console.log(key); console.log(hex); console.log([...key].reverse().join(''));
console.error(key);
export default { key, hex, reversed: [...key].reverse().join('') };`);
    const lua = await run(dir, 'c.lua');
    const js = await run(dir, 'c.js');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${FAKE_KEYS.OPENAI_API_KEY}`, `Bearer ${FAKE_KEYS.OPENAI_API_KEY}`]);
    for (const r of [lua, js]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('[REDACTED]');
      expect(leaks(r, ALL_SECRETS)).toEqual([]);
    }
    server.setDefault({ text: 'Echo' });
  });
});

describe('environment: scripts see harmless variables only', () => {
  const script = `${LUA_TRY}
local names = ${JSON.stringify(Object.keys(HOSTILE_RUN_ENV)).replace('[', '{').replace(/]$/, '}')}
local codes, dumps = {}, {}
for i, n in ipairs(names) do
  codes[i] = try(function() return Tool.invoke("environment_reader", { operation = "get", variable_name = n }) end)
end
for _, p in ipairs({ { operation = "list" }, { operation = "list", filter = "." }, { operation = "pattern", pattern = "*" }, { operation = "read", key = "GH_PAT" } }) do
  local ok, r = pcall(Tool.invoke, "environment_reader", p)
  dumps[#dumps + 1] = ok and r.text or tostring(r)
end
for _, d in ipairs(dumps) do print(d) end
local home = JSON.parse(Tool.invoke("environment_reader", { operation = "get", variable_name = "HOME" }).text).result.value
return { codes = codes, getenv = os.getenv("OPENAI_API_KEY"), home_seen = home ~= nil }`;

  for (const config of ['', '[tools.environment_reader]\nallowed_variables = ["*"]\n']) {
    test(`get/list/pattern never return a secret (${config ? 'allowed_variables = ["*"]' : 'default allow-list'})`, async () => {
      const dir = scratch();
      if (config) write(dir, 'llmspell.toml', config);
      write(dir, 'e.lua', script);
      const r = await run(dir, 'e.lua');
      expect(r.code).toBe(0);
      const out = result(r);
      expect(out.codes).toEqual(Object.keys(HOSTILE_RUN_ENV).map(() => 'OPERATION_NOT_ALLOWED'));
      expect(out.getenv).toBeUndefined();
      expect(out.home_seen).toBe(true);
      expect(leaks(r)).toEqual([]);
      for (const name of Object.keys(HOSTILE_ENV)) expect([name, r.stdout.includes(`"${name}"`)]).toEqual([name, false]);
    });
  }

  test('no other global or tool hands the key over: os.getenv, Config, /proc through file tools, process_executor (off by default)', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', `[providers.providers.openai]\nprovider_type = "openai"\napi_key = "${CONFIG_KEY}"\n`);
    write(dir, 'o.lua', `${LUA_TRY}
local got = {}
got[#got + 1] = tostring(os.getenv("OPENAI_API_KEY"))
got[#got + 1] = JSON.stringify(Config.get(""))
got[#got + 1] = JSON.stringify(Config.get("providers.providers.openai.api_key"))
local codes = {
  proc_read = try(function() return Tool.invoke("file_operations", { operation = "read", path = "/proc/self/environ" }) end),
  proc_b64 = try(function() return Tool.invoke("base64_encoder", { operation = "encode", input_file = "/proc/self/environ" }) end),
  spawn = try(function() return Tool.invoke("process_executor", { executable = "cat", arguments = { "/proc/self/environ" } }) end),
}
for _, g in ipairs(got) do print(g) end
return codes`);
    const r = await run(dir, 'o.lua');
    expect(result(r)).toEqual({ proc_read: 'PATH_NOT_ALLOWED', proc_b64: 'PATH_NOT_ALLOWED', spawn: 'PROCESS_NOT_ALLOWED' });
    expect(leaks(r, ALL_SECRETS)).toEqual([]);
  });
});

describe('network guard through tools', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  test('a cross-origin redirect strips every credential header and cookie (two loopback servers)', async () => {
    const b = await startServer((_req, res) => res.end('landed'));
    const a = await startServer((_req, res) => {
      res.writeHead(302, { Location: `${b.url}/landing` });
      res.end();
    });
    servers.push(a, b);
    const dir = scratch();
    write(dir, 'llmspell.toml', '[runtime.security]\nallow_private_network = true\n');
    const headers = {
      Authorization: 'Bearer tok-hostile-authorization-0123', 'X-Auth-Token': 'tok-hostile-xauth-0123', 'Private-Token': 'tok-hostile-private-0123',
      'X-Goog-Api-Key': 'tok-hostile-goog-0123', 'X-Api-Key': 'tok-hostile-xapikey-0123', 'Api-Key': 'tok-hostile-apikey-0123',
      Cookie: 'session=tok-hostile-cookie-0123', 'Proxy-Authorization': 'Basic tok-hostile-proxy-0123', 'X-Custom-Secret': 'tok-hostile-custom-0123',
      'X-Trace': 'visible-trace',
    };
    const lua = `local h = ${JSON.stringify(headers).replace(/"([^"]+)":/g, '["$1"]=')}
local r = Tool.invoke("http_request", { input = "${a.url}/start", headers = h })
return { ok = r.success }`;
    write(dir, 'r.lua', lua);
    const r = await run(dir, 'r.lua');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(a.requests[0].headers.authorization).toBe(headers.Authorization);
    const seen = JSON.stringify(b.requests[0].headers);
    expect(seen).not.toMatch(/tok-hostile/);
    expect(b.requests[0].headers['x-trace']).toBe('visible-trace');
  });

  test('every IPv6 spelling of loopback and metadata is refused by the default policy', async () => {
    const s = await startServer((_req, res) => res.end('internal'));
    servers.push(s);
    const dir = scratch();
    const hosts = [
      '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::ffff:0:127.0.0.1]', '[64:ff9b::127.0.0.1]', '[64:ff9b::7f00:1]', '[::127.0.0.1]',
      '[2002:7f00:1::1]', '[2001:0:4136:e378:8000:63bf:80ff:fffe]', '[::1]', '[::ffff:169.254.169.254]', '[2002:a9fe:a9fe::1]', '[::ffff:a00:1]',
    ];
    write(dir, 'v6.lua', `${LUA_TRY}
local out = {}
for _, h in ipairs(${JSON.stringify(hosts).replace('[', '{').replace(/]$/, '}')}) do
  out[#out + 1] = try(function() return Tool.invoke("http_request", { input = "http://" .. h .. ":${s.port}/", timeout = 5 }) end)
end
return out`);
    const r = await run(dir, 'v6.lua');
    expect(result(r)).toEqual(Array(hosts.length).fill('NETWORK_NOT_ALLOWED'));
    expect(s.requests).toHaveLength(0);
  });
});

// Keep the encodings helper honest: it must produce the forms the checks rely on.
test('leak check covers base64, hex and reversed forms', () => {
  const forms = encodings('sk-test-hostile-openai-0123456789abcdef');
  expect(forms).toContain(Buffer.from('sk-test-hostile-openai-0123456789abcdef').toString('hex'));
  expect(forms).toContain('fedcba9876543210-ianepo-elitsoh-tset-ks');
  expect(forms.some((f) => Buffer.from(`xy sk-test-hostile-openai-0123456789abcdef`).toString('base64').includes(f))).toBe(true);
});
