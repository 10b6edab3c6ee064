import { environmentReaderTool as tool, systemTools, DEFAULT_ALLOWED_ENV_VARS } from './index.js';
import { SECRET_BEARING_ENV } from '@llmspell/core/testing';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

const SECRET = 'sk-test1234567890abcdefghijklmnop';
/** The variables of issue 12 that `list` used to return in clear, and a few more shapes. */
const HOSTILE: Record<string, string> = {
  ...SECRET_BEARING_ENV,
  MY_API_KEY: SECRET,
  GITHUB_TOKEN: 'plain-looking-value',
  INNOCENT_NAME: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  DB_URL_X: 'postgres://user:hunter22@db.internal/app',
  BUILD_NONCE: 'Zx8Qm2Lr9Tv4Kp7Wn3Yb6Hc1Df5Gs0Ja',
};
/** Fragments of every hostile value that must never appear in any output. */
const LEAKS = [...Object.values(SECRET_BEARING_ENV), SECRET, 'plain-looking', 'ghp_abc', 'hunter22', 'Zx8Qm2'];

let sb: Sandbox;
const saved = { ...process.env };

beforeEach(() => {
  sb = sandbox();
  Object.assign(process.env, HOSTILE);
  process.env.LLMSPELL_TEST_COLOR = 'blue';
  process.env.LLMSPELL_TEST_SIZE = 'large';
  process.env.LC_TEST_X = 'C.UTF-8';
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  sb.cleanup();
});

async function allOutputs(calls: Array<Record<string, unknown>>, settings: Record<string, unknown> = {}): Promise<string> {
  const outputs: string[] = [];
  for (const params of calls) {
    try {
      const r = await sb.run(tool, params, { settings });
      outputs.push(r.text, JSON.stringify(r.result));
    } catch (error) {
      outputs.push(String((error as Error).message), JSON.stringify((error as { details?: unknown }).details ?? null));
    }
  }
  return outputs.join('\n');
}

const EVERY_READ = [
  { operation: 'list' },
  { operation: 'list', filter: '.' },
  { operation: 'list', filter: 'KEY|TOKEN|PAT|SK|URL|DSN|PASS|COOKIE|SESSION|SECRET' },
  { operation: 'pattern', pattern: '*' },
  { operation: 'pattern', pattern: '*_*' },
  ...Object.keys(HOSTILE).map((name) => ({ operation: 'get', variable_name: name })),
];

