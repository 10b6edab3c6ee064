import fsp from 'node:fs/promises';
import path from 'node:path';
import { type ExecutionContext, LlmspellError, defineTool, z } from '@llmspell/core';
import {
  atomicWrite, errnoCode, fsError, io, isInside, maxFileBytes, missing, normaliseOperation, readFileLimited, renameOrCopy,
  statType, tempSibling, throwIfAborted,
} from './fs-helpers.js';

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
  content: z.string().optional().describe('Alias of input (DOC spelling)'),
  source_path: z.string().optional().describe('Source for copy/move (defaults to path)'),
  target_path: z.string().optional().describe('Destination for copy/move'),
  destination: z.string().optional().describe('Alias of target_path'),
  recursive: z.boolean().default(false).describe('create_dir: create parents; delete: remove non-empty directories; list_dir: descend; copy: copy directories'),
});

type Params = z.infer<typeof parameters>;

/**
 * Resolves the parent through the policy and keeps the last component as is, so an
 * operation on a symlink (delete, move) acts on the link and not on what it points to.
 */
function resolveLeaf(ctx: ExecutionContext, input: string, parameter: string): string {
  const absolute = path.resolve(ctx.policy.cwd, input);
  const parent = ctx.policy.resolvePath(path.dirname(absolute), parameter);
  return path.join(parent, path.basename(absolute));
}

function refuseRoot(ctx: ExecutionContext, real: string, input: string, parameter: string): void {
  if (ctx.policy.allowedRoots.includes(real)) {
    throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: parameter '${parameter}': ${input} is an allowed root directory and cannot be deleted or moved`, {
      details: { parameter, path: input },
    });
  }
}

async function listDir(ctx: ExecutionContext, real: string, recursive: boolean) {
  const entries: Array<Record<string, unknown>> = [];
  let truncated = false;
  const walk = async (dir: string, depth: number): Promise<void> => {
    throwIfAborted(ctx, TOOL);
    const names = (await io(dir, () => fsp.readdir(dir))).sort();
    for (const name of names) {
      if (entries.length >= MAX_LIST_ENTRIES) {
        truncated = true;
        return;
      }
      const full = path.join(dir, name);
      let st;
      try {
        st = await fsp.lstat(full);
      } catch {
        continue; // vanished while listing
      }
      const type = statType(st);
      entries.push({
        name,
        path: path.relative(real, full),
        type,
        size: st.size,
        modified: st.mtime.toISOString(),
      });
      if (recursive && type === 'directory' && depth < MAX_LIST_DEPTH) await walk(full, depth + 1);
    }
  };
  await walk(real, 0);
  return { entries, truncated };
}

/** Copies a tree without following symlinks (they could point outside the allowed roots). */
async function copyTree(ctx: ExecutionContext, from: string, to: string, limit: number) {
  const root = to;
  const skipped: string[] = [];
  let files = 0;
  let bytes = 0;
  const walk = async (src: string, dst: string): Promise<void> => {
    throwIfAborted(ctx, TOOL);
    // The destination may already hold links; every path we write must still resolve inside.
    if (!isInside(ctx.policy.resolvePath(dst, 'target_path'), root)) {
      throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: ${dst} resolves outside the copy target through an existing link`);
    }
    const st = await fsp.lstat(src);
    if (st.isSymbolicLink() || !(st.isDirectory() || st.isFile())) {
      skipped.push(path.relative(from, src) || path.basename(src));
      return;
    }
    if (st.isDirectory()) {
      await fsp.mkdir(dst, { recursive: true });
      for (const name of await fsp.readdir(src)) await walk(path.join(src, name), path.join(dst, name));
      return;
    }
    ctx.policy.checkSize(`file ${src}`, st.size, limit);
    bytes += st.size;
    ctx.policy.checkSize('total size of the copied directory', bytes, ctx.policy.maxExtractBytes);
    await copyFileAtomic(src, dst);
    files += 1;
  };
  await walk(from, to);
  return { files, bytes, skipped };
}

