/**
 * Wall-clock marks of a cold start, for finding where it goes (`LLMSPELL_START_MARKS=1`):
 * each process writes `[start] <epoch ms> <pid> <cpu ms> <mark>` lines to stderr (the CPU time
 * this process has used so far), so the CLI's and its script host's marks line up on one
 * clock. Off, a mark costs one property read.
 */
const enabled = process.env.LLMSPELL_START_MARKS === '1';

export function startMark(name: string): void {
  if (!enabled) return;
  const cpu = process.cpuUsage();
  process.stderr.write(`[start] ${(performance.timeOrigin + performance.now()).toFixed(1)} ${process.pid} ${((cpu.user + cpu.system) / 1000).toFixed(1)} ${name}\n`);
}

/** Marks the moment this process (`main` or `host`) started: Node's own time origin. */
export function markProcessStart(role: 'main' | 'host'): void {
  if (!enabled) return;
  process.stderr.write(`[start] ${performance.timeOrigin.toFixed(1)} ${process.pid} 0 ${role}: process start\n`);
}
