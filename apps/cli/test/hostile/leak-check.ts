/**
 * Fake credentials for the hostile corpus, and the check that none of them (in any encoding a
 * script could cheaply produce) reached a run's output.
 */
import type { CliRun } from '../helpers.js';

export const FAKE_KEYS = {
  OPENAI_API_KEY: 'sk-test-hostile-openai-0123456789abcdef',
  ANTHROPIC_API_KEY: 'sk-ant-test-hostile-0123456789abcdefgh',
};

/** Variables that `environment_reader list` printed in clear before issue 12. */
export const HOSTILE_ENV: Record<string, string> = {
  GH_PAT: 'ghp_hostileabcdefghijklmnopqrstuvwxyz0123',
  STRIPE_SK: 'sk_live_hostileabcdefghij1234',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0HOSTILE/B0HOSTILE/XXXXXXXXXXXXXXXXhostile',
  SENTRY_DSN: 'https://0123456789abcdefhostile0123456789@o12345.ingest.sentry.io/678',
  REDIS_URL: 'redis://:hostile-redis-pw-0123@cache.internal:6379/0',
  DB_PASS: 'hostile horse battery staple',
  COOKIE: 'sid=hostile0123456789abcdef',
  SESSION: 's%3Ahostile.0123456789abcdef',
  OPENAI_KEY: 'sk-proj-hostileabcdefghijklmnopqrstuvwxyz01',
  APIKEY2: 'k-hostile-0123456789',
  MYSECRET: 'hostile-launch-codes-0000',
};

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
