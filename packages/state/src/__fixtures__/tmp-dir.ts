import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory per call, all removed when `cleanup` runs. */
export function tempDirs(): { make: (label?: string) => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    make: (label = 'state') => {
      const dir = mkdtempSync(join(tmpdir(), `llmspell-${label}-`));
      made.push(dir);
      return dir;
    },
    cleanup: () => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
