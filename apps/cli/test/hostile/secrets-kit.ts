/**
 * Shared by the secrets and processes corpus: fake credentials, the check that none of them (in
 * any encoding a script could cheaply produce) reached a run's output, and script helpers.
 */
import { SECRET_BEARING_ENV } from '@llmspell/core/testing';
import { type CliRun, cli } from '../helpers.js';

export const FAKE_KEYS = {
  OPENAI_API_KEY: 'sk-test-hostile-openai-0123456789abcdef',
  ANTHROPIC_API_KEY: 'sk-ant-test-hostile-0123456789abcdefgh',
};

/** Variables that `environment_reader list` printed in clear before issue 12. */
export const HOSTILE_ENV: Record<string, string> = { ...SECRET_BEARING_ENV };

/** The environment every hostile run gets: the fake keys and the secret-bearing variables. */
export const HOSTILE_RUN_ENV: Record<string, string> = { ...FAKE_KEYS, ...HOSTILE_ENV };

/** A secret as a script could print it: raw, base64 (every alignment), hex, reversed, URL-encoded. */
export function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const out = new Set<string>([secret, [...secret].reverse().join(''), bytes.toString('hex'), bytes.toString('hex').toUpperCase(), encodeURIComponent(secret)]);
  for (const pad of [0, 1, 2]) {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    const core = b64.slice(Math.ceil((pad * 8) / 6), Math.floor(((pad + bytes.length) * 8) / 6));
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out].filter((s) => s.length >= 8);
}

/** Every fragment of `secrets` (in every encoding) found in a run's stdout or stderr. */
export function leaks(run: CliRun, secrets: string[] = Object.values(HOSTILE_RUN_ENV)): string[] {
  const text = run.stdout + run.stderr;
  const found: string[] = [];
  for (const secret of secrets) for (const form of encodings(secret)) if (text.includes(form)) found.push(form);
  return found;
}

/** A Lua prelude: `try(f, ...)` gives "ok" or the error code of what `f` raised. */
export const LUA_TRY = `
local function try(f, ...)
  local ok, e = pcall(f, ...)
  if ok then return "ok" end
  local s = tostring(e)
  return s:match("(%u[%u_]+): ") or s
end
`;

/** Runs a script through the built CLI with the hostile environment (and generous timers). */
export function runHostile(dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return cli(['run', ...args], { cwd: dir, env: { ...HOSTILE_RUN_ENV, ...extraEnv }, timeoutMs: 110_000 });
}

/** The last line of stdout as JSON (the script's return value). */
export function lastJson(r: CliRun): any {
  const lines = r.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(`no JSON result\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}
