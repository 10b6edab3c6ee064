import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createExecutionContext, executeComponent, isLlmspellError, SecurityPolicy, type ExecutionContextInit, type Tool, type ToolResult,
} from '@llmspell/core';

/** Runs a tool through the real path (validation, hooks, events) and returns its ToolResult. */
export async function call(tool: Tool, params: Record<string, unknown>, init: ExecutionContextInit = {}): Promise<ToolResult> {
  return executeComponent(tool, params, createExecutionContext(init));
}

/** The `result` field of a successful call, typed loosely for assertions. */
export async function result<T = Record<string, any>>(tool: Tool, params: Record<string, unknown>, init: ExecutionContextInit = {}): Promise<T> {
  const r = await call(tool, params, init);
  expect(r.success).toBe(true);
  // The script-visible text is the reference's JSON document and carries the same result.
  expect(JSON.parse(r.text).result).toEqual(JSON.parse(JSON.stringify(r.result)));
  return r.result as T;
}

/** Asserts the call fails with `code` and a message naming `parameter`. */
export async function failure(tool: Tool, params: Record<string, unknown>, code: string, parameter?: string | RegExp, init: ExecutionContextInit = {}): Promise<Error> {
  let caught: unknown;
  try {
    await call(tool, params, init);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeDefined();
  expect(isLlmspellError(caught)).toBe(true);
  const err = caught as Error & { code: string };
  expect(err.code).toBe(code);
  if (typeof parameter === 'string') expect(err.message).toContain(`parameter '${parameter}'`);
  else if (parameter) expect(err.message).toMatch(parameter);
  return err;
}

/** A temp directory that is the policy's only allowed root, plus one outside it. */
export async function sandbox(): Promise<{ root: string; outside: string; policy: SecurityPolicy; cleanup: () => Promise<void> }> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'llmspell-tools-util-'));
  const root = path.join(base, 'allowed');
  const outside = path.join(base, 'outside');
  await fs.mkdir(root);
  await fs.mkdir(outside);
  const policy = new SecurityPolicy({ allowedPaths: [root], cwd: root });
  return { root, outside, policy, cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}
