import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LlmspellError, type ExecutionContext } from '@llmspell/core';
import { paramError } from './errors.js';

/** Reads a file named by a tool parameter, through the security policy and its size limit. */
export async function readAllowedFile(ctx: ExecutionContext, tool: string, parameter: string, file: string): Promise<Buffer> {
  const resolved = ctx.policy.resolvePath(file, parameter);
  let stat;
  try {
    stat = await fs.stat(resolved);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') paramError(tool, parameter, `file not found: ${file}`, 'NOT_FOUND', { path: file });
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (!stat.isFile()) paramError(tool, parameter, `not a regular file: ${file}`, 'INVALID_ARGUMENT', { path: file });
  ctx.policy.checkSize(`${tool}: parameter '${parameter}': file ${file}`, stat.size, ctx.policy.maxFileBytes);
  try {
    const data = await fs.readFile(resolved);
    ctx.policy.checkSize(`${tool}: parameter '${parameter}': file ${file}`, data.length, ctx.policy.maxFileBytes);
    return data;
  } catch (error) {
    if (error instanceof LlmspellError) throw error;
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes a file named by a tool parameter, through the security policy and its size limit. */
export async function writeAllowedFile(ctx: ExecutionContext, tool: string, parameter: string, file: string, data: Buffer | string): Promise<string> {
  const resolved = ctx.policy.resolvePath(file, parameter);
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  ctx.policy.checkSize(`${tool}: parameter '${parameter}': output`, bytes, ctx.policy.maxFileBytes);
  try {
    await fs.mkdir(path.dirname(resolved), { recursive: true });
    await fs.writeFile(resolved, data);
  } catch (error) {
    throw new LlmspellError('IO_ERROR', `${tool}: parameter '${parameter}': cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
  return resolved;
}
