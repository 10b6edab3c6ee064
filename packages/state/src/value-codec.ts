import { LlmspellError, REDACTED, isScriptCallback, looksLikeSecretName, type SecretRedactor } from '@llmspell/core';

export type SecretValuePolicy = 'redact' | 'refuse' | 'allow';

function formatPath(parts: Array<string | number>): string {
  let out = '$';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return out;
}

/**
 * Checks that `value` is JSON-like data (null, booleans, finite numbers, strings, arrays,
 * plain objects) with no cycle. Shared sub-objects are fine; a real cycle is refused with
 * STATE_CIRCULAR_VALUE and the `$.a.b[0]` path where it closes.
 */
export function checkStorable(value: unknown): void {
  // Fast pass without path bookkeeping; only a value that fails it is walked again to word the error.
  if (isStorable(value, [])) return;
  explainUnstorable(value);
  throw new LlmspellError('INVALID_ARGUMENT', 'value is not JSON-like data');
}

const hasOwn = Object.prototype.hasOwnProperty;

function isStorable(v: unknown, ancestors: object[]): boolean {
  if (v === null || v === undefined) return true;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object':
      break;
    default:
      return false;
  }
  const obj = v as object;
  if (ancestors.includes(obj)) return false;
  ancestors.push(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) if (!isStorable(obj[i], ancestors)) return false;
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== null && Object.getPrototypeOf(proto) !== null) return false;
    for (const k in obj) if (hasOwn.call(obj, k) && !isStorable((obj as Record<string, unknown>)[k], ancestors)) return false;
  }
  ancestors.pop();
  return true;
}

/** Throws the error naming the first place where `value` is not storable. */
function explainUnstorable(value: unknown): void {
  const ancestors: object[] = [];
  const path: Array<string | number> = [];
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v)) throw new LlmspellError('INVALID_ARGUMENT', `value at ${formatPath(path)} is ${v}, which JSON cannot hold`);
        return;
      case 'object':
        break;
      default:
        throw new LlmspellError('INVALID_ARGUMENT', `value at ${formatPath(path)} is a ${typeof v}; state holds JSON-like data only (tables/objects, arrays, strings, numbers, booleans, nil/null)`);
    }
    const obj = v as object;
    if (ancestors.includes(obj)) {
      const where = formatPath(path);
      throw new LlmspellError('STATE_CIRCULAR_VALUE', `value refers back to itself at ${where}; state values must not be circular`, { details: { path: where } });
    }
    const isArray = Array.isArray(obj);
    const proto = Object.getPrototypeOf(obj);
    // A plain object from any realm (vm contexts, structuredClone in a sandbox) has a prototype
    // whose own prototype is null.
    if (!isArray && proto !== null && Object.getPrototypeOf(proto) !== null) {
      throw new LlmspellError('INVALID_ARGUMENT', `value at ${formatPath(path)} is ${isScriptCallback(obj) ? 'a function' : `a ${proto?.constructor?.name ?? 'non-plain'} object`}; state holds JSON-like data only (tables/objects, arrays, strings, numbers, booleans, nil/null)`);
    }
    ancestors.push(obj);
    if (isArray) {
      const arr = obj as unknown[];
      for (let i = 0; i < arr.length; i++) {
        path.push(i);
        walk(arr[i]);
        path.pop();
      }
    } else {
      for (const k in obj) {
        if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
        path.push(k);
        walk((obj as Record<string, unknown>)[k]);
        path.pop();
      }
    }
    ancestors.pop();
  };
  walk(value);
}

/** JSON text of a checked value. `undefined` is stored as null. */
export function encodeValue(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/**
 * A stored value's JSON text, decoded. `scope` and `key` name the value in the error when the
 * text is not JSON (a file edited by hand, a foreign writer): without them a user cannot tell
 * which of thousands of keys to repair or delete.
 */
export function decodeValue(text: string | undefined, scope?: string, key?: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = scope === undefined ? '' : ` for ${scope}/${key}`;
    throw new LlmspellError('STATE_ERROR', `stored value${where} is not valid JSON (${(error as Error).message}); repair it or remove it with \`llmspell state delete ${scope ?? '<scope>'} ${key ?? '<key>'}\``, {
      cause: error, details: scope === undefined ? undefined : { scope, key },
    });
  }
}

const nameVerdicts = new Map<string, boolean>();

/** `looksLikeSecretName`, remembered: the same few field names come back on every write. */
function secretName(name: string): boolean {
  let verdict = nameVerdicts.get(name);
  if (verdict === undefined) {
    verdict = looksLikeSecretName(name);
    if (nameVerdicts.size > 5000) nameVerdicts.clear();
    nameVerdicts.set(name, verdict);
  }
  return verdict;
}

/**
 * The value with secrets replaced by `[REDACTED]` — the very same reference when there was
 * nothing to replace, so the common case allocates nothing. Mirrors core's
 * `SecretRedactor.redactValue`: secret-looking strings, and any string or number stored under
 * a secret-looking field name.
 */
function redactSecrets(value: unknown, redactor: SecretRedactor): unknown {
  if (typeof value === 'string') return value.length < 6 ? value : redactor.redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = redactSecrets(value[i], redactor);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    if (!hasOwn.call(obj, k)) continue;
    const v = obj[k];
    const r = secretName(k) && (typeof v === 'string' || typeof v === 'number') && v !== '' ? REDACTED : redactSecrets(v, redactor);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = r;
  }
  return out ?? value;
}

/**
 * Applies the secret policy to a value about to be stored under `key`. A string stored
 * directly under a secret-looking key (`api_key`, `password`…) counts as a secret, like a
 * field of that name inside an object.
 */
export function applySecretPolicy(value: unknown, key: string, policy: SecretValuePolicy, redactor: SecretRedactor): unknown {
  if (policy === 'allow') return value;
  const redacted = typeof value === 'string' && value !== '' && secretName(key) ? REDACTED : redactSecrets(value, redactor);
  if (redacted === value) return value;
  if (policy === 'refuse') {
    throw new LlmspellError('STATE_SECRET_REFUSED', `the value for key '${key}' looks like it holds a secret (API key, token or password); state refuses to store secrets (runtime.state_persistence.secret_values = "refuse")`, { details: { key } });
  }
  return redacted;
}
