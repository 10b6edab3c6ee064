import fs from 'node:fs';
import path from 'node:path';
import { LlmspellRuntime } from '@llmspell/runtime';
import { FIXTURE_SERVER } from '@llmspell/mcp/testing';
import { cli, repoRoot, scratch, write, type CliRun } from './helpers.js';

/**
 * Every script in examples/lua and examples/js runs through the built CLI, as a user would
 * run it, and must return what its table entry below says. Agent examples talk to the mock
 * LLM server of @llmspell/agents over real HTTP; state examples use the real SQLite backend.
 */

/** The subset of @llmspell/agents/testing this test uses. */
interface MockLlmServer {
  readonly openaiBaseUrl: string;
  readonly requests: Array<{ path: string; body: Record<string, unknown>; stream: boolean; lastUserText: string }>;
  reply(...replies: unknown[]): void;
  pending(): number;
  close(): Promise<void>;
}

// @llmspell/agents is not a dependency of the CLI (the runtime brings it), so its testing
// entry point is loaded by name at run time; jest maps it to the package's source.
const AGENTS_TESTING = '@llmspell/agents/testing';

interface ExampleSpec {
  /** Arguments after `--`. */
  args?: string[];
  env?: Record<string, string>;
  /** Replies queued on the mock LLM server for this run; all must be used. */
  replies?: unknown[];
  /** The last user message of each model request, in order. */
  prompts?: string[];
  /** The returned value, exactly. */
  result: unknown;
  /** Lines the script must print. */
  stdout?: RegExp[];
  /** Log lines the example writes on purpose; without this, stderr must be empty. */
  stderr?: RegExp[];
  /** Text that must never appear anywhere in the output (secrets). */
  never?: string[];
  /** An llmspell.toml written into the run's working directory. */
  config?: string;
}

const mcpConfig = `[mcp.servers.fixture]
command = ${JSON.stringify(process.execPath)}
args = [${JSON.stringify(FIXTURE_SERVER)}]
`;

