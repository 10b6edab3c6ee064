import type { SecurityPolicy } from '@llmspell/core';

/** Longest captured input/output kept per span (characters). */
export const CONTENT_MAX_CHARS = 8192;
/** Longest attribute value or error message kept (characters). */
export const TEXT_MAX_CHARS = 1024;

export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'null';
  try {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'function') return '[function]';
      if (v && typeof v === 'object') {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    }) ?? 'null';
  } catch {
    return String(value);
  }
}

/**
 * A value as span content: secret-named fields and known secrets masked (the policy's own
 * redaction, the one applied to output and logs), then shortened.
 */
export function contentText(value: unknown, policy: SecurityPolicy): string {
  let safe: unknown;
  try {
    safe = policy.redactValue(value);
  } catch {
    safe = '[unreadable value]';
  }
  return shorten(policy.redact(stringify(safe)), CONTENT_MAX_CHARS);
}

/** Operational text (an error message, a name) with secrets masked. */
export function safeText(text: unknown, policy: SecurityPolicy): string {
  return shorten(policy.redact(typeof text === 'string' ? text : stringify(text)), TEXT_MAX_CHARS);
}

/** An error's message without the `CODE: ` its text starts with (the code is kept apart). */
export function errorMessage(code: string, message: unknown, policy: SecurityPolicy): string {
  let text = typeof message === 'string' ? message : message instanceof Error ? message.message : String(message ?? '');
  while (text.startsWith(`${code}: `)) text = text.slice(code.length + 2);
  return safeText(text, policy);
}

/**
 * A span name made once per key (a tool's, a hook point's): every call names its span, and
 * one string is hashed once where the recorder masks it. At most `max` kept.
 */
export function spanNameMemo(prefix: string, max: number): (key: string) => string {
  const names = new Map<string, string>();
  return (key) => {
    let name = names.get(key);
    if (name === undefined) {
      name = prefix + key;
      if (names.size < max) names.set(key, name);
    }
    return name;
  };
}