async function copyFileAtomic(src: string, dst: string): Promise<void> {
  const tmp = tempSibling(dst);
  try {
    await fsp.copyFile(src, tmp);
    await fsp.rename(tmp, dst);
  } catch (error) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  const needPath = (): string => {
    if (!p.path) throw missing(TOOL, 'path', operation);
    return p.path;
  };
  const limit = maxFileBytes(ctx);

  switch (operation) {
    case 'read': {
      const input = needPath();
      const real = ctx.policy.resolvePath(input, 'path');
      const data = await readFileLimited(real, limit, ctx, input);
      return {
        operation,
        message: `Read ${data.length} bytes from ${input}`,
        result: data.toString('utf8'),
        metadata: { file_path: real, file_size: data.length },
      };
    }
    case 'write':
    case 'append': {
      const input = needPath();
      const content = p.input ?? p.content;
      if (content === undefined) throw missing(TOOL, 'input', operation);
      const real = ctx.policy.resolvePath(input, 'path');
      let data = Buffer.from(content, 'utf8');
      if (operation === 'append') {
        try {
          const existing = await readFileLimited(real, limit, ctx, input);
          data = Buffer.concat([existing, data]);
        } catch (error) {
          if (!(error instanceof LlmspellError && error.code === 'NOT_FOUND')) throw error;
        }
      }
      const written = await atomicWrite(real, data, ctx, input, { createParents: true });
      return {
        operation,
        message: operation === 'write' ? `Wrote ${written} bytes to ${input}` : `Appended ${Buffer.byteLength(content)} bytes to ${input}`,
        result: { path: real, bytes_written: Buffer.byteLength(content), file_size: written },
        metadata: { file_path: real, file_size: written },
      };
    }
    case 'delete': {
      const input = needPath();
      const real = ctx.policy.resolvePath(input, 'path');
      refuseRoot(ctx, real, input, 'path');
      const leaf = resolveLeaf(ctx, input, 'path');
      const lst = await io(input, () => fsp.lstat(leaf));
      if (lst.isSymbolicLink()) {
        await io(input, () => fsp.unlink(leaf));
      } else if (lst.isDirectory()) {
        await io(input, () => (p.recursive ? fsp.rm(real, { recursive: true }) : fsp.rmdir(real)));
      } else {
        await io(input, () => fsp.unlink(real));
      }
      return { operation, message: `Deleted ${input}`, result: { path: real, deleted: true, type: statType(lst) }, metadata: { file_path: real } };
    }
    case 'create_dir': {
      const input = needPath();
      const real = ctx.policy.resolvePath(input, 'path');
      // Idempotent like the reference (ensure_dir): an existing directory is success, an existing file is not.
      const existing = await fsp.stat(real).catch(() => undefined);
      if (existing?.isDirectory()) {
        return { operation, message: `Directory ${input} already exists`, result: { path: real, created: false }, metadata: { file_path: real } };
      }
      if (p.recursive) await io(input, () => fsp.mkdir(real, { recursive: true }));
      else await io(input, () => fsp.mkdir(real));
      return { operation, message: `Created directory ${input}`, result: { path: real, created: true }, metadata: { file_path: real } };
    }
    case 'list_dir': {
      const input = needPath();
      const real = ctx.policy.resolvePath(input, 'path');
      const st = await io(input, () => fsp.stat(real));
      if (!st.isDirectory()) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'path': ${input} is not a directory`);
      const { entries, truncated } = await listDir(ctx, real, p.recursive);
      return {
        operation,
        message: `Listed ${entries.length} entries in ${input}`,
        result: entries,
        metadata: { file_path: real, count: entries.length, truncated },
      };
    }
    case 'copy': {
      const src = p.source_path ?? p.path;
      const dst = p.target_path ?? p.destination;
      if (!src) throw missing(TOOL, 'source_path', operation);
      if (!dst) throw missing(TOOL, 'target_path', operation);
      const from = ctx.policy.resolvePath(src, p.source_path ? 'source_path' : 'path');
      let to = ctx.policy.resolvePath(dst, p.target_path ? 'target_path' : 'destination');
      const st = await io(src, () => fsp.stat(from));
      const targetIsDir = await fsp.stat(to).then((s) => s.isDirectory(), () => false);
      if (targetIsDir) to = ctx.policy.resolvePath(path.join(to, path.basename(from)), p.target_path ? 'target_path' : 'destination');
      if (st.isDirectory()) {
        if (!p.recursive) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'recursive' must be true to copy the directory ${src}`);
        if (isInside(to, from)) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: cannot copy ${src} into itself`);
        const stats = await copyTree(ctx, from, to, limit);
        return { operation, message: `Copied ${stats.files} files from ${src} to ${dst}`, result: { source: from, target: to, ...stats }, metadata: { file_path: to } };
      }
      ctx.policy.checkSize(`file ${src}`, st.size, limit);
      await io(dst, () => copyFileAtomic(from, to));
      return { operation, message: `Copied ${src} to ${dst}`, result: { source: from, target: to, bytes: st.size }, metadata: { file_path: to, file_size: st.size } };
    }
    case 'move': {
      const src = p.source_path ?? p.path;
      const dst = p.target_path ?? p.destination;
      if (!src) throw missing(TOOL, 'source_path', operation);
      if (!dst) throw missing(TOOL, 'target_path', operation);
      const srcParam = p.source_path ? 'source_path' : 'path';
      const fromReal = ctx.policy.resolvePath(src, srcParam);
      refuseRoot(ctx, fromReal, src, srcParam);
      const from = resolveLeaf(ctx, src, srcParam);
      let to = ctx.policy.resolvePath(dst, p.target_path ? 'target_path' : 'destination');
      await io(src, () => fsp.lstat(from));
      const targetIsDir = await fsp.stat(to).then((s) => s.isDirectory(), () => false);
      if (targetIsDir) to = ctx.policy.resolvePath(path.join(to, path.basename(from)), p.target_path ? 'target_path' : 'destination');
      if (isInside(to, fromReal)) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: cannot move ${src} into itself`);
      await io(`${src} -> ${dst}`, () => renameOrCopy(from, to));
      return { operation, message: `Moved ${src} to ${dst}`, result: { source: from, target: to }, metadata: { file_path: to } };
    }
    case 'metadata': {
      const input = needPath();
      const real = ctx.policy.resolvePath(input, 'path');
      const st = await io(input, () => fsp.stat(real));
      let isLink = false;
      if (!ctx.policy.allowedRoots.includes(real)) {
        isLink = await fsp.lstat(resolveLeaf(ctx, input, 'path')).then((s) => s.isSymbolicLink(), () => false);
      }
      const result = {
        path: real,
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
      return { operation, result, metadata: { file_path: real, file_size: st.size } };
    }
    case 'exists': {
      const input = needPath();
      const real = ctx.policy.resolvePath(input, 'path');
      let exists = true;
      try {
        await fsp.stat(real);
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw fsError(error, input);
        exists = false;
      }
      return { operation, result: exists, metadata: { file_path: real, exists } };
    }
    default:
      throw new LlmspellError('INTERNAL', `${TOOL}: unhandled operation ${operation}`);
  }
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
