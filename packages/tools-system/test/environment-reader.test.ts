import { environmentReaderTool as tool, systemTools } from '../src/index.js';
import { type Sandbox, expectCode, sandbox } from './helpers.js';

const SECRET = 'sk-test1234567890abcdefghijklmnop';
let sb: Sandbox;
const saved = { ...process.env };

beforeEach(() => {
  sb = sandbox();
  process.env.MY_API_KEY = SECRET;
  process.env.GITHUB_TOKEN = 'plain-looking-value';
  process.env.INNOCENT_NAME = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'; // secret by value
  process.env.DB_URL_X = 'postgres://user:hunter22@db.internal/app';
  process.env.LLMSPELL_TEST_COLOR = 'blue';
  process.env.LLMSPELL_TEST_SIZE = 'large';
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  sb.cleanup();
});

describe('environment_reader', () => {
  it('exports the four system tools with the spec security levels', () => {
    expect(systemTools.map((t) => `${t.name}:${t.securityLevel}:${t.category}`)).toEqual([
      'environment_reader:restricted:system', 'process_executor:restricted:system', 'service_checker:restricted:system', 'system_monitor:safe:system',
    ]);
  });

  it('gets a plain variable (DOC: read + key)', async () => {
    const r = await sb.run(tool, { operation: 'get', variable_name: 'LLMSPELL_TEST_COLOR' });
    expect(r.result).toEqual({ variable_name: 'LLMSPELL_TEST_COLOR', value: 'blue', exists: true, hidden: false });
    const doc = await sb.run(tool, { operation: 'read', key: 'LLMSPELL_TEST_COLOR' });
    expect((doc.result as { value: string }).value).toBe('blue');
    const none = await sb.run(tool, { operation: 'get', variable_name: 'LLMSPELL_NOT_SET_X' });
    expect(none.result).toMatchObject({ exists: false, value: null });
  });

  it('never returns a secret through get, list or pattern', async () => {
    const outputs: string[] = [];
    for (const params of [
      { operation: 'get', variable_name: 'MY_API_KEY' },
      { operation: 'get', variable_name: 'INNOCENT_NAME' },
      { operation: 'get', variable_name: 'DB_URL_X' },
      { operation: 'list' },
      { operation: 'list', filter: 'KEY|TOKEN' },
      { operation: 'pattern', pattern: 'MY_*' },
      { operation: 'pattern', pattern: '*' },
    ]) {
      try {
        const r = await sb.run(tool, params);
        outputs.push(r.text, JSON.stringify(r.result));
      } catch (error) {
        outputs.push(String((error as Error).message), JSON.stringify((error as { details?: unknown }).details ?? null));
      }
    }
    const all = outputs.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(all).not.toContain('hunter22');
    expect(all).not.toContain('plain-looking-value');
    // Reading a secret is refused (as the reference does), whether it is set or not.
    const refused = await expectCode(sb.run(tool, { operation: 'get', variable_name: 'MY_API_KEY' }), 'OPERATION_NOT_ALLOWED');
    expect(refused.message).toMatch(/access to environment variable 'MY_API_KEY' is not permitted \(it looks like a secret\)/);
    await expectCode(sb.run(tool, { operation: 'get', variable_name: 'AWS_SECRET_ACCESS_KEY_UNSET_X' }), 'OPERATION_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'get', variable_name: 'INNOCENT_NAME' }), 'OPERATION_NOT_ALLOWED');
    const list = await sb.run(tool, { operation: 'list' });
    const vars = (list.result as { variables: Record<string, string>; hidden_count: number });
    expect(vars.variables).not.toHaveProperty('MY_API_KEY');
    expect(vars.hidden_count).toBeGreaterThanOrEqual(4);
    expect(vars.variables.LLMSPELL_TEST_SIZE).toBe('large');
  });

  it('matches names with a glob pattern', async () => {
    const r = await sb.run(tool, { operation: 'pattern', pattern: 'LLMSPELL_TEST_*' });
    expect((r.result as { variables: Record<string, string> }).variables).toEqual({ LLMSPELL_TEST_COLOR: 'blue', LLMSPELL_TEST_SIZE: 'large' });
    const q = await sb.run(tool, { operation: 'pattern', pattern: 'LLMSPELL_TEST_SIZ?' });
    expect(Object.keys((q.result as { variables: object }).variables)).toEqual(['LLMSPELL_TEST_SIZE']);
  });

  it('honours the allowed_variables setting', async () => {
    const settings = { allowed_variables: ['LLMSPELL_TEST_COLOR'] };
    const r = await sb.run(tool, { operation: 'list' }, { settings });
    expect((r.result as { variables: object }).variables).toEqual({ LLMSPELL_TEST_COLOR: 'blue' });
    const g = await expectCode(sb.run(tool, { operation: 'get', variable_name: 'LLMSPELL_TEST_SIZE' }, { settings }), 'OPERATION_NOT_ALLOWED');
    expect(g.message).toMatch(/allowed_variables/);
  });

  it('sets a variable only when allow_set is configured, never protected ones', async () => {
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'LLMSPELL_TEST_NEW', value: 'v' }), 'PROCESS_NOT_ALLOWED');
    expect(process.env.LLMSPELL_TEST_NEW).toBeUndefined();
    const settings = { allow_set: true };
    await sb.run(tool, { operation: 'set', variable_name: 'MY_SETTING', value: 'v1' }, { settings });
    expect(process.env.MY_SETTING).toBe('v1');
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'PATH', value: '/tmp' }, { settings }), 'PROCESS_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'LD_PRELOAD', value: '/tmp/x.so' }, { settings }), 'PROCESS_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'BAD NAME', value: 'x' }, { settings }), 'INVALID_ARGUMENT');
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'OTHER', value: 'x' }, { settings: { allow_set: true, allowed_variables: ['MY_*'] } }), 'PROCESS_NOT_ALLOWED');
    await expectCode(sb.run(tool, { operation: 'set', variable_name: 'MY_SETTING' }, { settings }), 'INVALID_ARGUMENT');
  });
});
