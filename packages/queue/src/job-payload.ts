import { LlmspellError, looksLikeSecretName, looksLikeSecretValue, z } from '@llmspell/core';
import { hasControlCharacters } from './job-text.js';

/** Largest script a job may carry (its text travels through Redis with every job). */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

/**
 * Text that workers and `llmspell jobs` print (a file name, a run id): a
 * control character there could recolour an operator's terminal or forge a line of it.
 */
const shownText = (max: number) => z.string().min(1).max(max).refine((s) => !hasControlCharacters(s), 'must not contain control characters (newlines, escapes)');

/**
 * What a job carries, and nothing more: the script's text, its arguments, a run id and the
 * options a submitter may set. Never the submitter's environment, config, keys or files:
 * a worker runs the job with its own configuration, keys and policy.
 */
export const JobPayloadSchema = z.object({
  script: z.object({
    source: z.string().refine((s) => Buffer.byteLength(s) <= MAX_SCRIPT_BYTES, `longer than ${MAX_SCRIPT_BYTES} bytes`),
    /** Shown in errors (`job.lua:3: …`). */
    filename: shownText(255),
    engine: z.enum(['lua', 'javascript']),
  }),
  args: z.object({
    positional: z.array(z.string()).max(1000),
    named: z.record(z.string(), z.string()),
  }),
  /**
   * Durable workflows in the script continue this run (as `llmspell resume` does), so a retry
   * picks up after the last step the failed attempt completed.
   */
  run_id: shownText(2048).optional(),
  /** Limits a submitter may tighten, never loosen: the worker keeps the lower of its own and these. */
  options: z.object({
    timeout_seconds: z.number().positive().optional(),
  }).optional(),
  /** Set by a worker after a provider's rate limit delayed the job (not by submitters). */
  rate_limited: z.number().int().nonnegative().optional(),
});

export type JobPayload = z.infer<typeof JobPayloadSchema>;

/** Validates a payload before it is enqueued; errors name the offending field. */
export function checkPayload(payload: unknown): JobPayload {
  const parsed = JobPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'job';
    throw new LlmspellError('INVALID_ARGUMENT', `job ${field}: ${issue?.message ?? 'invalid'}`, { details: { parameter: field } });
  }
  const { positional, named } = parsed.data.args;
  // The worker has its own keys: a key handed over in ARGS would travel through Redis in clear.
  for (const [name, value] of Object.entries(named)) {
    const credentialLike = value.length >= 8 && !/^(\d+|true|false|yes|no)$/i.test(value);
    if (looksLikeSecretValue(value) || (looksLikeSecretName(name) && credentialLike)) {
      throw new LlmspellError('INVALID_ARGUMENT', `script argument --${name} looks like a secret: jobs never carry secrets (they would sit in Redis in clear); give each worker its own keys in its config or environment`, { details: { parameter: name } });
    }
  }
  positional.forEach((value, i) => {
    if (looksLikeSecretValue(value)) {
      throw new LlmspellError('INVALID_ARGUMENT', `script argument ${i + 1} looks like a secret: jobs never carry secrets (they would sit in Redis in clear); give each worker its own keys in its config or environment`, { details: { parameter: `args[${i}]` } });
    }
  });
  return parsed.data;
}
