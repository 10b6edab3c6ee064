import type { ScriptOutput } from '@llmspell/core';

/** A line that never ends (a progress bar of io.write) is printed in pieces of this size, so it cannot grow the host's memory. */
const MAX_PENDING = 64 * 1024;

/**
 * Text a script writes without a line end (Lua's `io.write`) is held until its line ends, and
 * then printed as one line with whatever `print` adds to it. Output stays whole lines, so
 * secret redaction, which works a line at a time, sees a secret written in two pieces. The
 * owner calls `flush` when a run ends, so a last line without a line end is still printed.
 */
export class LineJoiningOutput implements ScriptOutput {
  private pending = '';

  constructor(private readonly inner: ScriptOutput) {}

  stdout(text: string): void {
    if (this.pending) {
      text = this.pending + text;
      this.pending = '';
    }
    this.inner.stdout(text);
  }

  stderr(text: string): void {
    this.inner.stderr(text);
  }

  write(text: string): void {
    let rest = this.pending + text;
    let nl: number;
    while ((nl = rest.indexOf('\n')) !== -1) {
      this.inner.stdout(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
    while (rest.length > MAX_PENDING) {
      this.inner.stdout(rest.slice(0, MAX_PENDING));
      rest = rest.slice(MAX_PENDING);
    }
    this.pending = rest;
  }

  flush(): void {
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.inner.stdout(text);
  }
}
