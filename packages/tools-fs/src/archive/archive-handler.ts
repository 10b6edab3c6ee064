import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { type ExecutionContext, LlmspellError, defineTool, z } from '@llmspell/core';
import { emptyTableAsList, errnoCode, io, isInside, maxFileBytes, missing, normaliseOperation, stringList, tempSibling, throwIfAborted } from '../fs-helpers.js';
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
  archive_path: z.string().optional().describe('Alias of path (DOC spelling)'),
  target_path: z.string().optional().describe('extract: destination directory (default: a directory named after the archive, beside it)'),
  output_path: z.string().optional().describe('Alias: extract destination, or the archive to write for create (DOC spelling)'),
  input: z.preprocess(emptyTableAsList, z.union([z.array(z.string()), z.string()])).optional().describe('create: files and directories to add'),
  source_path: z.preprocess(emptyTableAsList, z.union([z.array(z.string()), z.string()])).optional().describe('Alias of input (DOC spelling)'),
  files: z.preprocess(emptyTableAsList, z.array(z.string())).optional().describe('Alias of input'),
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

/** Collects what goes into a new archive, checking entry count and total size up front. */
async function collectSources(ctx: ExecutionContext, inputs: string[], base: string, param: string) {
  const files: SourceFile[] = [];
  const skipped: string[] = [];
  let total = 0;
  const limitBytes = maxFileBytes(ctx);
  const seen = new Set<string>();
  const add = async (real: string): Promise<void> => {
    throwIfAborted(ctx, TOOL);
    if (seen.has(real)) return; // listed twice, or a file inside a listed directory
    seen.add(real);
    const st = await io(real, () => fsp.lstat(real));
    const name = path.relative(base, real).split(path.sep).join('/');
    if (st.isSymbolicLink() || !(st.isFile() || st.isDirectory())) {
      skipped.push(name);
      return;
    }
    if (files.length >= ctx.policy.maxExtractEntries) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${TOOL}: more than ${ctx.policy.maxExtractEntries} files to archive`);
    }
    const entry: SourceFile = {
      real,
      name: st.isDirectory() ? `${name}/` : name,
      type: st.isDirectory() ? 'directory' : 'file',
      size: st.isFile() ? st.size : 0,
      mtime: st.mtime,
      mode: st.mode & 0o777,
    };
    if (name !== '') files.push(entry);
    if (st.isFile()) {
      total += st.size;
      ctx.policy.checkSize('total size of the files to archive', total, limitBytes);
    } else {
      for (const child of (await fsp.readdir(real)).sort()) await add(path.join(real, child));
    }
  };
  for (const [i, input] of inputs.entries()) {
    const real = ctx.policy.resolvePath(input, `${param}[${i}]`);
    if (!isInside(real, base)) {
      throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter '${param}[${i}]': ${input} is not inside base_dir`);
    }
    if (real === base) {
      // Archiving the base itself: add its children at the top level.
      const st = await io(input, () => fsp.stat(real));
      if (!st.isDirectory()) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter '${param}[${i}]': ${input} is base_dir`);
      for (const child of (await fsp.readdir(real)).sort()) await add(path.join(real, child));
    } else {
      await add(real);
    }
  }
  return { files, skipped, total };
}

/** Moves everything from `staging` into `target`, merging directories. */
async function mergeInto(ctx: ExecutionContext, staging: string, target: string): Promise<void> {
  for (const name of await fsp.readdir(staging)) {
    const from = path.join(staging, name);
    const to = path.join(target, name);
    const real = ctx.policy.resolvePath(to, 'target_path');
    if (!isInside(real, target)) {
      throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: ${to} resolves outside the target directory through an existing link`);
    }
    const src = await fsp.lstat(from);
    const dst = await fsp.lstat(to).catch(() => undefined);
    if (src.isDirectory() && dst?.isDirectory()) {
      await mergeInto(ctx, from, to);
    } else {
      if (dst?.isDirectory()) await io(to, () => fsp.rm(to, { recursive: true }));
      await io(to, () => fsp.rename(from, to));
    }
  }
}

