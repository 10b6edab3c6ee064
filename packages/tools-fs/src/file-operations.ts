import path from 'node:path';
import { aliasOf, type ExecutionContext, LlmspellError, type LocatedEntry, type VerifiedDirectory, defineTool, readCapped, z } from '@llmspell/core';
import { errnoCode, fsError, io, isInside, maxFileBytes, missing, normaliseOperation, statType, throwIfAborted } from './fs-helpers.js';
import { copyFileInto, copyTree, escapingLinks } from './tree-ops.js';

const TOOL = 'file_operations';

const OPERATIONS: Record<string, string> = {
  read: 'read',
  write: 'write',
  append: 'append',
  delete: 'delete', remove: 'delete', rm: 'delete',
  create_dir: 'create_dir', mkdir: 'create_dir', create_directory: 'create_dir',
  list_dir: 'list_dir', ls: 'list_dir', dir: 'list_dir', list: 'list_dir',
  copy: 'copy', cp: 'copy',
  move: 'move', mv: 'move', rename: 'move',
  metadata: 'metadata', stat: 'metadata', info: 'metadata',
  exists: 'exists',
};

/** Listing stops after this many entries (result says `truncated`). */
const MAX_LIST_ENTRIES = 10_000;
const MAX_LIST_DEPTH = 20;

const parameters = z.object({
  operation: z.string().describe('read | write | append | delete | create_dir (mkdir, create_directory) | list_dir (ls, dir, list) | copy (cp) | move (mv, rename) | metadata (stat, info) | exists'),
  path: z.string().optional().describe('File or directory the operation works on'),
  input: z.string().optional().describe('Content for write/append'),
  content: aliasOf('input'),
  source_path: z.string().optional().describe('Source for copy/move (defaults to path)'),
  target_path: z.string().optional().describe('Destination for copy/move'),
  destination: aliasOf('target_path'),
  recursive: z.boolean().default(false).describe('create_dir: create parents; delete: remove non-empty directories; list_dir: descend; copy: copy directories'),
});

type Params = z.infer<typeof parameters>;

async function listDir(ctx: ExecutionContext, root: VerifiedDirectory, recursive: boolean) {
  const entries: Array<Record<string, unknown>> = [];
  let truncated = false;
  // Subdirectories are opened through their parent's descriptor and never through a link.
  const walk = async (dir: VerifiedDirectory, rel: string, depth: number): Promise<void> => {
    throwIfAborted(ctx, TOOL);
    const names = (await io(rel || '.', () => dir.readdir())).map((d) => d.name).sort();
    for (const name of names) {
      if (entries.length >= MAX_LIST_ENTRIES) {
        truncated = true;
        return;
      }
      const st = await dir.lstat(name).catch(() => undefined);
      if (!st) continue; // vanished while listing
      const type = statType(st);
      const relName = rel ? path.join(rel, name) : name;
      entries.push({ name, path: relName, type, size: st.size, modified: st.mtime.toISOString() });
      if (recursive && type === 'directory' && depth < MAX_LIST_DEPTH) {
        const child = await dir.openDirectory(name).catch(() => undefined);
        if (!child) continue; // replaced or removed meanwhile
        try {
          await walk(child, relName, depth + 1);
        } finally {
          await child.close();
        }
      }
    }
  };
  await walk(root, '', 0);
  return { entries, truncated };
}

