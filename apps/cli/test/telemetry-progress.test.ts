/**
 * The progress line on a terminal: what runs now (workflow › step › tool), for how long, the
 * run's time so far, and the one-line summary at the end. Runs on jest's clock: the line is
 * redrawn every 100 ms, so moving the clock draws it.
 */
import type { CliIo } from '../src/io.js';
import type { GlobalFlags } from '../src/parse-args.js';
import { startProgress } from '../src/progress.js';

const { jest } = import.meta as unknown as { jest: typeof globalThis.jest };

const FLAGS: GlobalFlags = { output: 'text', verbose: false, quiet: false, help: false, version: false };

function terminal(env: Record<string, string> = {}): { io: CliIo; written: string[]; shown(): string } {
  const written: string[] = [];
  const io: CliIo = { stdout() {}, stderr: (t) => written.push(t), isTTY: true, env, cwd: '/' };
  // What a terminal shows on the status line: the text after the last line reset.
  const shown = () => written.join('').split('\r\u001b[K').pop() ?? '';
  return { io, written, shown };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

test('shows the current step and tool inside their workflow with their own time and the run time; ends with one summary line', () => {
  const { io, shown } = terminal();
  const progress = startProgress(io, FLAGS, true);
  expect(progress.active).toBe(true);
  progress.event('workflow.started', { component: 'nightly' });
  jest.advanceTimersByTime(200);
  expect(shown()).toMatch(/^. workflow nightly: starting 0\.2s · 0\.2s$/);
  progress.event('workflow.step.started', { component: 'nightly.fetch' });
  jest.advanceTimersByTime(1000);
  expect(shown()).toMatch(/^. workflow nightly › step 1 fetch 1\.0s · 1\.2s$/);
  progress.event('tool.started', { component: 'web_fetch', attempt: 1 });
  jest.advanceTimersByTime(2100);
  expect(shown()).toMatch(/^. workflow nightly › step 1 fetch › tool web_fetch 2\.1s · 3\.3s$/);
  // A retry of the same call is not a second call.
  progress.event('tool.started', { component: 'web_fetch', attempt: 2 });
  progress.event('tool.completed', { component: 'web_fetch' });
  progress.event('workflow.step.started', { component: 'nightly.summarize' });
  progress.event('agent.started', { component: 'writer' });
  jest.advanceTimersByTime(500);
  expect(shown()).toMatch(/^. workflow nightly › step 2 summarize › agent writer: waiting for the model 0\.5s · 3\.8s$/);
  progress.event('agent.completed', { component: 'writer' });
  progress.event('workflow.completed', { component: 'nightly' });
  progress.event('run.summary', {
    run_id: 'mx8abc0def12', status: 'ok', duration_ms: 3812, steps: 2, tool_calls: 1, agent_calls: 1, errors: 0,
    tokens: { input: 800, output: 12, total: 812 }, cost_usd: 0.0012, history: true,
  });
  expect(shown()).toBe('✓ 2 steps, 1 tool call, 1 agent call, 812 tokens, $0.0012, 3.81s · llmspell runs show mx8abc0def12\n');
  progress.stop();
});

test('parallel calls of one tool each keep their own line entry; a failed run ends with ✗ and its error count', () => {
  const { io, shown } = terminal();
  const progress = startProgress(io, FLAGS, true);
  progress.event('tool.started', { component: 'web_fetch' });
  jest.advanceTimersByTime(1000);
  progress.event('tool.started', { component: 'web_fetch' });
  jest.advanceTimersByTime(300);
  expect(shown()).toMatch(/tool web_fetch 0\.3s · 1\.3s$/);
  progress.event('tool.failed', { component: 'web_fetch' });
  jest.advanceTimersByTime(100);
  expect(shown()).toMatch(/tool web_fetch 0\.4s · 1\.4s$/);
  progress.event('tool.completed', { component: 'web_fetch' });
  jest.advanceTimersByTime(100);
  expect(shown()).toBe('');
  progress.event('run.summary', {
    run_id: 'mx8abc0def13', status: 'error', duration_ms: 1500, steps: 0, tool_calls: 2, agent_calls: 1, errors: 1,
    tokens: { input: 0, output: 0, total: 0 }, cost_usd: null, history: false,
  });
  expect(shown()).toBe('✗ 0 steps, 2 tool calls, 1 agent call, 1 error, 0 tokens, 1.50s\n');
  progress.stop();
});

test('a plain script (no workflow, no agent) gets no summary; nothing is drawn after stop', () => {
  const { io, written } = terminal();
  const progress = startProgress(io, FLAGS, true);
  progress.event('tool.started', { component: 'calculator' });
  progress.event('tool.completed', { component: 'calculator' });
  progress.event('run.summary', {
    run_id: 'mx8abc0def14', status: 'ok', duration_ms: 12, steps: 0, tool_calls: 1, agent_calls: 0, errors: 0,
    tokens: { input: 0, output: 0, total: 0 }, cost_usd: null, history: true,
  });
  progress.stop();
  const before = written.length;
  progress.event('tool.started', { component: 'calculator' });
  jest.advanceTimersByTime(1000);
  expect(written.slice(before)).toEqual([]);
  expect(written.join('')).not.toContain('tool call');
});

test('off with --quiet, with --output json, with LLMSPELL_PROGRESS=0, on a dumb terminal and when stderr is no terminal', () => {
  expect(startProgress(terminal().io, { ...FLAGS, quiet: true }, true).active).toBe(false);
  expect(startProgress(terminal().io, { ...FLAGS, output: 'json' }, true).active).toBe(false);
  expect(startProgress(terminal({ LLMSPELL_PROGRESS: '0' }).io, FLAGS, true).active).toBe(false);
  expect(startProgress(terminal({ TERM: 'dumb' }).io, FLAGS, true).active).toBe(false);
  expect(startProgress(terminal().io, FLAGS, false).active).toBe(false);
  // LLMSPELL_PROGRESS=1 without a terminal: one plain line per step, no redrawn status line.
  const { io, written } = terminal({ LLMSPELL_PROGRESS: '1' });
  const progress = startProgress(io, FLAGS, false);
  progress.event('workflow.started', { component: 'nightly' });
  progress.event('workflow.step.started', { component: 'nightly.fetch' });
  jest.advanceTimersByTime(1000);
  progress.stop();
  expect(written).toEqual(['workflow nightly: step 1 fetch\n']);
});
