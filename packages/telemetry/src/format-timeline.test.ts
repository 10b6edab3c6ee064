import { escapeControls, formatRunTimeline } from './format-timeline.js';
import type { RunRecord } from './run-history.js';

const ESC = '\x1b';

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'r1', trace_id: '0'.repeat(32), script: 'main.lua', status: 'error', error_code: 'SCRIPT_ERROR',
    error: `main.lua:2: bad${ESC}[31mred`, started_at: '2026-01-01T00:00:00.000Z', duration_ms: 5,
    steps: 0, tool_calls: 0, agent_calls: 0, errors: 1, tokens: { input: 0, output: 0, total: 0 }, cost_usd: null,
    spans: 1, dropped_spans: 0, exported: false, content_captured: false,
    span_tree: [{
      id: 'a'.repeat(16), name: `run ${ESC}[2Jmain.lua`, kind: 'run', start: 0, end: 5, status: 'error',
      error: { code: 'SCRIPT_ERROR', message: `boom\u009b31m` },
      attributes: {},
      events: [{ name: `ev${ESC}]0;PWNED\x07${ESC}[2J`, time: 1, attributes: { 'llmspell.event.type': `t\r\x7f` } }],
    }],
    ...overrides,
  } as RunRecord;
}

describe('formatRunTimeline', () => {
  test('writes the control characters of run data as visible escapes, keeping newlines and tabs', () => {
    expect(escapeControls(`a${ESC}[2J\tb\nc\x00\x7f\u0085\u009b`)).toBe('a\\x1b[2J\tb\nc\\x00\\x7f\\x85\\x9b');
    const text = formatRunTimeline(run());
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(text).toContain('ev\\x1b]0;PWNED\\x07\\x1b[2J');
    expect(text).toContain('bad\\x1b[31mred');
    expect(text).toContain('run \\x1b[2Jmain.lua');
    expect(text).toContain('boom\\x9b31m');
    expect(text).toContain('t\\x0d\\x7f');
    expect(text.endsWith('\n')).toBe(true);
  });

  test('a run without spans is escaped too', () => {
    expect(formatRunTimeline(run({ span_tree: [] }))).toContain('bad\\x1b[31mred');
  });
});
