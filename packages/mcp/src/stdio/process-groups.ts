/**
 * Every MCP server process group this process (any of its threads) started and has not yet
 * seen end. When the process exits, whatever is left is killed: a server must not outlive
 * llmspell. (A worker thread that is terminated runs no exit hook; the guard shell around each
 * server covers that case, see stdio-process-transport.ts.)
 */
const live = new Set<number>();
let hooked = false;

function killAll(): void {
  for (const pgid of live) killGroup(pgid, 'SIGKILL');
  live.clear();
}

/** Sends `signal` to a whole process group; a group that is already gone is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function trackGroup(pgid: number): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
  }
  live.add(pgid);
}

export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}

/** Process groups started and not yet ended (for tests and `llmspell mcp list`). */
export function liveGroups(): number[] {
  return [...live];
}