/** Whether `input` names an existing directory (following checked links); false when absent. */
async function isDirectory(ctx: ExecutionContext, input: string, parameter: string): Promise<boolean> {
  try {
    return (await ctx.policy.stat(input, { parameter })).stat.isDirectory();
  } catch (error) {
    if (error instanceof LlmspellError && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

/**
 * After a move, every symlink that moved must still lead inside the allowed roots from where
 * it now is (a relative link moved to a shallower place can point outside). A move that would
 * break this is undone and refused.
 */
async function recheckMovedLinks(ctx: ExecutionContext, from: LocatedEntry, to: LocatedEntry, src: string): Promise<void> {
  const bad = await escapingLinks(ctx, to.dir, to.name);
  if (bad.length === 0) return;
  try {
    await to.dir.renameTo(to.name, from.dir, from.name);
  } catch {
    // Cannot undo (the old name was taken meanwhile): remove the links that now escape.
    for (const rel of bad) {
      const parts = rel.split('/');
      const parent = parts.length > 1 ? await to.dir.openPath(parts.slice(0, -1)).catch(() => undefined) : to.dir;
      await parent?.unlink(parts[parts.length - 1]).catch(() => undefined);
      if (parent && parent !== to.dir) await parent.close();
    }
  }
  throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: moving ${src} would leave symbolic links pointing outside the allowed roots (${bad.slice(0, 5).join(', ')}); refused`, {
    details: { links: bad },
  });
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  const needPath = (): string => {
    if (!p.path) throw missing(TOOL, 'path', operation);
    return p.path;
  };
  const limit = maxFileBytes(ctx);
  const fsync = ctx.settings.fsync === true;

  switch (operation) {
    case 'read': {
      const input = needPath();
      const { data, realPath } = await ctx.policy.readFile(input, { parameter: 'path', maxBytes: limit });
      return {
        operation,
        message: `Read ${data.length} bytes from ${input}`,
        result: data.toString('utf8'),
        metadata: { file_path: realPath, file_size: data.length },
      };
    }
    case 'write':
    case 'append': {
      const input = needPath();
      const content = p.input ?? p.content;
      if (content === undefined) throw missing(TOOL, 'input', operation);
      const added = Buffer.from(content, 'utf8');
      // One verified directory for the read and the write: a concurrent move cannot redirect either.
      const entry = await ctx.policy.locate(input, { parameter: 'path', createParents: true });
      let written: number;
      try {
        if (entry.stat?.isDirectory()) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'path': ${input} is a directory`);
        let data = added;
        if (operation === 'append' && entry.stat) {
          const existing = await entry.dir.openFile(entry.name, 'read');
          try {
            data = Buffer.concat([await readCapped(existing, limit, input), added]);
          } finally {
            await existing.close();
          }
        }
        ctx.policy.checkSize(`content for ${input}`, data.length, limit);
        const mode = entry.stat?.isFile() ? entry.stat.mode & 0o7777 : 0o666;
        await io(input, () => entry.dir.writeAtomic(entry.name, data, { mode, fsync }));
        written = data.length;
      } finally {
        await entry.dir.close();
      }
      return {
        operation,
        message: operation === 'write' ? `Wrote ${written} bytes to ${input}` : `Appended ${added.length} bytes to ${input}`,
        result: { path: entry.realPath, bytes_written: added.length, file_size: written },
        metadata: { file_path: entry.realPath, file_size: written },
      };
    }
    case 'delete': {
      const input = needPath();
      // The link itself is deleted, never what it points to.
      const entry = await ctx.policy.locate(input, { parameter: 'path', followLinks: false });
      try {
        const st = entry.stat;
        if (!st) throw new LlmspellError('NOT_FOUND', `${input}: no such file or directory`);
        if (st.isDirectory()) await io(input, () => (p.recursive ? entry.dir.removeTree(entry.name, ctx.signal) : entry.dir.rmdir(entry.name)));
        else await io(input, () => entry.dir.unlink(entry.name));
        return { operation, message: `Deleted ${input}`, result: { path: entry.realPath, deleted: true, type: statType(st) }, metadata: { file_path: entry.realPath } };
      } finally {
        await entry.dir.close();
      }
    }
    case 'create_dir': {
      const input = needPath();
      // Idempotent like the reference (ensure_dir): an existing directory is success, an existing file is not.
      const { realPath, created } = await ctx.policy.mkdir(input, { parameter: 'path', recursive: p.recursive });
      return {
        operation,
        message: created ? `Created directory ${input}` : `Directory ${input} already exists`,
        result: { path: realPath, created },
        metadata: { file_path: realPath },
      };
    }
    case 'list_dir': {
      const input = needPath();
      const dir = await ctx.policy.openDirectory(input, { parameter: 'path' });
      try {
        const { entries, truncated } = await listDir(ctx, dir, p.recursive);
        return {
          operation,
          message: `Listed ${entries.length} entries in ${input}`,
          result: entries,
          metadata: { file_path: dir.realPath, count: entries.length, truncated },
        };
      } finally {
        await dir.close();
      }
    }
    case 'copy': {
      const src = p.source_path ?? p.path;
      const dst = p.target_path ?? p.destination;
      if (!src) throw missing(TOOL, 'source_path', operation);
      if (!dst) throw missing(TOOL, 'target_path', operation);
      const srcParam = p.source_path ? 'source_path' : 'path';
      const dstParam = p.target_path ? 'target_path' : 'destination';
      const info = await ctx.policy.stat(src, { parameter: srcParam });
      const target = (await isDirectory(ctx, dst, dstParam)) ? path.join(dst, path.basename(info.realPath)) : dst;
      if (info.stat.isDirectory()) {
        if (!p.recursive) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'recursive' must be true to copy the directory ${src}`);
        if (isInside(ctx.policy.resolvePath(target, dstParam), info.realPath)) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: cannot copy ${src} into itself`);
        // Copies hold no links: a copied link could point elsewhere from its new place.
        const from = await ctx.policy.openDirectory(src, { parameter: srcParam });
        try {
          const to = await ctx.policy.openDirectory(target, { parameter: dstParam, create: true });
          try {
            const stats = await copyTree(ctx, from, to, { limit, links: 'skip', tool: TOOL });
            return {
              operation,
              message: `Copied ${stats.files} files from ${src} to ${dst}`,
              result: { source: from.realPath, target: to.realPath, files: stats.files, bytes: stats.bytes, skipped: stats.skipped.map((s) => s.path) },
              metadata: { file_path: to.realPath },
            };
          } finally {
            await to.close();
          }
        } finally {
          await from.close();
        }
      }
      // A file (or a link to one): its content is copied, read through a verified descriptor.
      const file = await ctx.policy.openFile(src, { parameter: srcParam, mode: 'read' });
      try {
        const entry = await ctx.policy.locate(target, { parameter: dstParam });
        try {
          if (entry.stat?.isDirectory()) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter '${dstParam}': ${dst} is a directory`);
          const bytes = await io(dst, () => copyFileInto(file, entry.dir, entry.name, limit, ctx, src));
          return { operation, message: `Copied ${src} to ${dst}`, result: { source: file.realPath, target: entry.realPath, bytes }, metadata: { file_path: entry.realPath, file_size: bytes } };
        } finally {
          await entry.dir.close();
        }
      } finally {
        await file.close();
      }
    }
    case 'move': {
      const src = p.source_path ?? p.path;
      const dst = p.target_path ?? p.destination;
      if (!src) throw missing(TOOL, 'source_path', operation);
      if (!dst) throw missing(TOOL, 'target_path', operation);
      const srcParam = p.source_path ? 'source_path' : 'path';
      const dstParam = p.target_path ? 'target_path' : 'destination';
      // A link is moved as a link; both parents are held open, so neither path can be swapped.
      const from = await ctx.policy.locate(src, { parameter: srcParam, followLinks: false });
      try {
        if (!from.stat) throw new LlmspellError('NOT_FOUND', `${src}: no such file or directory`);
        const target = (await isDirectory(ctx, dst, dstParam)) ? path.join(dst, from.name) : dst;
        const to = await ctx.policy.locate(target, { parameter: dstParam, followLinks: false });
        try {
          if (isInside(to.realPath, from.realPath)) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: cannot move ${src} into itself`);
          try {
            await from.dir.renameTo(from.name, to.dir, to.name);
          } catch (error) {
            if (errnoCode(error) !== 'EXDEV') throw fsError(error, `${src} -> ${dst}`);
            await moveAcrossDevices(ctx, from, to, limit);
          }
          await recheckMovedLinks(ctx, from, to, src);
          return { operation, message: `Moved ${src} to ${dst}`, result: { source: from.realPath, target: to.realPath }, metadata: { file_path: to.realPath } };
        } finally {
          await to.dir.close();
        }
      } finally {
        await from.dir.close();
      }
    }
    case 'metadata': {
      const input = needPath();
      const { realPath, stat: st, isLink } = await ctx.policy.stat(input, { parameter: 'path' });
      const result = {
        path: realPath,
        size: st.size,
        type: statType(st),
        is_file: st.isFile(),
        is_dir: st.isDirectory(),
        is_symlink: isLink,
        created: st.birthtime.toISOString(),
        modified: st.mtime.toISOString(),
        accessed: st.atime.toISOString(),
        permissions: (st.mode & 0o7777).toString(8).padStart(4, '0'),
        readonly: (st.mode & 0o222) === 0,
      };
      return { operation, result, metadata: { file_path: realPath, file_size: st.size } };
    }
    case 'exists': {
      const input = needPath();
      const real = ctx.policy.resolvePath(input, 'path');
      let exists = true;
      try {
        await ctx.policy.stat(input, { parameter: 'path' });
      } catch (error) {
        if (!(error instanceof LlmspellError && error.code === 'NOT_FOUND')) throw error;
        exists = false;
      }
      return { operation, result: exists, metadata: { file_path: real, exists } };
    }
    default:
      throw new LlmspellError('INTERNAL', `${TOOL}: unhandled operation ${operation}`);
  }
}

