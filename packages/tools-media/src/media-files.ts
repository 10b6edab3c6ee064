import { LlmspellError, type ExecutionContext, type LocatedEntry, type VerifiedFile, readCapped, tempName, paramError } from '@llmspell/core';
import { toNumber } from './common.js';
import { DETECTION_BYTES } from './magic-bytes.js';

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
  /** The real path inside an allowed root (for messages). */
  resolved: string;
  size: number;
  /**
   * Opens the file again through the policy's verified open. Every use (reading, ffmpeg)
   * opens it this way, so each one reads a file that is inside the roots at that moment.
   */
  open(): Promise<VerifiedFile>;
}

/**
 * A policy refusal (PATH_NOT_ALLOWED, a size) keeps its code but gets the `<tool>: parameter '<p>'`
 * form of every other error of the tool, as tools-util's policy-files does.
 */
function named(error: LlmspellError, tool: string, parameter: string): LlmspellError {
  if (error.message.startsWith(`${tool}: `)) return error;
  const detail = error.detail.startsWith(`parameter '${parameter}'`) ? error.detail : `parameter '${parameter}': ${error.detail}`;
  return new LlmspellError(error.code, `${tool}: ${detail}`, { details: { ...error.details, tool, parameter }, cause: error });
}

/** Maps a policy refusal or fs failure onto this package's `<tool>: parameter '<p>'` errors. */
function inputError(error: unknown, tool: string, parameter: string, file: string): never {
  if (error instanceof LlmspellError) {
    if (error.code === 'NOT_FOUND') paramError(tool, parameter, `file not found: ${file}`, 'NOT_FOUND', { path: file });
    if (error.code === 'INVALID_ARGUMENT') paramError(tool, parameter, `not a regular file: ${file}`, 'INVALID_ARGUMENT', { path: file });
    throw named(error, tool, parameter);
  }
  throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${file}: ${(error as Error).message}`, { cause: error });
}

/** Opens an input through the policy and checks it is a regular file under the size cap. */
export async function statInput(ctx: ExecutionContext, tool: string, parameter: string, file: string, limit: number): Promise<InputFile> {
  const open = () => ctx.policy.openFile(file, { parameter, mode: 'read' }).catch((error: unknown) => inputError(error, tool, parameter, file));
  const handle = await open();
  try {
    ctx.policy.checkSize(`${tool}: parameter '${parameter}': file ${file}`, handle.stat.size, limit);
    return { given: file, resolved: handle.realPath, size: handle.stat.size, open };
  } finally {
    await handle.close();
  }
}

/** Reads a checked input; the length is checked again in case the file grew since the stat. */
export async function readInput(ctx: ExecutionContext, tool: string, parameter: string, input: InputFile, limit: number): Promise<Buffer> {
  const handle = await input.open();
  try {
    return await readCapped(handle, limit, `${tool}: parameter '${parameter}': file ${input.given}`);
  } catch (error) {
    if (error instanceof LlmspellError) throw named(error, tool, parameter);
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${input.given}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close();
  }
}

/** Reads only the first bytes of a file (enough for magic-byte detection). */
export async function readHead(input: InputFile, bytes = DETECTION_BYTES): Promise<Buffer> {
  const handle = await input.open();
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export interface OutputTarget {
  given: string;
  resolved: string;
  /** The temp file the output is produced in (created new, inside the verified target directory). */
  file: VerifiedFile;
  /** Reads back what was produced in the temp file. */
  read(): Promise<Buffer>;
  /** Renames the temp file over the target, within the size cap. */
  commit(): Promise<number>;
  discard(): Promise<void>;
}

/**
 * Prepares an atomic write: the output is produced in a temp file created next to the target
 * (in the same verified directory, so the rename cannot cross file systems or be redirected)
 * and renamed over it only when complete and within the size cap, so a failed or cancelled run
 * never leaves half a file.
 */
export async function prepareOutput(ctx: ExecutionContext, tool: string, parameter: string, file: string): Promise<OutputTarget> {
  let entry: LocatedEntry;
  try {
    entry = await ctx.policy.locate(file, { parameter, createParents: true });
  } catch (error) {
    if (error instanceof LlmspellError && error.code !== 'IO_ERROR') throw named(error, tool, parameter);
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot create the directory of ${file}: ${(error as Error).message}`, { cause: error });
  }
  const { dir, name } = entry;
  const tmp = tempName(name);
  let temp: VerifiedFile;
  try {
    if (entry.stat?.isDirectory()) paramError(tool, parameter, `is a directory: ${file}`);
    temp = await dir.openFile(tmp, 'create', 0o644);
  } catch (error) {
    await dir.close();
    throw error;
  }
  let done = false;
  const discard = async () => {
    if (done) return;
    done = true;
    await temp.close().catch(() => undefined);
    await dir.unlink(tmp).catch(() => undefined);
    await dir.close();
  };
  return {
    given: file,
    resolved: entry.realPath,
    file: temp,
    async read() {
      // The temp file was created write-only; read it back through the same verified directory.
      const reader = await dir.openFile(tmp, 'read');
      try {
        return await readCapped(reader, ctx.policy.maxFileBytes, `${tool}: parameter '${parameter}': output ${file}`);
      } finally {
        await reader.close();
      }
    },
    discard,
    async commit() {
      try {
        const { size } = await temp.handle.stat();
        ctx.policy.checkSize(`${tool}: parameter '${parameter}': output ${file}`, size, ctx.policy.maxFileBytes);
        await temp.close();
        await dir.renameTo(tmp, dir, name);
        done = true;
        await dir.close();
        return size;
      } catch (error) {
        await discard();
        if (error instanceof LlmspellError) throw named(error, tool, parameter);
        throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot write ${file}: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/** Writes `data` to a target atomically (through the policy's verified open) and returns the bytes written. */
export async function writeOutput(ctx: ExecutionContext, tool: string, parameter: string, file: string, data: Buffer): Promise<{ resolved: string; size: number }> {
  ctx.policy.checkSize(`${tool}: parameter '${parameter}': output ${file}`, data.length, ctx.policy.maxFileBytes);
  try {
    const { realPath } = await ctx.policy.writeFile(file, data, { parameter, createParents: true });
    return { resolved: realPath, size: data.length };
  } catch (error) {
    if (error instanceof LlmspellError && error.code === 'INVALID_ARGUMENT') paramError(tool, parameter, `is a directory: ${file}`);
    if (error instanceof LlmspellError && error.code !== 'IO_ERROR') throw named(error, tool, parameter);
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}
