import { createRequire } from 'node:module';
import type compare from 'semver/functions/compare.js';
import type parse from 'semver/functions/parse.js';
import { LlmspellError } from '@llmspell/core';

// Loaded on first use (only scripts with schema versions need it), and only the two modules
// used: the package's index loads all of semver, ranges included, a cost every start would pay.
let semver: { parse: typeof parse; compare: typeof compare } | undefined;
function lib(): { parse: typeof parse; compare: typeof compare } {
  if (!semver) {
    // written out as `createRequire(import.meta.url)(…)`, the form the CLI's host bundle turns into
    // a bundled require: a loader kept in a variable would look for semver beside the bundle
    semver = {
      parse: createRequire(import.meta.url)('semver/functions/parse.js') as typeof parse,
      compare: createRequire(import.meta.url)('semver/functions/compare.js') as typeof compare,
    };
  }
  return semver;
}

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
  const parsed = full === undefined ? null : lib().parse(full);
  if (!parsed) throw new LlmspellError('INVALID_ARGUMENT', `${what} must be a semantic version like "1.2.0", got ${JSON.stringify(input)}`);
  return parsed.version;
}

/** SemVer 2.0.0 precedence (§11): prerelease identifiers compare numerically when numeric. */
export function compareVersions(a: string, b: string): number {
  return lib().compare(normalizeVersion(a), normalizeVersion(b));
}
