import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { aliasOf, type ExecutionContext, LlmspellError, type VerifiedDirectory, type VerifiedFile, defineTool, linkStaysInside, tempName, z } from '@llmspell/core';
import {
  emptyTableAsList, errnoCode, fsError, io, isInside, maxFileBytes, missing, normaliseOperation, stringList, throwIfAborted,
} from '../fs-helpers.js';
import { ExtractGuard, extractLimits } from './extract-guard.js';
import { createTarArchive, extractTar, listTar } from './tar.js';
import type { SourceFile } from './types.js';
import { createZip, extractZip, listZip } from './zip.js';

const TOOL = 'archive_handler';

type Format = 'zip' | 'tar' | 'tar.gz';

const OPERATIONS: Record<string, string> = {
  extract: 'extract', unpack: 'extract', decompress: 'extract',
  create: 'create', pack: 'create', compress: 'create',
  list: 'list', ls: 'list',
};

const FORMATS: Record<string, Format> = { zip: 'zip', tar: 'tar', 'tar.gz': 'tar.gz', tgz: 'tar.gz', gz: 'tar.gz', gzip: 'tar.gz' };

const parameters = z.object({
  operation: z.string().describe('extract | create | list'),
  path: z.string().optional().describe('The archive file; its extension (.zip, .tar, .tar.gz, .tgz) sets the format'),
  archive_path: aliasOf('path'),
  target_path: z.string().optional().describe('extract: destination directory (default: a directory named after the archive, beside it)'),
  output_path: z.string().optional().describe('Alias: extract destination, or the archive to write for create (DOC spelling)'),
  input: z.preprocess(emptyTableAsList, z.union([z.array(z.string()), z.string()])).optional().describe('create: files and directories to add'),
  source_path: aliasOf('input', z.preprocess(emptyTableAsList, z.union([z.array(z.string()), z.string()]))),
  files: aliasOf('input', z.preprocess(emptyTableAsList, z.array(z.string()))),
  base_dir: z.string().optional().describe('create: names in the archive are relative to this directory (default: the common parent of the inputs)'),
  format: z.string().optional().describe('Overrides the format from the extension: zip | tar | tar.gz | tgz'),
});

type Params = z.infer<typeof parameters>;

export function detectFormat(file: string, explicit?: string): Format {
  if (explicit) {
    const f = FORMATS[explicit.toLowerCase().replace(/^\./, '')];
    if (!f) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'format': unsupported format '${explicit}' (zip, tar, tar.gz, tgz)`);
    return f;
  }
  const lower = file.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.gz')) return 'tar.gz';
  if (lower.endsWith('.tar')) return 'tar';
  throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'path': cannot tell the archive format of ${file} (use .zip, .tar, .tar.gz or .tgz, or set format)`, {
    details: { parameter: 'path' },
  });
}

function stripArchiveExtension(file: string): string {
  return file.replace(/(\.tar\.gz|\.tgz|\.tar|\.zip|\.gz)$/i, '') || `${file}.d`;
}

function commonParent(paths: string[]): string {
  let base = path.dirname(paths[0]);
  for (const p of paths.slice(1)) {
    while (!isInside(p, base)) base = path.dirname(base);
  }
  return base;
}

/**
 * Collects what goes into a new archive, checking entry count and total size up front. Each
 * input is reached through its own verified directory (its parent, or itself when it is an
 * allowed root) and walked through descriptors, never through a link; names in the archive
 * are relative to `base`. Files the policy protects (`.env`, loaded configs) are left out and
 * reported. The anchors stay open until the archive is written.
 */
