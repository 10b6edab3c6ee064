import { LlmspellError, REDACTED, looksLikeSecretName, type SecretRedactor } from '@llmspell/core';

export type SecretValuePolicy = 'redact' | 'refuse' | 'allow';

/**
 * Checks that `value` is JSON-like data (null, booleans, finite numbers, strings, arrays,
 * plain objects) with no cycle. Shared sub-objects are fine; a real cycle is refused with
 * STATE_CIRCULAR_VALUE and the `$.a.b[0]` path where it closes.
 */
export function checkStorable(value: unknown, path = '$', ancestors: object[] = []): void {
  if (value === null || value === undefined) return;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new LlmspellError('INVALID_ARGUMENT', `value at ${path} is ${value}, which JSON cannot hold`);
      return;
    case 'object':
      break;
    default:
      throw new LlmspellError('INVALID_ARGUMENT', `value at ${path} is a ${typeof value}; state holds JSON-like data only (tables/objects, arrays, strings, numbers, booleans, nil)`);
  }
  const obj = value as object;
  if (ancestors.includes(obj)) {
    throw new LlmspellError('STATE_CIRCULAR_VALUE', `value refers back to itself at ${path}; state values must not be circular`, { details: { path } });
  }
  const proto = Object.getPrototypeOf(obj);
  // A plain object from any realm (vm contexts, structuredClone in a sandbox) has a prototype
  // whose own prototype is null.
  if (!Array.isArray(obj) && proto !== null && Object.getPrototypeOf(proto) !== null) {
    throw new LlmspellError('INVALID_ARGUMENT', `value at ${path} is a ${proto?.constructor?.name ?? 'non-plain'} object; state holds JSON-like data only`);
  }
  ancestors.push(obj);
  if (Array.isArray(obj)) obj.forEach((v, i) => checkStorable(v, `${path}[${i}]`, ancestors));
  else for (const [k, v] of Object.entries(obj)) checkStorable(v, /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, ancestors);
  ancestors.pop();
}

/** JSON text of a checked value. `undefined` is stored as null. */
export function encodeValue(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

export function decodeValue(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LlmspellError('STATE_ERROR', `stored value is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Applies the secret policy to a value about to be stored under `key`. A string stored
 * directly under a secret-looking key (`api_key`, `password`…) counts as a secret, like a
 * field of that name inside an object.
 */
export function applySecretPolicy(value: unknown, key: string, policy: SecretValuePolicy, redactor: SecretRedactor): unknown {
  if (policy === 'allow') return value;
  let redacted: unknown;
  if (typeof value === 'string' && value !== '' && looksLikeSecretName(key)) redacted = REDACTED;
  else redacted = redactor.redactValue(value);
  if (redacted === value || JSON.stringify(redacted) === JSON.stringify(value)) return value;
  if (policy === 'refuse') {
    throw new LlmspellError('STATE_SECRET_REFUSED', `the value for key '${key}' looks like it holds a secret (API key, token or password); state refuses to store secrets (runtime.state_persistence.secret_values = "refuse")`, { details: { key } });
  }
  return redacted;
}
