import { LineJoiningOutput } from './line-joining-output.js';

function recorder() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, output: { stdout: (t: string) => void lines.push(t), stderr: (t: string) => void errors.push(t) } };
}

describe('LineJoiningOutput', () => {
  test('text without a line end joins the next printed line; flush prints the rest once', () => {
    const r = recorder();
    const out = new LineJoiningOutput(r.output);
    out.write('a');
    out.write('b\nc');
    expect(r.lines).toEqual(['ab']);
    out.stdout('d');
    out.stderr('e');
    out.write('f\n\ng');
    out.flush();
    out.flush();
    expect(r.lines).toEqual(['ab', 'cd', 'f', '', 'g']);
    expect(r.errors).toEqual(['e']);
  });

  test('a line that never ends is printed in bounded pieces', () => {
    const r = recorder();
    const out = new LineJoiningOutput(r.output);
    for (let i = 0; i < 1000; i++) out.write('x'.repeat(1000));
    out.flush();
    expect(r.lines.join('')).toBe('x'.repeat(1_000_000));
    expect(Math.max(...r.lines.map((l) => l.length))).toBeLessThanOrEqual(64 * 1024);
  });
});
