import {
  type ExecutionContext, LlmspellError, type VerifiedDirectory, type VerifiedFile, linkStaysInside, tempName,
} from '@llmspell/core';
import { io, throwIfAborted } from './fs-helpers.js';

/**
 * Copies an open source file into `dir` as `name`: a temp file created beside the target
 * (never through a link), filled from the source descriptor, then renamed over the target.
 * Reads at most `limit` bytes; a source that grows past it fails the copy.
 */
export async function copyFileInto(src: VerifiedFile, dir: VerifiedDirectory, name: string, limit: number, ctx: ExecutionContext, display: string): Promise<number> {
  ctx.policy.checkSize(`file ${display}`, src.stat.size, limit);
  const tmp = tempName(name);
  const out = await dir.openFile(tmp, 'create', src.stat.mode & 0o777);
  let total = 0;
  try {
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await src.handle.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        ctx.policy.checkSize(`file ${display}`, total, limit);
        await out.handle.write(buf, 0, bytesRead);
      }
    } finally {
      await out.close();
    }
    await dir.renameTo(tmp, dir, name);
  } catch (error) {
    await dir.unlink(tmp).catch(() => undefined);
    throw error;
  }
  return total;
}

export interface CopyStats {
  files: number;
  bytes: number;
  links: number;
  skipped: Array<{ path: string; reason: string }>;
}

/**
 * Copies the tree under `from` into `to`, one descriptor at a time: nothing is ever reached
 * through a link. Symlinks are skipped (`links: 'skip'`) or recreated as they are
 * (`'copy'`, for a move across devices; the caller re-checks where they point).
 * Files the policy protects (`.env`, loaded configs) are skipped and reported.
 */
export async function copyTree(
  ctx: ExecutionContext,
  from: VerifiedDirectory,
  to: VerifiedDirectory,
  options: { limit: number; links: 'skip' | 'copy'; tool: string },
): Promise<CopyStats> {
  const stats: CopyStats = { files: 0, bytes: 0, links: 0, skipped: [] };
  const walk = async (src: VerifiedDirectory, dst: VerifiedDirectory, rel: string): Promise<void> => {
    throwIfAborted(ctx, options.tool);
    for (const entry of (await src.readdir()).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = entry.name;
      const relName = rel ? `${rel}/${name}` : name;
      const st = await src.lstat(name);
      if (!st) continue; // vanished while copying
      if (st.isSymbolicLink()) {
        if (options.links === 'copy') {
          await io(relName, async () => dst.symlink(await src.readlink(name), name));
          stats.links += 1;
        } else stats.skipped.push({ path: relName, reason: 'symbolic link (never followed)' });
        continue;
      }
      if (st.isDirectory()) {
        const childSrc = await io(relName, () => src.openDirectory(name));
        try {
          const childDst = await io(relName, () => dst.openDirectory(name, { create: true }));
          try {
            await walk(childSrc, childDst, relName);
          } finally {
            await childDst.close();
          }
        } finally {
          await childSrc.close();
        }
        continue;
      }
      if (!st.isFile()) {
        stats.skipped.push({ path: relName, reason: 'not a regular file' });
        continue;
      }
      let file: VerifiedFile;
      try {
        file = await src.openFile(name, 'read');
      } catch (error) {
        if (error instanceof LlmspellError && error.code === 'PATH_NOT_ALLOWED') {
          stats.skipped.push({ path: relName, reason: error.message });
          continue;
        }
        throw error;
      }
      try {
        stats.bytes += file.stat.size;
        ctx.policy.checkSize('total size of the copied directory', stats.bytes, ctx.policy.maxExtractBytes);
        await io(relName, () => copyFileInto(file, dst, name, options.limit, ctx, relName));
        stats.files += 1;
      } finally {
        await file.close();
      }
    }
  };
  await walk(from, to, '');
  return stats;
}

/**
 * The symlinks at or below `name` in `dir` whose target, read from where they now are, leads
 * outside the allowed roots (relative paths, from the root of the walk).
 */
export async function escapingLinks(ctx: ExecutionContext, dir: VerifiedDirectory, name: string): Promise<string[]> {
  const allowed = (real: string) => ctx.policy.files.insideRoots(real);
  const bad: string[] = [];
  const visit = async (parent: VerifiedDirectory, entry: string, rel: string): Promise<void> => {
    const st = await parent.lstat(entry);
    if (!st) return;
    if (st.isSymbolicLink()) {
      if (!linkStaysInside(allowed, parent.realPath, await parent.readlink(entry), { absolute: 'resolve' })) bad.push(rel);
      return;
    }
    if (!st.isDirectory()) return;
    const child = await parent.openDirectory(entry);
    try {
      for (const e of await child.readdir()) await visit(child, e.name, `${rel}/${e.name}`);
    } finally {
      await child.close();
    }
  };
  await visit(dir, name, name);
  return bad;
}