async function collectSources(ctx: ExecutionContext, base: string, reals: string[], inputs: string[], param: string, anchors: VerifiedDirectory[]) {
  const files: SourceFile[] = [];
  const skipped: string[] = [];
  let total = 0;
  const limitBytes = maxFileBytes(ctx);
  const seen = new Set<string>();
  const add = async (dir: VerifiedDirectory, anchor: number, parts: string[]): Promise<void> => {
    throwIfAborted(ctx, TOOL);
    const leaf = parts[parts.length - 1];
    const real = dir.display(leaf);
    const key = path.relative(base, real).split(path.sep).join('/');
    if (seen.has(key)) return; // listed twice, or a file inside a listed directory
    seen.add(key);
    const st = await dir.lstat(leaf);
    if (!st) throw new LlmspellError('NOT_FOUND', `${TOOL}: ${key}: no such file or directory`);
    if (st.isSymbolicLink() || !(st.isFile() || st.isDirectory()) || ctx.policy.files.protectedReason(real, st)) {
      skipped.push(key);
      return;
    }
    if (files.length >= ctx.policy.maxExtractEntries) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${TOOL}: more than ${ctx.policy.maxExtractEntries} files to archive`);
    }
    files.push({
      real,
      anchor,
      parts,
      name: st.isDirectory() ? `${key}/` : key,
      type: st.isDirectory() ? 'directory' : 'file',
      size: st.isFile() ? st.size : 0,
      mtime: st.mtime,
      mode: st.mode & 0o777,
    });
    if (st.isFile()) {
      total += st.size;
      ctx.policy.checkSize('total size of the files to archive', total, limitBytes);
      return;
    }
    const child = await dir.openDirectory(leaf);
    try {
      for (const e of (await child.readdir()).map((d) => d.name).sort()) await add(child, anchor, [...parts, e]);
    } finally {
      await child.close();
    }
  };
  for (const [i, real] of reals.entries()) {
    const name = reals.length > 1 ? `${param}[${i}]` : param;
    if (!isInside(real, base)) {
      throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter '${name}': ${inputs[i]} is not inside base_dir`);
    }
    const isRoot = ctx.policy.allowedRoots.includes(real);
    const anchorDir = await ctx.policy.openDirectory(isRoot ? real : path.dirname(real), { parameter: name });
    anchors.push(anchorDir);
    const anchor = anchors.length - 1;
    if (isRoot || real === base) {
      // Archiving the base (or a whole root) itself: its children, named relative to base.
      const dir = isRoot ? anchorDir : await anchorDir.openDirectory(path.basename(real));
      try {
        for (const e of (await dir.readdir()).map((d) => d.name).sort()) {
          await add(dir, anchor, isRoot ? [e] : [path.basename(real), e]);
        }
      } finally {
        if (dir !== anchorDir) await dir.close();
      }
    } else {
      await add(anchorDir, anchor, [path.basename(real)]);
    }
  }
  return { files, skipped, total };
}

/** Opens a collected source through its anchor's descriptor, one component at a time, never through a link. */
async function openSource(anchors: VerifiedDirectory[], f: SourceFile): Promise<VerifiedFile> {
  const dir = await anchors[f.anchor].openPath(f.parts.slice(0, -1));
  try {
    return await dir.openFile(f.parts[f.parts.length - 1], 'read');
  } catch (error) {
    throw fsError(error, f.name);
  } finally {
    await dir.close();
  }
}

/**
 * Moves everything from `staging` into `target`, merging directories. An existing link in the
 * target is replaced by a file only when it stays inside the target; a directory is never
 * merged into a link.
 */
