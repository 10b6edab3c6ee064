/**
 * Test support (`@llmspell/mcp/testing`): the fixture servers' paths and process checks, for
 * this package's tests, the CLI's and programs that test their own MCP setups.
 */
import { fileURLToPath } from 'node:url';
import { isLlmspellError, type LlmspellError } from '@llmspell/core';

const fixture = (name: string) => fileURLToPath(new URL(`../../src/__fixtures__/${name}`, import.meta.url));

/** A well-behaved MCP server built with the SDK: stdio, or `--http [port]`, `--sse [port]`. */
export const FIXTURE_SERVER = fixture('fixture-server.mjs');
/** MCP servers that misbehave: `exit`, `hang`, `garbage`, `banner`, `die`, `flood`, `many N`, `raw` (see the file). */
export const HOSTILE_SERVER = fixture('hostile-server.mjs');

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (at most 5 s) for processes that were killed to be gone; true when they all are. */
export async function processesGone(pids: number[]): Promise<boolean> {
  for (let i = 0; i < 100 && pids.some(processAlive); i++) await new Promise((r) => setTimeout(r, 50));
  return !pids.some(processAlive);
}

/** The LlmspellError a promise rejects with (anything else fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<LlmspellError> {
  try {
    await promise;
  } catch (error) {
    if (isLlmspellError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
