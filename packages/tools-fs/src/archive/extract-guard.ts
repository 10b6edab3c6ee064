import path from 'node:path';
import { type ExecutionContext, LlmspellError, type VerifiedDirectory, linkStaysInside } from '@llmspell/core';
import { isInside } from '../fs-helpers.js';

export interface ExtractLimits {
  /** Total uncompressed bytes all entries may write. */
  maxBytes: number;
  /** Most entries an archive may hold. */
  maxEntries: number;
  /** Largest single entry. */
  maxEntryBytes: number;
  /** Largest uncompressed/compressed ratio tolerated once `ratioMinBytes` are out. */
  maxRatio: number;
  ratioMinBytes: number;
}

export const DEFAULT_MAX_RATIO = 200;
export const DEFAULT_RATIO_MIN_BYTES = 1024 * 1024;

export function extractLimits(ctx: ExecutionContext, maxEntryBytes: number): ExtractLimits {
  const s = ctx.settings;
  const num = (v: unknown, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  return {
    maxBytes: ctx.policy.maxExtractBytes,
    maxEntries: Math.min(num(s.max_files, ctx.policy.maxExtractEntries), ctx.policy.maxExtractEntries),
    maxEntryBytes,
    maxRatio: num(s.max_compression_ratio, DEFAULT_MAX_RATIO),
    ratioMinBytes: num(s.ratio_check_min_bytes, DEFAULT_RATIO_MIN_BYTES),
  };
}

function pathRefused(name: string, why: string): LlmspellError {
  return new LlmspellError('PATH_NOT_ALLOWED', `archive entry '${name}' ${why}; refused (zip-slip protection)`, {
    details: { entry: name, reason: why },
  });
}

/**
 * Counts what an extraction writes and decides where each entry may go. Every byte is
 * counted as it streams, so a lying header cannot sneak a bomb past the limits.
 */
export class ExtractGuard {
  entries = 0;
  bytes = 0;
  readonly symlinks: Array<{ parts: string[]; linkpath: string; name: string }> = [];
  readonly skipped: Array<{ name: string; reason: string }> = [];
  private cached: { key: string; dir: VerifiedDirectory } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly limits: ExtractLimits,
    /** The verified (staging) directory entries are written to. */
    readonly root: VerifiedDirectory,
  ) {}

  countEntry(name: string): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `archive has more than ${this.limits.maxEntries} entries (at '${name}'); possible zip bomb`, {
        details: { limit: this.limits.maxEntries },
      });
    }
  }

  /** Adds `chunk` bytes of entry `name`, which has now produced `entryBytes` in total. */
  addBytes(chunk: number, entryBytes: number, name: string, compressedSize?: number): void {
    this.bytes += chunk;
    if (entryBytes > this.limits.maxEntryBytes) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `archive entry '${name}' expands past ${this.limits.maxEntryBytes} bytes (file size limit)`, {
        details: { entry: name, limit: this.limits.maxEntryBytes },
      });
    }
    if (this.bytes > this.limits.maxBytes) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `archive expands past ${this.limits.maxBytes} bytes (max extract size); possible zip bomb`, {
        details: { limit: this.limits.maxBytes, entry: name },
      });
    }
    if (compressedSize !== undefined) this.checkRatio(entryBytes, compressedSize, `archive entry '${name}'`);
  }

  checkRatio(uncompressed: number, compressed: number, what: string): void {
    if (uncompressed < this.limits.ratioMinBytes) return;
    const ratio = uncompressed / Math.max(compressed, 1);
    if (ratio > this.limits.maxRatio) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${what} has a compression ratio over ${this.limits.maxRatio}:1; possible zip bomb`, {
        details: { ratio: Math.round(ratio), limit: this.limits.maxRatio },
      });
    }
  }

  /**
   * Where entry `name` goes, as path components below the staging directory (empty for the
   * root itself). Absolute names and names that leave the root are refused; anything already
   * on disk is never followed, since every component is opened with O_NOFOLLOW.
   */
  entryParts(name: string): string[] {
    const clean = name.replace(/\\/g, '/');
    if (clean.startsWith('/') || /^[A-Za-z]:/.test(clean)) throw pathRefused(name, 'has an absolute path');
    const normal = path.posix.normalize(clean);
    if (normal === '..' || normal.startsWith('../')) throw pathRefused(name, 'resolves outside the target directory');
    return normal.split('/').filter((s) => s.length > 0 && s !== '.');
  }

  /** Runs entry work one piece at a time (entries share the open directory cache). */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The (created) directory holding entry `parts`; the last one is kept open for the next entry. */
  async parentOf(parts: readonly string[]): Promise<VerifiedDirectory> {
    const key = parts.slice(0, -1).join('/');
    if (this.cached?.key === key) return this.cached.dir;
    const dir = await this.root.openPath(parts.slice(0, -1), { create: true });
    await this.cached?.dir.close();
    this.cached = { key, dir };
    return dir;
  }

  async makeDirectory(parts: readonly string[]): Promise<void> {
    if (parts.length === 0) return;
    await (await this.root.openPath(parts, { create: true })).close();
  }

  /** Records a symlink; links are created after all files so no write can go through one. */
  addSymlink(name: string, parts: string[], linkpath: string): void {
    if (linkpath.length === 0) throw pathRefused(name, 'is a symlink with an empty target');
    if (path.isAbsolute(linkpath) || /^[A-Za-z]:/.test(linkpath)) throw pathRefused(name, `is a symlink to the absolute path ${linkpath}`);
    const lexical = path.posix.normalize(path.posix.join(parts.slice(0, -1).join('/') || '.', linkpath.replace(/\\/g, '/')));
    if (lexical === '..' || lexical.startsWith('../')) {
      throw pathRefused(name, `is a symlink pointing outside the target directory (${linkpath})`);
    }
    if (parts.length === 0) throw pathRefused(name, 'is a symlink in place of the target directory');
    this.symlinks.push({ name, parts, linkpath });
  }

  /** Creates the recorded symlinks and verifies each one, following chains on disk. */
  async createSymlinks(): Promise<void> {
    for (const link of this.symlinks) {
      const dir = await this.parentOf(link.parts);
      const leaf = link.parts[link.parts.length - 1];
      if (await dir.lstat(leaf)) await dir.removeTree(leaf);
      await dir.symlink(link.linkpath, leaf);
    }
    await this.verifySymlinks(this.root);
  }

  /**
   * Checks every extracted link from where it is now under `root` (the staging directory, then
   * the final target); a link leading outside is removed and the extraction refused.
   */
  async verifySymlinks(root: VerifiedDirectory): Promise<void> {
    const inside = (real: string) => isInside(real, root.realPath);
    for (const link of this.symlinks) {
      const dir = await root.openPath(link.parts.slice(0, -1)).catch(() => undefined);
      if (!dir) continue; // replaced by a later entry
      try {
        const leaf = link.parts[link.parts.length - 1];
        const st = await dir.lstat(leaf);
        if (!st?.isSymbolicLink()) continue;
        if (!linkStaysInside(inside, dir.realPath, link.linkpath)) {
          await dir.unlink(leaf).catch(() => undefined);
          throw pathRefused(link.name, `is a symlink that resolves outside the target directory (${link.linkpath})`);
        }
      } finally {
        await dir.close();
      }
    }
  }

  async close(): Promise<void> {
    await this.cached?.dir.close();
    this.cached = undefined;
  }
}