async function extract(p: Params, ctx: ExecutionContext, archiveInput: string, archiveReal: string, format: Format) {
  const st = await io(archiveInput, () => fsp.stat(archiveReal));
  if (!st.isFile()) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'path': ${archiveInput} is not a file`);
  const targetInput = p.target_path ?? p.output_path ?? stripArchiveExtension(archiveReal);
  const targetParam = p.target_path ? 'target_path' : p.output_path ? 'output_path' : 'path';
  const target = ctx.policy.resolvePath(targetInput, targetParam);
  await io(targetInput, () => fsp.mkdir(target, { recursive: true }));
  const staging = path.join(target, `.llmspell-extract-${randomBytes(6).toString('hex')}`);
  await fsp.mkdir(staging);
  const guard = new ExtractGuard(ctx, extractLimits(ctx, maxFileBytes(ctx)), staging);
  try {
    if (format === 'zip') await extractZip(archiveReal, archiveInput, guard, ctx.signal);
    else await extractTar(archiveReal, archiveInput, format === 'tar.gz', guard, ctx.signal);
    guard.createSymlinks();
    throwIfAborted(ctx, TOOL);
    await mergeInto(ctx, staging, target);
  } finally {
    // Never let cleanup trouble hide the real outcome; retry covers a file closing late.
    await fsp.rm(staging, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 }).catch((error) => {
      ctx.logger.warn(`${TOOL}: could not remove staging directory ${staging}: ${(error as Error).message}`);
    });
  }
  return {
    operation: 'extract',
    message: `Extracted ${guard.entries} entries (${guard.bytes} bytes) from ${archiveInput} to ${targetInput}`,
    result: {
      archive: archiveReal,
      target_path: target,
      format,
      entries: guard.entries,
      bytes: guard.bytes,
      symlinks: guard.symlinks.length,
      skipped: guard.skipped,
    },
    metadata: { file_path: archiveReal, target_path: target, count: guard.entries, total_size: guard.bytes },
  };
}

async function create(p: Params, ctx: ExecutionContext, archiveInput: string, archiveReal: string, format: Format) {
  const rawInputs = p.input ?? p.source_path ?? p.files;
  const param = p.input !== undefined ? 'input' : p.source_path !== undefined ? 'source_path' : 'files';
  const inputs = stringList(rawInputs);
  if (inputs.length === 0) throw missing(TOOL, 'input', 'create');
  const reals = inputs.map((i, n) => ctx.policy.resolvePath(i, `${param}[${n}]`));
  const base = p.base_dir ? ctx.policy.resolvePath(p.base_dir, 'base_dir') : commonParent(reals);
  if (reals.some((r) => r === archiveReal)) {
    throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: the archive ${archiveInput} cannot contain itself`);
  }
  const { files, skipped, total } = await collectSources(ctx, inputs, base, param);
  const contents = files.filter((f) => f.real !== archiveReal);
  await io(path.dirname(archiveInput), () => fsp.mkdir(path.dirname(archiveReal), { recursive: true }));
  const tmp = tempSibling(archiveReal);
  try {
    if (format === 'zip') await createZip(contents, tmp);
    else await createTarArchive(contents, base, tmp, format === 'tar.gz');
    const size = (await fsp.stat(tmp)).size;
    ctx.policy.checkSize(`archive ${archiveInput}`, size, maxFileBytes(ctx));
    await io(archiveInput, () => fsp.rename(tmp, archiveReal));
    return {
      operation: 'create',
      message: `Created ${format} archive ${archiveInput} with ${contents.length} entries`,
      result: {
        archive: archiveReal,
        format,
        entries: contents.length,
        files: contents.filter((f) => f.type === 'file').length,
        total_input_bytes: total,
        archive_size: size,
        base_dir: base,
        skipped,
      },
      metadata: { file_path: archiveReal, file_size: size, count: contents.length },
    };
  } catch (error) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    if (errnoCode(error)) throw new LlmspellError('IO_ERROR', `${TOOL}: creating ${archiveInput}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

async function list(ctx: ExecutionContext, archiveInput: string, archiveReal: string, format: Format) {
  const st = await io(archiveInput, () => fsp.stat(archiveReal));
  if (!st.isFile()) throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'path': ${archiveInput} is not a file`);
  const max = ctx.policy.maxExtractEntries;
  const { entries, truncated } = format === 'zip'
    ? await listZip(archiveReal, archiveInput, max)
    : await listTar(archiveReal, archiveInput, format === 'tar.gz', max, ctx.policy.maxExtractBytes + max * 1536 + 1024 * 1024, ctx.signal);
  const totalSize = entries.reduce((n, e) => n + e.size, 0);
  return {
    operation: 'list',
    message: `${entries.length} entries in ${archiveInput}`,
    result: { archive: archiveReal, format, entries, count: entries.length, total_size: totalSize, truncated },
    metadata: { file_path: archiveReal, file_size: st.size, count: entries.length },
  };
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  const archiveInput = p.path ?? p.archive_path ?? (operation === 'create' ? p.output_path : undefined);
  if (!archiveInput) throw missing(TOOL, 'path', operation);
  const archiveParam = p.path ? 'path' : p.archive_path ? 'archive_path' : 'output_path';
  const archiveReal = ctx.policy.resolvePath(archiveInput, archiveParam);
  const format = detectFormat(archiveInput, p.format);
  if (operation === 'list') return list(ctx, archiveInput, archiveReal, format);
  if (operation === 'extract') return extract(p, ctx, archiveInput, archiveReal, format);
  return create(p, ctx, archiveInput, archiveReal, format);
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
