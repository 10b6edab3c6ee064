import { LlmspellError, type ExecutionContext, type VerifiedFile, paramError } from '@llmspell/core';

/** Names the tool and parameter in a file error; refusals (PATH_NOT_ALLOWED, sizes) keep their code. */
function fileError(error: unknown, tool: string, parameter: string, file: string, verb: string): never {
  if (error instanceof LlmspellError) {
    if (error.code === 'NOT_FOUND') paramError(tool, parameter, `file not found: ${file}`, 'NOT_FOUND', { path: file });
    if (error.code === 'INVALID_ARGUMENT') paramError(tool, parameter, `not a regular file: ${file}`, 'INVALID_ARGUMENT', { path: file });
    if (error.code === 'IO_ERROR') throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot ${verb} ${file}: ${error.detail}`, { cause: error });
    const detail = error.detail.startsWith(`parameter '${parameter}'`) ? error.detail : `parameter '${parameter}': ${error.detail}`;
    throw new LlmspellError(error.code, `${tool}: ${detail}`, { details: { ...error.details, tool, parameter }, cause: error });
  }
  throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot ${verb} ${file}: ${(error as Error).message}`, { cause: error });
}

/**
 * Reads a file named by a tool parameter through the policy's verified open: inside the
 * allowed roots, not a protected file, under the size limit.
 */
export async function readAllowedFile(ctx: ExecutionContext, tool: string, parameter: string, file: string): Promise<Buffer> {
  try {
    return (await ctx.policy.readFile(file, { parameter })).data;
  } catch (error) {
    fileError(error, tool, parameter, file, 'read');
  }
}

/**
 * Reads a file named by a tool parameter piece by piece (1 MiB at a time, handed to `onPiece`,
 * which must not keep the buffer) for work that needs no copy of the whole file, such as a
 * hash: memory stays the same whatever the size. The file is opened through the policy's
 * verified open and the descriptor checked is the one read; `max_file_bytes` still applies,
 * counted as the bytes arrive, so a file that grows while read cannot slip past it.
 * Resolves with the number of bytes read.
 */
export async function readAllowedFileInPieces(
  ctx: ExecutionContext, tool: string, parameter: string, file: string, onPiece: (piece: Buffer) => void,
): Promise<number> {
  let opened: VerifiedFile;
  try {
    opened = await ctx.policy.openFile(file, { parameter, mode: 'read' });
  } catch (error) {
    fileError(error, tool, parameter, file, 'read');
  }
  const limit = ctx.policy.maxFileBytes;
  const tooBig = (bytes: number) => new LlmspellError('SIZE_LIMIT_EXCEEDED', `${tool}: parameter '${parameter}': file ${file} is ${bytes} bytes, over the limit of ${limit} bytes (runtime.security.max_file_bytes)`, {
    details: { tool, parameter, bytes, limit },
  });
  try {
    if (opened.stat.size > limit) throw tooBig(opened.stat.size);
    const buffer = Buffer.allocUnsafe(Math.min(Math.max(opened.stat.size, 1), 1 << 20));
    let total = 0;
    for (;;) {
      ctx.signal.throwIfAborted();
      const { bytesRead } = await opened.handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return total;
      total += bytesRead;
      if (total > limit) throw tooBig(total);
      onPiece(buffer.subarray(0, bytesRead));
    }
  } catch (error) {
    if (error instanceof LlmspellError || ctx.signal.aborted) throw error;
    fileError(error, tool, parameter, file, 'read');
  } finally {
    await opened.close();
  }
}

/** Writes a file named by a tool parameter atomically through the policy's verified open. */
export async function writeAllowedFile(ctx: ExecutionContext, tool: string, parameter: string, file: string, data: Buffer | string): Promise<string> {
  try {
    return (await ctx.policy.writeFile(file, data, { parameter, createParents: true })).realPath;
  } catch (error) {
    fileError(error, tool, parameter, file, 'write');
  }
}
