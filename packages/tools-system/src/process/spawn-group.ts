import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core';

const TOOL = 'process_executor';

/**
 * Finds an executable the way `execvp` would, on absolute PATH entries only (a relative entry
 * such as `.` would run whatever a script wrote into its working directory). Returns the
 * absolute path, or throws NOT_FOUND.
 */
export function findExecutable(executable: string, searchPath: string | undefined): string {
  const isFile = (p: string) => {
    try {
      const st = fs.statSync(p);
      if (!st.isFile()) return false;
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (executable.includes('/')) {
    if (path.isAbsolute(executable) && isFile(executable)) return executable;
  } else {
    for (const dir of (searchPath ?? '').split(path.delimiter)) {
      if (!path.isAbsolute(dir)) continue;
      const candidate = path.join(dir, executable);
      if (isFile(candidate)) return candidate;
    }
  }
  throw new LlmspellError('NOT_FOUND', `${TOOL}: executable '${executable}' not found`, { details: { executable } });
}

/**
 * The child runs as the leader of a new process group (a new session, `detached`), so the
 * whole tree it starts can be killed at once. A watcher in that group, started by the same
 * `sh` that then `exec`s the program, waits for end-of-file on fd 3, whose other end only
 * this process holds, and kills the group when it comes. That end closes when the run ends,
 * when the host kills the group on a timeout, and when the host itself dies in any way (even
 * SIGKILL, or a worker thread terminated by a watchdog): no grandchild outlives its run.
 * Only a process that leaves the group on purpose (`setsid`) escapes; no default command can.
 */
export const GROUP_WATCHER_SCRIPT = '( while read -r _ <&3; do :; done; kill -9 0 ) </dev/null >/dev/null 2>&1 & exec "$0" "$@" 3<&-';

export interface GroupChild {
  child: ChildProcess;
  /** Kills the child and everything it started (idempotent). */
  killGroup(): void;
  /** Stops listening on the watcher pipe, which makes the watcher kill what is left of the group. */
  release(): void;
}

export function spawnInGroup(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; stdin: 'ignore' | 'pipe' },
): GroupChild {
  if (process.platform === 'win32') {
    // No process groups or POSIX sh: the child alone is killed.
    const child = spawn(file, [...args], { cwd: options.cwd, env: options.env, shell: false, windowsHide: true, stdio: [options.stdin, 'pipe', 'pipe'] });
    return { child, killGroup: () => void child.kill('SIGKILL'), release: () => undefined };
  }
  const child = spawn('/bin/sh', ['-c', GROUP_WATCHER_SCRIPT, file, ...args], {
    cwd: options.cwd,
    env: options.env,
    shell: false,
    detached: true,
    stdio: [options.stdin, 'pipe', 'pipe', 'pipe'],
  });
  const watcherPipe = child.stdio[3] as NodeJS.ReadWriteStream & { destroy(): void } | null;
  watcherPipe?.on('error', () => undefined);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    watcherPipe?.destroy();
  };
  const killGroup = () => {
    // Signal the group while the watcher still holds its id, so the id cannot have been
    // reused by another process group; then let the watcher go.
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone
      }
    }
    release();
  };
  return { child, killGroup, release };
}
