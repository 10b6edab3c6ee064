import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isLlmspellError } from '../errors.js';
import { createExecutionContext, type ExecutionContextInit } from '../execution-context.js';
import { executeComponent } from '../execution/execute-component.js';
import { SecurityPolicy } from '../security/security-policy.js';
import type { Tool, ToolResult } from '../component.js';

/*
 * Helpers for a tool package's jest tests: a call through the real path (validation, hooks,
 * events), its result checked against the script-visible text, a refusal checked for its code and
 * parameter, and a sandbox directory. They use jest's global `expect`.
 */
declare const expect: any;

/** Runs a tool through the real path and returns its ToolResult. */
export async function callTool(tool: Tool, params: Record<string, unknown>, init: ExecutionContextInit = {}): Promise<ToolResult> {
  return executeComponent(tool, params, createExecutionContext(init));
}

/** The `result` of a successful call, after checking the script-visible text carries the same result. */
export async function toolResult<T = Record<string, any>>(tool: Tool, params: Record<string, unknown>, init: ExecutionContextInit = {}): Promise<T> {
  const r = await callTool(tool, params, init);
  expect(r.success).toBe(true);
  expect(JSON.parse(r.text).result).toEqual(JSON.parse(JSON.stringify(r.result)));
  return r.result as T;
}

/** Asserts the call fails with `code` and a message naming `parameter` (or matching it). */
export async function expectToolFailure(
  tool: Tool, params: Record<string, unknown>, code: string, parameter?: string | RegExp, init: ExecutionContextInit = {},
): Promise<Error> {
  let caught: unknown;
  try {
    await callTool(tool, params, init);
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

/** Asserts the promise rejects with an error of `code`, and returns that error. */
export async function expectRejection(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect((error as { code?: string }).code).toBe(code);
    return error as Error;
  }
  throw new Error(`expected a rejection with ${code}`);
}

export interface ToolSandbox {
  /** The policy's only allowed root. */
  root: string;
  /** A directory beside it, outside the allowed roots. */
  outside: string;
  policy: SecurityPolicy;
  /** A path inside the root. */
  at(name: string): string;
  cleanup(): Promise<void>;
}

/** A temp directory that is the policy's only allowed root, plus one outside it. */
export async function toolSandbox(options: { maxFileBytes?: number } = {}): Promise<ToolSandbox> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'llmspell-tool-test-'));
  const root = path.join(base, 'allowed');
  const outside = path.join(base, 'outside');
  await fs.mkdir(root);
  await fs.mkdir(outside);
  const policy = new SecurityPolicy({ allowedPaths: [root], cwd: root, maxFileBytes: options.maxFileBytes });
  return { root, outside, policy, at: (name) => path.join(root, name), cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}