/** A rename across file systems: copy (links kept as they are, re-checked after), then remove the source. */
async function moveAcrossDevices(ctx: ExecutionContext, from: LocatedEntry, to: LocatedEntry, limit: number): Promise<void> {
  const st = from.stat!;
  if (st.isSymbolicLink()) {
    await to.dir.symlink(await from.dir.readlink(from.name), to.name);
  } else if (st.isDirectory()) {
    const srcDir = await from.dir.openDirectory(from.name);
    try {
      const dstDir = await to.dir.openDirectory(to.name, { create: true });
      try {
        await copyTree(ctx, srcDir, dstDir, { limit, links: 'copy', tool: TOOL });
      } finally {
        await dstDir.close();
      }
    } finally {
      await srcDir.close();
    }
  } else {
    const file = await from.dir.openFile(from.name, 'read');
    try {
      await copyFileInto(file, to.dir, to.name, limit, ctx, from.realPath);
    } finally {
      await file.close();
    }
  }
  await from.dir.removeTree(from.name, ctx.signal);
}

export const fileOperationsTool = defineTool({
  name: TOOL,
  aliases: ['file-operations', 'file-operations-tool'],
  description: 'Sandboxed file operations: read, write, append, delete, create_dir, list_dir, copy, move, metadata, exists',
  outputSchema: z.union([
    z.string().describe('read: the file as UTF-8 text'),
    z.boolean().describe('exists'),
    z.array(z.object({ name: z.string(), path: z.string().describe('Relative to the listed directory'), type: z.string(), size: z.number(), modified: z.string() }))
      .describe('list_dir (metadata.truncated is true past 10,000 entries)'),
    z.object({
      path: z.string(), size: z.number(), type: z.string(), is_file: z.boolean(), is_dir: z.boolean(), is_symlink: z.boolean(), created: z.string(),
      modified: z.string(), accessed: z.string(), permissions: z.string().describe('Octal, e.g. 0644'), readonly: z.boolean(),
    }).describe('metadata'),
    z.object({ path: z.string(), bytes_written: z.number(), file_size: z.number() }).describe('write, append'),
    z.object({ path: z.string(), deleted: z.boolean(), type: z.string() }).describe('delete'),
    z.object({ path: z.string(), created: z.boolean().describe('False when it existed already') }).describe('create_dir'),
    z.object({ source: z.string(), target: z.string(), files: z.number(), bytes: z.number(), skipped: z.array(z.string()).describe('Links and special files not copied') })
      .describe('copy of a directory'),
    z.object({ source: z.string(), target: z.string(), bytes: z.number() }).describe('copy of a file'),
    z.object({ source: z.string(), target: z.string() }).describe('move'),
  ]),
  category: 'filesystem',
  securityLevel: 'privileged',
  tags: ['file', 'filesystem', 'read', 'write'],
  parameters,
  examples: [
    { description: 'Write a file (parent folders are created)', params: { operation: 'write', path: 'notes/today.txt', input: 'Buy milk\n' } },
    { description: 'Read it back', params: { operation: 'read', path: 'notes/today.txt' } },
    { description: 'List a folder', params: { operation: 'list_dir', path: 'notes' } },
  ],
  execute: run,
});