async function mergeInto(staging: VerifiedDirectory, target: VerifiedDirectory, top: VerifiedDirectory, rel: string): Promise<void> {
  for (const { name } of await staging.readdir()) {
    const relName = rel ? `${rel}/${name}` : name;
    const src = await staging.lstat(name);
    const dst = await target.lstat(name);
    if (!src) continue;
    if (dst?.isSymbolicLink()) {
      const inside = (real: string) => isInside(real, top.realPath);
      if (src.isDirectory() || !linkStaysInside(inside, target.realPath, await target.readlink(name))) {
        throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: ${relName} resolves outside the target directory through an existing link; refused (zip-slip protection)`, {
          details: { entry: relName },
        });
      }
    }
    if (src.isDirectory() && dst?.isDirectory()) {
      const from = await staging.openDirectory(name);
      try {
        const to = await target.openDirectory(name);
        try {
          await mergeInto(from, to, top, relName);
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
      continue;
    }
    if (dst && (dst.isDirectory() || src.isDirectory())) await io(relName, () => target.removeTree(name));
    await io(relName, () => staging.renameTo(name, target, name));
  }
}

async function extract(p: Params, ctx: ExecutionContext, archive: VerifiedFile, archiveInput: string, format: Format) {
  const targetInput = p.target_path ?? p.output_path ?? stripArchiveExtension(archive.realPath);
  const targetParam = p.target_path ? 'target_path' : p.output_path ? 'output_path' : 'path';
  const target = await ctx.policy.openDirectory(targetInput, { parameter: targetParam, create: true });
  const stagingName = `.llmspell-extract-${randomBytes(6).toString('hex')}`;
  let guard: ExtractGuard | undefined;
  try {
    const staging = await target.openDirectory(stagingName, { create: true, mode: 0o700 });
    guard = new ExtractGuard(extractLimits(ctx, maxFileBytes(ctx)), staging);
    try {
      if (format === 'zip') await extractZip(archive.handle, archiveInput, guard, ctx.signal);
      else await extractTar(archive.handle, archiveInput, format === 'tar.gz', guard, ctx.signal);
      await guard.serial(() => guard!.createSymlinks());
      throwIfAborted(ctx, TOOL);
      await guard.close();
      await mergeInto(staging, target, target, '');
      // Links are checked again from their final place: the target may hold other links.
      await guard.verifySymlinks(target);
    } finally {
      await guard.close();
      await staging.close();
    }
  } finally {
    // Never let cleanup trouble hide the real outcome.
    await target.removeTree(stagingName).catch((error) => {
      if (errnoCode(error) !== 'ENOENT') ctx.logger.warn(`${TOOL}: could not remove staging directory ${stagingName}: ${(error as Error).message}`);
    });
    await target.close();
  }
  return {
    operation: 'extract',
    message: `Extracted ${guard.entries} entries (${guard.bytes} bytes) from ${archiveInput} to ${targetInput}`,
    result: {
      archive: archive.realPath,
      target_path: target.realPath,
      format,
      entries: guard.entries,
      bytes: guard.bytes,
      symlinks: guard.symlinks.length,
      skipped: guard.skipped,
    },
    metadata: { file_path: archive.realPath, target_path: target.realPath, count: guard.entries, total_size: guard.bytes },
  };
}

async function create(p: Params, ctx: ExecutionContext, archiveInput: string, archiveParam: string, format: Format) {
  const rawInputs = p.input ?? p.source_path ?? p.files;
  const param = p.input !== undefined ? 'input' : p.source_path !== undefined ? 'source_path' : 'files';
  const inputs = stringList(rawInputs);
  if (inputs.length === 0) throw missing(TOOL, 'input', 'create');
  const reals = inputs.map((i, n) => ctx.policy.resolvePath(i, `${param}[${n}]`));
  const archiveReal = ctx.policy.resolvePath(archiveInput, archiveParam);
  if (reals.some((r) => r === archiveReal)) {
    throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: the archive ${archiveInput} cannot contain itself`);
  }
  const base = p.base_dir ? ctx.policy.resolvePath(p.base_dir, 'base_dir') : commonParent(reals);
  const anchors: VerifiedDirectory[] = [];
  try {
    const { files, skipped, total } = await collectSources(ctx, base, reals, inputs, param, anchors);
    const out = await ctx.policy.locate(archiveInput, { parameter: archiveParam, createParents: true });
    try {
      const contents = files.filter((f) => f.real !== out.realPath);
      const tmp = tempName(out.name);
      try {
        const file = await out.dir.openFile(tmp, 'create', 0o644);
        let size: number;
        try {
          if (format === 'zip') await createZip(contents, file.handle, (f) => openSource(anchors, f));
          else await createTarArchive(contents, file.handle, format === 'tar.gz', (f) => openSource(anchors, f));
          size = (await file.handle.stat()).size;
        } finally {
          await file.close();
        }
        ctx.policy.checkSize(`archive ${archiveInput}`, size, maxFileBytes(ctx));
        await io(archiveInput, () => out.dir.renameTo(tmp, out.dir, out.name));
        return {
          operation: 'create',
          message: `Created ${format} archive ${archiveInput} with ${contents.length} entries`,
          result: {
            archive: out.realPath,
            format,
            entries: contents.length,
            files: contents.filter((f) => f.type === 'file').length,
            total_input_bytes: total,
            archive_size: size,
            base_dir: base,
            skipped,
          },
          metadata: { file_path: out.realPath, file_size: size, count: contents.length },
        };
      } catch (error) {
        await out.dir.unlink(tmp).catch(() => undefined);
        if (errnoCode(error)) throw new LlmspellError('IO_ERROR', `${TOOL}: creating ${archiveInput}: ${(error as Error).message}`, { cause: error });
        throw error;
      }
    } finally {
      await out.dir.close();
    }
  } finally {
    await Promise.all(anchors.map((a) => a.close()));
  }
}

async function list(ctx: ExecutionContext, archive: VerifiedFile, archiveInput: string, format: Format) {
  const max = ctx.policy.maxExtractEntries;
  const { entries, truncated } = format === 'zip'
    ? await listZip(archive.handle, archiveInput, max)
    : await listTar(archive.handle, archiveInput, format === 'tar.gz', max, ctx.policy.maxExtractBytes + max * 1536 + 1024 * 1024, ctx.signal);
  const totalSize = entries.reduce((n, e) => n + e.size, 0);
  return {
    operation: 'list',
    message: `${entries.length} entries in ${archiveInput}`,
    result: { archive: archive.realPath, format, entries, count: entries.length, total_size: totalSize, truncated },
    metadata: { file_path: archive.realPath, file_size: archive.stat.size, count: entries.length },
  };
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  const archiveInput = p.path ?? p.archive_path ?? (operation === 'create' ? p.output_path : undefined);
  if (!archiveInput) throw missing(TOOL, 'path', operation);
  const archiveParam = p.path ? 'path' : p.archive_path ? 'archive_path' : 'output_path';
  const format = detectFormat(archiveInput, p.format);
  if (operation === 'create') return create(p, ctx, archiveInput, archiveParam, format);
  // The archive is read through one verified descriptor from start to end.
  const archive = await ctx.policy.openFile(archiveInput, { parameter: archiveParam, mode: 'read' });
  try {
    if (operation === 'list') return await list(ctx, archive, archiveInput, format);
    return await extract(p, ctx, archive, archiveInput, format);
  } finally {
    await archive.close();
  }
}

export const archiveHandlerTool = defineTool({
  name: TOOL,
  aliases: ['archive-handler'],
  description: 'Create, extract and list zip, tar and tar.gz archives, with zip-slip and zip-bomb protection',
  outputSchema: z.union([
    z.object({
      archive: z.string(), format: z.string(), entries: z.number(), files: z.number(), total_input_bytes: z.number(), archive_size: z.number(),
      base_dir: z.string().describe('Names in the archive are relative to it'), skipped: z.array(z.string()).describe('Links and special files left out'),
    }).describe('create'),
    z.object({
      archive: z.string(), format: z.string(),
      entries: z.array(z.object({
        name: z.string(), type: z.enum(['file', 'directory', 'symlink', 'hardlink', 'other']), size: z.number(), compressed_size: z.number().optional(),
        modified: z.string().optional(), link_target: z.string().optional(),
      })),
      count: z.number(), total_size: z.number(), truncated: z.boolean(),
    }).describe('list'),
    z.object({
      archive: z.string(), target_path: z.string(), format: z.string(), entries: z.number(), bytes: z.number(), symlinks: z.number(),
      skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
    }).describe('extract'),
  ]),
  category: 'filesystem',
  securityLevel: 'restricted',
  tags: ['archive', 'zip', 'tar', 'gzip', 'compression'],
  parameters,
  examples: [
    { description: 'Zip a folder and a file', params: { operation: 'create', path: 'bundle.zip', input: ['docs', 'README.md'] } },
    { description: 'List the archive', params: { operation: 'list', path: 'bundle.zip' } },
    { description: 'Extract it into a folder', params: { operation: 'extract', path: 'bundle.zip', target_path: 'unpacked' } },
    { description: 'A tar.gz instead (the extension sets the format)', params: { operation: 'create', path: 'backup.tar.gz', input: ['docs'] } },
  ],
  execute: run,
});
