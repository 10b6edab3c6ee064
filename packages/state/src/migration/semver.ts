import { LlmspellError } from '@llmspell/core';

export interface SemanticVersion {
  major: number;
  minor: number;
  patch: number;
  pre?: string;
}

/** Accepts `2`, `"2"`, `"2.1"`, `"2.1.3"`, `"2.1.3-beta"`; returns the canonical `x.y.z[-pre]`. */
export function normalizeVersion(input: unknown, what = 'version'): string {
  const v = parseVersion(input, what);
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ''}`;
}

export function parseVersion(input: unknown, what = 'version'): SemanticVersion {
  const text = typeof input === 'number' && Number.isInteger(input) && input >= 0 ? String(input) : input;
  const m = typeof text === 'string' ? /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/.exec(text.trim()) : null;
  if (!m) throw new LlmspellError('INVALID_ARGUMENT', `${what} must be a semantic version like "1.2.0", got ${JSON.stringify(input)}`);
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), pre: m[4] };
}

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x.major !== y.major) return x.major - y.major;
  if (x.minor !== y.minor) return x.minor - y.minor;
  if (x.patch !== y.patch) return x.patch - y.patch;
  if (x.pre === y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return x.pre < y.pre ? -1 : 1;
}
