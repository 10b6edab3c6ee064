import semver from 'semver';
import { LlmspellError } from '@llmspell/core';

/** Scripts may write `2` or `"2.1"`; both are completed to three numbers before `semver` parses them. */
const SHORTHAND = /^v?(\d+)(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Accepts `2`, `"2"`, `"2.1"`, `"2.1.3"`, `"v2.1.3-beta.2"`, `"2.1.3+build.5"`; returns the canonical
 * `x.y.z[-pre]`. Build metadata is dropped: SemVer 2.0.0 §10 gives it no precedence, so two
 * versions differing only in it name the same schema.
 */
export function normalizeVersion(input: unknown, what = 'version'): string {
  const text = typeof input === 'number' && Number.isInteger(input) && input >= 0 ? String(input) : input;
  const trimmed = typeof text === 'string' ? text.trim() : undefined;
  const short = trimmed === undefined ? null : SHORTHAND.exec(trimmed);
  const full = short ? `${short[1]}.${short[2] ?? 0}.0${short[3] ?? ''}${short[4] ?? ''}` : trimmed;
  const parsed = full === undefined ? null : semver.parse(full);
  if (!parsed) throw new LlmspellError('INVALID_ARGUMENT', `${what} must be a semantic version like "1.2.0", got ${JSON.stringify(input)}`);
  return parsed.version;
}

/** SemVer 2.0.0 precedence (§11): prerelease identifiers compare numerically when numeric. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(normalizeVersion(a), normalizeVersion(b));
}
