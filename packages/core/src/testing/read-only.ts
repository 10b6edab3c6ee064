import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Makes a file or directory unwritable even for root (who ignores permission bits): the
 * immutable attribute when running as root, plain permissions otherwise. Returns the undo.
 */
export function makeReadOnly(path: string): () => void {
  if (isRoot) {
    execFileSync('chattr', ['+i', path]);
    return () => execFileSync('chattr', ['-i', path]);
  }
  const mode = statSync(path).mode;
  chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
  return () => chmodSync(path, mode);
}