describe('environment_reader', () => {
  it('exports the four system tools with the spec security levels', () => {
    expect(systemTools.map((t) => `${t.name}:${t.securityLevel}:${t.category}`)).toEqual([
      'environment_reader:restricted:system', 'process_executor:restricted:system', 'service_checker:restricted:system', 'system_monitor:safe:system',
    ]);
  });

  it('shows only the harmless allow-list by default', async () => {
    const r = await sb.run(tool, { operation: 'list' });
    const { variables, hidden_count } = r.result as { variables: Record<string, string>; hidden_count: number };
    expect(variables.HOME).toBe(process.env.HOME);
    expect(variables.PATH).toBe(process.env.PATH);
    expect(variables.LC_TEST_X).toBe('C.UTF-8');
    const patterns = DEFAULT_ALLOWED_ENV_VARS.map((g) => new RegExp(`^${g.replace('*', '.*')}$`));
    for (const name of Object.keys(variables)) expect([name, patterns.some((p) => p.test(name))]).toEqual([name, true]);
    expect(variables).not.toHaveProperty('LLMSPELL_TEST_COLOR');
    expect(hidden_count).toBeGreaterThanOrEqual(Object.keys(HOSTILE).length);
    const home = await sb.run(tool, { operation: 'read', key: 'HOME' });
    expect((home.result as { value: string }).value).toBe(process.env.HOME);
    const e = await expectCode(sb.run(tool, { operation: 'get', variable_name: 'LLMSPELL_TEST_COLOR' }), 'OPERATION_NOT_ALLOWED');
    expect(e.message).toMatch(/not one of the harmless variables shown by default; list it in \[tools.environment_reader\] allowed_variables/);
  });

  it('never returns a secret through get, list or pattern, by default', async () => {
    const all = await allOutputs(EVERY_READ);
    for (const leak of LEAKS) expect([leak, all.includes(leak)]).toEqual([leak, false]);
    for (const name of Object.keys(HOSTILE)) {
      await expectCode(sb.run(tool, { operation: 'get', variable_name: name }), 'OPERATION_NOT_ALLOWED');
    }
  });

  it('hides secrets by name and value shape even when the allow-list lets everything through', async () => {
    for (const settings of [{ allowed_variables: ['*'] }, { allowed_vars: ['*'] }]) {
      const all = await allOutputs(EVERY_READ, settings);
      for (const leak of LEAKS) expect([leak, all.includes(leak)]).toEqual([leak, false]);
      const refused = await expectCode(sb.run(tool, { operation: 'get', variable_name: 'MY_API_KEY' }, { settings }), 'OPERATION_NOT_ALLOWED');
      expect(refused.message).toMatch(/access to environment variable 'MY_API_KEY' is not permitted \(it looks like a secret\)/);
      await expectCode(sb.run(tool, { operation: 'get', variable_name: 'AWS_SECRET_ACCESS_KEY_UNSET_X' }, { settings }), 'OPERATION_NOT_ALLOWED');
      const list = await sb.run(tool, { operation: 'list' }, { settings });
      expect((list.result as { variables: Record<string, string> }).variables.LLMSPELL_TEST_SIZE).toBe('large');
    }
  });

  it('adds the secrets it sees to the redaction set, so they never print', async () => {
    const plain = 'fixture-launch-codes-0000 and fixture-redis-pw-0123';
    expect(sb.policy.redact(plain)).toBe(plain);
    await sb.run(tool, { operation: 'list' });
    expect(sb.policy.redact(plain)).toBe('[REDACTED] and [REDACTED]');
    const b64 = Buffer.from('fixture-launch-codes-0000').toString('base64');
    expect(sb.policy.redact(b64)).not.toContain(b64.slice(0, 16));
  });

  it('matches names with a glob pattern', async () => {
    const settings = { allowed_variables: ['LLMSPELL_TEST_*'] };
    const r = await sb.run(tool, { operation: 'pattern', pattern: 'LLMSPELL_TEST_*' }, { settings });
    expect((r.result as { variables: Record<string, string> }).variables).toEqual({ LLMSPELL_TEST_COLOR: 'blue', LLMSPELL_TEST_SIZE: 'large' });
    const q = await sb.run(tool, { operation: 'pattern', pattern: 'LLMSPELL_TEST_SIZ?' }, { settings });
    expect(Object.keys((q.result as { variables: object }).variables)).toEqual(['LLMSPELL_TEST_SIZE']);
  });

  it('filters names with a regex on the linear-time engine', async () => {
    process.env[`LLMSPELL_${'A'.repeat(34)}`] = 'x';
    const settings = { allowed_variables: ['LLMSPELL_*'] };
    const r = await sb.run(tool, { operation: 'list', filter: '^LLMSPELL_(A+)+!$' }, { settings });
    expect((r.result as { variables: object }).variables).toEqual({});
    const hit = await sb.run(tool, { operation: 'list', filter: '^LLMSPELL_(A+)+$' }, { settings });
    expect(Object.keys((hit.result as { variables: object }).variables)).toEqual([`LLMSPELL_${'A'.repeat(34)}`]);
    const e = await expectCode(sb.run(tool, { operation: 'list', filter: '(A)\\1' }, { settings }), 'INVALID_ARGUMENT');
    expect(e.message).toMatch(/parameter 'filter'.*backreference/);
  });

  it('matches wildcard-heavy globs in linear time', async () => {
    process.env[`LLMSPELL_${'A'.repeat(60)}`] = 'x';
    const settings = { allowed_variables: ['LLMSPELL_*'] };
    const r = await sb.run(tool, { operation: 'pattern', pattern: `${'*A'.repeat(30)}*B` }, { settings });
    expect((r.result as { variables: object }).variables).toEqual({});
    const hit = await sb.run(tool, { operation: 'pattern', pattern: `LLMSPELL_${'*A'.repeat(30)}*` }, { settings });
    expect(Object.keys((hit.result as { variables: object }).variables)).toEqual([`LLMSPELL_${'A'.repeat(60)}`]);
  });

  it('honours the allowed_variables setting (it replaces the default list)', async () => {
    const settings = { allowed_variables: ['LLMSPELL_TEST_COLOR'] };
    const r = await sb.run(tool, { operation: 'list' }, { settings });
    expect((r.result as { variables: object }).variables).toEqual({ LLMSPELL_TEST_COLOR: 'blue' });
    const g = await expectCode(sb.run(tool, { operation: 'get', variable_name: 'LLMSPELL_TEST_SIZE' }, { settings }), 'OPERATION_NOT_ALLOWED');
    expect(g.message).toMatch(/it is not in \[tools.environment_reader\] allowed_variables/);
    await expectCode(sb.run(tool, { operation: 'get', variable_name: 'HOME' }, { settings }), 'OPERATION_NOT_ALLOWED');
    const none = await sb.run(tool, { operation: 'get', variable_name: 'LLMSPELL_TEST_COLOR' }, { settings: { allowed_variables: ['LLMSPELL_*'] } });
    expect(none.result).toMatchObject({ value: 'blue', exists: true });
    const unset = await sb.run(tool, { operation: 'get', variable_name: 'LLMSPELL_NOT_SET_X' }, { settings: { allowed_variables: ['LLMSPELL_*'] } });
    expect(unset.result).toMatchObject({ exists: false, value: null });
  });

  it('sets a variable only when allow_set is configured, never protected, endpoint or credential ones', async () => {
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'LLMSPELL_TEST_NEW', value: 'v' }), 'PROCESS_NOT_ALLOWED');
    expect(process.env.LLMSPELL_TEST_NEW).toBeUndefined();
    const settings = { allow_set: true };
    await sb.run(tool, { operation: 'set', variable_name: 'MY_SETTING', value: 'v1' }, { settings });
    expect(process.env.MY_SETTING).toBe('v1');
    for (const name of ['PATH', 'LD_PRELOAD', 'NODE_OPTIONS', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', 'OLLAMA_HOST', 'HTTPS_PROXY', 'https_proxy', 'GIT_SSH_COMMAND', 'OPENAI_API_KEY', 'MY_TOKEN', 'GH_PAT']) {
      const before = process.env[name];
      await expectCode(sb.run(tool, { operation: 'set', variable_name: name, value: 'http://127.0.0.1:9/v1' }, { settings }), 'PROCESS_NOT_ALLOWED');
      expect([name, process.env[name]]).toEqual([name, before]);
    }
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'BAD NAME', value: 'x' }, { settings }), 'INVALID_ARGUMENT');
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'OTHER', value: 'x' }, { settings: { allow_set: true, allowed_variables: ['MY_*'] } }), 'PROCESS_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'MY_SETTING' }, { settings }), 'INVALID_ARGUMENT');
  });
});
