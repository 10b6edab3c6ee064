import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LlmspellError, type ExecutionContext } from '@llmspell/core';
import { toNumber } from './common.js';
import { paramError } from './errors.js';

/**
 * The input cap of a tool: the policy's `maxFileBytes`, lowered by the tool's own
 * `max_file_size` setting (`[tools.<name>] max_file_size`) or its built-in default.
 */
export function inputLimit(ctx: ExecutionContext, toolDefault: number): number {
  const setting = toNumber(ctx.settings.max_file_size);
  const own = setting !== undefined && setting > 0 ? setting : toolDefault;
  return Math.min(own, ctx.policy.maxFileBytes);
}

export interface InputFile {
  /** What the script passed. */
  given: string;
  /** The resolved real path inside an allowed root. */
  resolved: string;
  size: number;
}

/** Resolves an input path through the policy and checks it is a regular file under the size cap. */
export async function statInput(ctx: ExecutionContext, tool: string, parameter: string, file: string, limit: number): Promise<InputFile> {
  const resolved = ctx.policy.resolvePath(file, parameter);
  let stat;
  try {
    stat = await fs.stat(resolved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') paramError(tool, parameter, `file not found: ${file}`, 'NOT_FOUND', { path: file });
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (!stat.isFile()) paramError(tool, parameter, `not a regular file: ${file}`, 'INVALID_ARGUMENT', { path: file });
  ctx.policy.checkSize(`${tool}: parameter '${parameter}': file ${file}`, stat.size, limit);
  return { given: file, resolved, size: stat.size };
}

/** Reads a checked input; the length is checked again in case the file grew since the stat. */
export async function readInput(ctx: ExecutionContext, tool: string, parameter: string, input: InputFile, limit: number): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await fs.readFile(input.resolved);
  } catch (error) {
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${input.given}: ${(error as Error).message}`, { cause: error });
  }
  ctx.policy.checkSize(`${tool}: parameter '${parameter}': file ${input.given}`, data.length, limit);
  return data;
}

/** Reads only the first bytes of a file (enough for magic-byte detection). */
export async function readHead(resolved: string, bytes = 4096): Promise<Buffer> {
  const handle = await fs.open(resolved, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export interface OutputTarget {
  given: string;
  resolved: string;
  /** A sibling temp file; produce the output there, then `commit()` renames it into place. */
  temp: string;
  commit(): Promise<number>;
  discard(): Promise<void>;
}

/**
 * Prepares an atomic write: the output is produced in a temp file next to the target
 * (same directory, so the rename cannot cross file systems) and renamed over it only when
 * complete and within the size cap, so a failed or cancelled run never leaves half a file.
 */
export async function prepareOutput(ctx: ExecutionContext, tool: string, parameter: string, file: string, extension = ''): Promise<OutputTarget> {
  const resolved = ctx.policy.resolvePath(file, parameter);
  try {
    await fs.mkdir(path.dirname(resolved), { recursive: true });
    const existing = await fs.stat(resolved).catch(() => undefined);
    if (existing?.isDirectory()) paramError(tool, parameter, `is a directory: ${file}`);
  } catch (error) {
    if (error instanceof LlmspellError) throw error;
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot create ${path.dirname(file)}: ${(error as Error).message}`, { cause: error });
  }
  const temp = path.join(path.dirname(resolved), `.${path.basename(resolved)}.${randomBytes(6).toString('hex')}.tmp${extension}`);
  const discard = () => fs.rm(temp, { force: true });
  return {
    given: file,
    resolved,
    temp,
    discard,
    async commit() {
      try {
        const { size } = await fs.stat(temp);
        ctx.policy.checkSize(`${tool}: parameter '${parameter}': output ${file}`, size, ctx.policy.maxFileBytes);
        await fs.rename(temp, resolved);
        return size;
      } catch (error) {
        await discard();
        if (error instanceof LlmspellError) throw error;
        throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot write ${file}: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/** Writes `data` to a target atomically and returns the bytes written. */
export async function writeOutput(ctx: ExecutionContext, tool: string, parameter: string, file: string, data: Buffer): Promise<{ resolved: string; size: number }> {
  ctx.policy.checkSize(`${tool}: parameter '${parameter}': output ${file}`, data.length, ctx.policy.maxFileBytes);
  const out = await prepareOutput(ctx, tool, parameter, file);
  try {
    await fs.writeFile(out.temp, data);
  } catch (error) {
    await out.discard();
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
  return { resolved: out.resolved, size: await out.commit() };
}
