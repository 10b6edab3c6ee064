import { LlmspellError, z } from '@llmspell/core';

const LimitsSchema = z.looseObject({
  memoryBytes: z.number().int().positive(),
  timeoutMs: z.number().positive(),
  stackBytes: z.number().int().positive().optional(),
});

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'expected a function');

export const ContextOptionsSchema = z.looseObject({
  globals: z.record(z.string(), z.unknown()),
  limits: LimitsSchema,
  output: z.looseObject({ stdout: fn, stderr: fn }),
});

export const RunOptionsSchema = z.looseObject({
  filename: z.string().min(1),
  timeoutMs: z.number().positive().optional(),
  signal: z.custom<AbortSignal>(
    (value) => value === undefined || (typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean' &&
      typeof (value as AbortSignal).addEventListener === 'function'),
    'expected an AbortSignal',
  ).optional(),
});

/** Parses `value`, or throws INVALID_ARGUMENT naming the first bad parameter. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.length > 0 ? issue.path.join('.') : what;
  throw new LlmspellError('INVALID_ARGUMENT', `${what}: parameter '${path}': ${issue.message}`);
}
