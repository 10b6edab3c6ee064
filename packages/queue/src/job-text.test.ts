import { clipText, printable } from './job-text.js';

describe('clipText', () => {
  it('keeps short text, cuts long text to the limit with a note, never inside a character, and cutting again changes nothing', () => {
    expect(clipText('short', 100)).toBe('short');
    const cut = clipText('é'.repeat(10_000), 1000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1000);
    expect(cut).toMatch(/^é+… \[\d+ more bytes cut\]$/);
    expect(Buffer.byteLength(cut.replace(/… \[.*$/, '')) + Number(/\[(\d+)/.exec(cut)![1])).toBe(20_000);
    expect(clipText(cut, 1000)).toBe(cut);
  });
});

describe('printable', () => {
  it('escapes control characters, line separators and bidirectional overrides, and nothing else', () => {
    expect(printable('\u001b[31mRED\u001b[0m\n[worker wA] job 99 completed\r\t\u0000\u007f\u009b\u2028\u202e')).toBe(
      '\\x1b[31mRED\\x1b[0m\\n[worker wA] job 99 completed\\r\\t\\x00\\x7f\\x9b\\u2028\\u202e',
    );
    expect(printable('job.lua — ünïcode ✓')).toBe('job.lua — ünïcode ✓');
  });
});
