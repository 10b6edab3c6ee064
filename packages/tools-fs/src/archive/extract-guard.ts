import fs from 'node:fs';
import path from 'node:path';
import { type ExecutionContext, LlmspellError } from '@llmspell/core';
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
 * Follows `linkpath` from the directory `fromDir` component by component, reading
 * symlinks on disk as it goes, and reports whether every step stays inside `root`.
 * Lexical checks alone are not enough: with `d -> .`, the target `d/..` looks inside but
 * really is the parent of the root.
 */
export function symlinkStaysInside(root: string, fromDir: string, linkpath: string, hopsLeft = 40): boolean {
  if (path.isAbsolute(linkpath)) return false;
  let current = fromDir;
  const parts = linkpath.split(/[\\/]+/).filter((s) => s.length > 0 && s !== '.');
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    if (part === '..') {
      current = path.dirname(current);
      if (!isInside(current, root)) return false;
      continue;
    }
    const next = path.join(current, part);
    if (!isInside(next, root)) return false;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(next);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink()) {
      if (hopsLeft <= 0) return false;
      const target = fs.readlinkSync(next);
      if (path.isAbsolute(target)) return false;
      // Resolve the link first, then continue with the remaining parts from where it lands.
      const rest = parts.slice(i + 1).join('/');
      return symlinkStaysInside(root, current, rest ? `${target}/${rest}` : target, hopsLeft - 1);
    }
    current = next;
  }
  return isInside(current, root);
}

/**
 * Counts what an extraction writes and decides where each entry may go. Every byte is
 * counted as it streams, so a lying header cannot sneak a bomb past the limits.
 */
export class ExtractGuard {
  entries = 0;
  bytes = 0;
  readonly symlinks: Array<{ dest: string; linkpath: string; name: string }> = [];
  readonly skipped: Array<{ name: string; reason: string }> = [];

  constructor(
    private readonly ctx: ExecutionContext,
    readonly limits: ExtractLimits,
    /** The (real) directory entries are written to. */
    readonly root: string,
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
   * Where entry `name` goes: refuses absolute names and names that leave the root
   * (lexically, or through anything already on disk), and checks the policy too.
   */
  resolveEntry(name: string): string {
    const clean = name.replace(/\\/g, '/');
    if (clean.startsWith('/') || /^[A-Za-z]:/.test(clean)) throw pathRefused(name, 'has an absolute path');
    const full = path.resolve(this.root, clean);
    if (!isInside(full, this.root)) throw pathRefused(name, 'resolves outside the target directory');
    if (full === this.root) return full; // "./" — callers treat the root itself as a directory
    const real = this.ctx.policy.resolvePath(full, 'target_path');
    if (!isInside(real, this.root)) throw pathRefused(name, 'resolves through a link outside the target directory');
    return full;
  }

  /** Records a symlink; links are created after all files so no write can go through one. */
  addSymlink(name: string, dest: string, linkpath: string): void {
    if (linkpath.length === 0) throw pathRefused(name, 'is a symlink with an empty target');
    if (path.isAbsolute(linkpath) || /^[A-Za-z]:/.test(linkpath)) throw pathRefused(name, `is a symlink to the absolute path ${linkpath}`);
    if (!isInside(path.resolve(path.dirname(dest), linkpath), this.root)) {
      throw pathRefused(name, `is a symlink pointing outside the target directory (${linkpath})`);
    }
    this.symlinks.push({ name, dest, linkpath });
  }

  /** Creates the recorded symlinks and verifies each one, following chains on disk. */
  createSymlinks(): void {
    for (const link of this.symlinks) {
      fs.mkdirSync(path.dirname(link.dest), { recursive: true });
      fs.rmSync(link.dest, { force: true, recursive: true });
      fs.symlinkSync(link.linkpath, link.dest);
    }
    for (const link of this.symlinks) {
      if (!symlinkStaysInside(this.root, path.dirname(link.dest), link.linkpath)) {
        throw pathRefused(link.name, `is a symlink that resolves outside the target directory (${link.linkpath})`);
      }
    }
  }
}