const EXAMPLES: Record<string, ExampleSpec> = {
  'lua/tool-basics.lua': {
    result: {
      hypotenuse: 5, upper: 'HELLO TOOLS', bad_expression: 'INVALID_ARGUMENT', unknown_tool: 'TOOL_NOT_FOUND',
      bad_parameter: 'INVALID_ARGUMENT', caught: true,
    },
    stdout: [/^bad parameter {2}-> INVALID_ARGUMENT: calculator: parameter 'input'/m],
  },
  'js/tool-basics.js': {
    result: {
      has_calculator: true, words: ['one', 'two', 'three'], bad_expression: 'INVALID_ARGUMENT',
      unknown_tool: 'TOOL_NOT_FOUND', bad_parameter: 'INVALID_ARGUMENT',
    },
  },
  'lua/agent-tools.lua': {
    replies: [
      { toolCalls: [{ name: 'calculator', arguments: { input: '1234 * 5678' } }] },
      { text: '1234 * 5678 = 7,006,652.' },
    ],
    prompts: ['What is 1234 * 5678? Use the calculator.', 'What is 1234 * 5678? Use the calculator.'],
    result: { calls: 1, tool_result: 7006652, mentions_result: true, unknown_tool: 'TOOL_NOT_FOUND' },
    stdout: [/^tool calculator\(\{"input":"1234 \* 5678"\}\) -> 1234 \* 5678 = 7006652$/m],
  },
  'lua/agent-stream.lua': {
    replies: [
      { text: 'The old lighthouse blinked at the sea. The sea, for once, blinked back.' },
      { text: 'Sea Blinks Back' },
      { text: 'A cat sat. It left.' },
    ],
    result: { chunks: 13, joined_matches: true, history: 4, pulled_chunks: 5 },
    stdout: [/^streamed 13 chunks: The old lighthouse blinked/m, /^title: Sea Blinks Back$/m],
  },
  'js/agent-tools.js': {
    replies: [
      { toolCalls: [{ name: 'hash_calculator', arguments: { operation: 'hash', algorithm: 'sha256', input: 'llmspell' } }] },
      { text: 'The SHA-256 of "llmspell" starts with 4bdc5a2d.' },
      { text: 'Yes.' },
    ],
    result: { tool_calls: ['hash_calculator'], hash_ok: true, wrapped_tool: 'ask_analyst', tool_answer: true, unknown_provider: 'PROVIDER_NOT_CONFIGURED' },
    stdout: [/^via Tool\.invoke: Yes\.$/m],
  },
  'js/agent-stream.js': {
    replies: [
      { text: 'Lisbon is a sunny city of hills, trams and tiled facades.' },
      { text: "Porto is Lisbon's northern rival, famous for port wine." },
      { text: '{"city":"Lisbon","country":"Portugal"}' },
    ],
    result: { streamed: true, callback_chunks: true, city: 'Lisbon', country: 'Portugal' },
  },
  'lua/workflow-sequential.lua': {
    args: ['--title', 'Annual Summary'],
    result: { success: true, steps: 4, file: 'annual_summary.md', average: 100 },
    stdout: [/^# Annual Summary\nTotal: 300 \(annual_summary\.md\)$/m],
  },
  'lua/workflow-conditional.lua': {
    args: ['--amount', '1000'],
    result: { small: 'default', medium: 'manager', large: 'board', invalid: 'rejected', requested: 'manager' },
    stdout: [/250 -> manager +needs a manager; VAT 50$/m],
  },
  'lua/workflow-loop.lua': {
    args: ['--target', '1000'],
    result: { success: true, years: 11, final: 1052.44, reason: 'condition_false' },
    stdout: [/^year  1: 535\.00$/m, /^year 11: 1052\.44$/m],
  },
  'lua/workflow-agent.lua': {
    replies: [{ text: ' Old Station Becomes Town Library \n' }],
    // The agent's prompt is the interpolated reference to the tool step's output.
    prompts: ['Text: The town council voted to turn the old station into a library.'],
    result: {
      success: true, headline: 'Old Station Becomes Town Library', words: 5,
      cleaned: 'The town council voted to turn the old station into a library.',
    },
  },
  'js/workflow-parallel.js': {
    result: { success: true, words: 12, branches: ['hash', 'stats', 'words'], failed_optional: ['broken'] },
  },
  'js/workflow-loop.js': {
    result: {
      slugs: ['read_me_md', 'change_log_txt', 'todo_list_org'], iterations: 3, range_iterations: 8, first_square_over_50: 64,
    },
  },
  'lua/state-scopes.lua': {
    result: { runs: 1, keys: ['history', 'theme'], hours: [9, 17], agent_theme_deleted: true, exists: true, cleared: 1, global: 'state-scopes.lua' },
  },
  'lua/state-backup.lua': {
    result: { valid: true, restored: true, apples: 10, keys: ['apples', 'pears'], incremental: 'incremental', parent_is_full: true, backups: 2 },
  },
  'js/state-scopes.js': {
    result: { ada_visits: 1, counter: 3, users: ['ada', 'grace'], grace_exists: false, motd: 'hello from state-scopes.js', bad_key: 'STATE_INVALID_KEY' },
  },
  'js/state-backup.js': {
    result: { at_start: 1, at_incremental: 3, valid: true, incremental_parent_is_full: true, missing_backup: 'BACKUP_NOT_FOUND' },
  },
  'lua/hook-modify.lua': {
    result: { result: 4.67, blocked: 'HOOK_CANCELLED', seen: ['calculator'], remaining: 2 },
  },
  'js/hook-cancel.js': {
    result: { refused: 'HOOK_CANCELLED', file_written: false, name: 'Ada Lovelace', recovered: 0 },
  },
  'lua/replay-whatif.lua': {
    result: { baseline: 32, whatif: 50, identical: false, changed: 2 },
    stdout: [/^result: changed from 32 to 50$/m, /^similarity:\t0\.5$/m],
  },
  'js/replay-whatif.js': {
    result: { baseline: 32, whatif: 50, identical: false, changed: ['result'] },
    stdout: [/^summary: Found 1 difference \(1 changed\); similarity 0\.667$/m],
  },
  'lua/event-patterns.lua': {
    result: { order_types: ['order.created', 'order.shipped'], failed: 'payment.failed', state_event: 'state.changed', batch: 3, correlated: true },
  },
  'js/event-patterns.js': {
    result: {
      tool_events: ['tool.started(calculator)', 'tool.completed(calculator)', 'tool.started(calculator)', 'tool.failed(calculator)'],
      alerts: ['alert.disk', 'metrics.cpu.high'],
      subscriptions_left: 0,
    },
  },
  'lua/streaming-pages.lua': {
    result: { first: [1, 4, 9, 16], pages_left: 2, last: [81, 100], done: true },
    stdout: [/^first page has 4 squares$/m, /^then 2 more pages, done: true$/m],
  },
  'js/streaming-pages.js': {
    result: { first: [1, 4, 9, 16], pages_left: 2, last: [81, 100], done: true, all: [1, 4, 9, 16, 25, 36] },
    stdout: [/^first page has 4 squares$/m],
  },
  'js/json-roundtrip.js': {
    result: { stars: 43, tags: ['lua', 'js', 'wasm'], year: 2026, public_fields: '{"user":"ada"}', parse_error: 'SyntaxError', text_result: 42 },
  },
  'lua/json-roundtrip.lua': {
    result: { stars: 43, tags: ['lua', 'js', 'wasm'], meta_ok: true, list_json: '[1,2,3]', parse_error: 'INVALID_ARGUMENT' },
  },
  'lua/utils-basics.lua': {
    result: {
      uuid_ok: true, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      md5: '5d41402abc4b2a76b9719d911017c592', slept_enough: true, bad_algorithm: 'INVALID_ARGUMENT',
    },
  },
  'js/utils-basics.js': {
    result: {
      uuid_ok: true, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      sha1: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d', slept_enough: true, bad_algorithm: 'INVALID_ARGUMENT',
    },
  },
  'lua/logger-levels.lua': {
    result: { imported: 2, skipped: 1 },
    stdout: [/^imported 2, skipped 1$/m],
    // Lua tables have no key order, so the data's JSON is matched field by field.
    stderr: [
      /^\[info\] starting import \{(?=.*"source":"orders\.csv")(?=.*"rows":3).*\}$/,
      /^\[warn\] skipping a malformed row \{"row":3\}$/,
      /^\[error\] upstream refused the login \{(?=.*"password":"\[REDACTED\]")(?=.*"user":"ada").*\}$/,
    ],
    never: ['hunter2', 'cache lookup'],
  },
  'js/logger-levels.js': {
    result: { steps: 3 },
    stdout: [/^steps: fetch -> parse -> render$/m],
    stderr: [
      /^\[info\] job started \{"job":"nightly-report","attempt":1\}$/,
      /^\[warn\] slowest step \{"step":"(fetch|parse|render)"\}$/,
      /^\[error\] webhook failed \{"status":503,"token":"\[REDACTED\]"\}$/,
    ],
    never: ['tok-should-not-appear', 'only shown with --verbose'],
  },
  'lua/mcp-tools.lua': {
    config: mcpConfig,
    result: { server: 'fixture', echoed: 'echo: hello over MCP', as_tool: 'echo: hello as a tool', bad_argument: 'INVALID_ARGUMENT' },
    stdout: [/^fixture offers: .*\becho\b/m],
  },
  'js/mcp-tools.js': {
    config: mcpConfig,
    result: { server: 'fixture', echoed: 'echo: hello over MCP', as_tool: 'echo: hello as a tool', bad_argument: 'INVALID_ARGUMENT' },
    stdout: [/^fixture offers: .*\becho\b/m],
  },
  'lua/config-read.lua': {
    env: { LLMSPELL_SCRIPT_TIMEOUT: '45' },
    result: { timeout: 45, backend: 'sqlite', has_runtime: true, has_nonsense: false, fallback: 'default' },
  },
  'js/config-read.js': {
    env: { LLMSPELL_ALLOW_NETWORK_ACCESS: 'false' },
    result: { can_fetch: false, timeout: 300, has_security: true, fallback: 'default' },
    stdout: [/^network is off: using the cached copy$/m],
  },
  'lua/args-greeting.lua': {
    args: ['Ada', 'Grace', '--greeting', 'Hi', '--times', '2', '--shout'],
    result: { count: 2, lines: ['HI, ADA!', 'HI, GRACE!'], times: 2, shout: true },
    stdout: [/^HI, ADA!\nHI, ADA!\nHI, GRACE!\nHI, GRACE!$/m],
  },
  'js/args-greeting.js': {
    args: ['Ada', 'Grace', '--greeting', 'Hi', '--shout'],
    result: { count: 2, lines: ['HI, ADA!', 'HI, GRACE!'], shout: true },
  },
};

const EXAMPLES_DIR = path.join(repoRoot, 'examples');
const DIRS: Array<{ dir: string; language: string; ext: string }> = [
  { dir: 'lua', language: 'lua', ext: '.lua' },
  { dir: 'js', language: 'javascript', ext: '.js' },
];

function exampleFiles(): string[] {
  return DIRS.flatMap(({ dir, ext }) => fs.readdirSync(path.join(EXAMPLES_DIR, dir)).filter((f) => f.endsWith(ext)).map((f) => `${dir}/${f}`)).sort();
}

/** The script's returned value: the CLI prints it as JSON on the last stdout line. */
function returned(run: CliRun): unknown {
  const last = run.stdout.trimEnd().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`the last stdout line is not JSON: ${last}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
}

type StartMock = (options?: { replies?: unknown[] }) => Promise<MockLlmServer>;
let startMockLlmServer: StartMock;

beforeAll(async () => {
  ({ startMockLlmServer } = (await import(AGENTS_TESTING)) as { startMockLlmServer: StartMock });
});

describe('examples', () => {
  test('every example file has an expectation here, and every expectation a file', () => {
    expect(exampleFiles()).toEqual(Object.keys(EXAMPLES).sort());
  });

  test('every global the runtime builds has a Lua and a JavaScript example', async () => {
    const runtime = await LlmspellRuntime.create();
    try {
      for (const { dir, language, ext } of DIRS) {
        const globals = Object.keys(runtime.buildGlobals({ language })).sort();
        expect(globals.length).toBeGreaterThan(5);
        const files = fs.readdirSync(path.join(EXAMPLES_DIR, dir));
        const missing = globals.filter((g) => !files.some((f) => f.startsWith(`${g.toLowerCase()}-`) && f.endsWith(ext)));
        expect({ language, missing }).toEqual({ language, missing: [] });
      }
    } finally {
      await runtime.close();
    }
  });

  test.each(Object.keys(EXAMPLES).sort())('%s runs and returns what it promises', async (name) => {
    const spec = EXAMPLES[name];
    // A server per example, so one example's unused replies cannot leak into the next.
    const server = await startMockLlmServer({ replies: spec.replies ?? [] });
    let run: CliRun;
    try {
      const cwd = scratch();
      if (spec.config) write(cwd, 'llmspell.toml', spec.config);
      run = await cli(['run', path.join(EXAMPLES_DIR, name), ...(spec.args ? ['--', ...spec.args] : [])], {
        cwd,
        env: {
          LLMSPELL_STATE_BACKEND: 'sqlite',
          OPENAI_BASE_URL: server.openaiBaseUrl,
          OPENAI_API_KEY: 'test-key',
          LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true',
          ...spec.env,
        },
        timeoutMs: 90_000,
      });
    } finally {
      await server.close();
    }
    expect({ code: run.code, stderr: spec.stderr ? '(checked below)' : run.stderr }).toEqual({ code: 0, stderr: spec.stderr ? '(checked below)' : '' });
    expect(returned(run)).toEqual(spec.result);
    for (const re of spec.stdout ?? []) expect(run.stdout).toMatch(re);
    if (spec.stderr) {
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(spec.stderr.length);
      spec.stderr.forEach((re, i) => expect(lines[i]).toMatch(re));
    }
    for (const secret of spec.never ?? []) expect(run.stdout + run.stderr).not.toContain(secret);
    // Agent examples used exactly the scripted replies; the others never called a model.
    expect({ pending: server.pending(), requests: server.requests.length }).toEqual({ pending: 0, requests: spec.replies?.length ?? 0 });
    if (spec.prompts) expect(server.requests.map((r) => r.lastUserText)).toEqual(spec.prompts);
  }, 120_000);
});
