/**
 * Test support for tools that start processes or read the environment: real programs, real
 * process ids, no sleeps (`@llmspell/core/testing`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Whether a program is installed (found by `sh -c 'command -v …'`); tests that need it skip otherwise. */
export function hasProgram(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v '${program.replace(/'/g, '')}'`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True once a process is gone, or a zombie (dead, waiting for its parent to reap it). */
export function isProcessDead(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

/** Resolves true when the process dies, false if it is still alive after `limitMs` (polled, no fixed sleep). */
export async function waitForProcessExit(pid: number, limitMs = 20_000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (isProcessDead(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return isProcessDead(pid);
}

/**
 * Secret-bearing environment variables that `environment_reader list` once printed in clear
 * (issue 12): tests set them and check that no value comes out. The values are fakes.
 */
export const SECRET_BEARING_ENV: Readonly<Record<string, string>> = {
  GH_PAT: 'ghp_fixtureabcdefghijklmnopqrstuvwxyz0123',
  STRIPE_SK: 'sk_live_fixtureabcdefghij1234',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0FIXTURE/B0FIXTURE/XXXXXXXXXXXXXXXXfixture',
  SENTRY_DSN: 'https://0123456789abcdeffixture0123456789@o12345.ingest.sentry.io/678',
  REDIS_URL: 'redis://:fixture-redis-pw-0123@cache.internal:6379/0',
  DB_PASS: 'fixture horse battery staple',
  COOKIE: 'sid=fixture0123456789abcdef',
  SESSION: 's%3Afixture.0123456789abcdef',
  OPENAI_KEY: 'sk-proj-fixtureabcdefghijklmnopqrstuvwxyz01',
  APIKEY2: 'k-fixture-0123456789',
  MYSECRET: 'fixture-launch-codes-0000',
};
