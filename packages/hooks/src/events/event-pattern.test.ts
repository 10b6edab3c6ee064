import { compileEventPattern } from './event-pattern.js';

const cases: Array<[string, string[], string[]]> = [
  ['*', ['a', 'a.b.c'], []],
  ['**', ['a', 'a.b'], []],
  ['agent.started', ['agent.started'], ['agent.started.x', 'agent.start']],
  ['agent.*', ['agent.started', 'agent.state.saved'], ['agent', 'agents.x', 'tool.started']],
  ['agent*', ['agent', 'agents', 'agent.x.y'], ['tool']],
  ['*.completed', ['tool.completed', 'agent.completed'], ['workflow.step.completed', 'completed']],
  ['workflow.*.completed', ['workflow.step.completed'], ['workflow.completed', 'workflow.a.b.completed']],
  ['workflow.**.completed', ['workflow.completed', 'workflow.step.completed', 'workflow.a.b.completed'], ['workflow.failed']],
  ['**.failed', ['failed', 'tool.failed', 'workflow.step.failed'], ['tool.failed.x']],
  ['tool.**', ['tool', 'tool.a', 'tool.a.b'], ['tools.a']],
  ['tool.{started,completed}', ['tool.started', 'tool.completed'], ['tool.failed']],
  ['t?ol.started', ['tool.started', 'tXol.started'], ['tl.started', 't.ol.started']],
  ['agent.[ab]x', ['agent.ax', 'agent.bx'], ['agent.cx']],
  ['agent.[!ab]x', ['agent.cx'], ['agent.ax']],
  ['a+b.c(d)', ['a+b.c(d)'], ['aab.cd']],
];

describe('event patterns', () => {
  test.each(cases)('%s', (pattern, yes, no) => {
    const m = compileEventPattern(pattern);
    for (const t of yes) expect([t, m(t)]).toEqual([t, true]);
    for (const t of no) expect([t, m(t)]).toEqual([t, false]);
  });
  test('the empty pattern is valid and matches nothing', () => {
    const m = compileEventPattern('');
    for (const t of ['', 'a', 'a.b', '*']) expect([t, m(t)]).toEqual([t, false]);
  });
  test('invalid patterns are INVALID_ARGUMENT', () => {
    expect(() => compileEventPattern(3 as unknown as string)).toThrow(/INVALID_ARGUMENT/);
    expect(() => compileEventPattern('a.{b,c')).toThrow(/unclosed \{/);
    expect(() => compileEventPattern('a.[bc')).toThrow(/unclosed \[/);
  });
});

test('wildcard-heavy patterns match in linear time', () => {
  const match = compileEventPattern(`${'*a'.repeat(40)}*b`);
  expect(match('a'.repeat(5000))).toBe(false);
  expect(match(`${'a'.repeat(5000)}b`)).toBe(true);
});
