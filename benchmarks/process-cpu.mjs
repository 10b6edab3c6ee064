// Shared by the benches that time whole `llmspell` processes: their CPU, read from /proc.
import fs from 'node:fs';

/** CPU time (ms) of this process's waited-for children so far; NaN where /proc is missing. */
export function childrenCpuMs() {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) * (1000 / 100); // cutime, cstime (fields 16, 17)
  } catch {
    return NaN;
  }
}
