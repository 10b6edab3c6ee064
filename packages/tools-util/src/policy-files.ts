import { LlmspellError, type ExecutionContext, paramError } from '@llmspell/core';

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

/** Writes a file named by a tool parameter atomically through the policy's verified open. */
export async function writeAllowedFile(ctx: ExecutionContext, tool: string, parameter: string, file: string, data: Buffer | string): Promise<string> {
  try {
    return (await ctx.policy.writeFile(file, data, { parameter, createParents: true })).realPath;
  } catch (error) {
    fileError(error, tool, parameter, file, 'write');
  }
}
