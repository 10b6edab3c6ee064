import fs from 'node:fs';
import path from 'node:path';
import { realpathOfLongestExistingPrefix } from './file-access.js';

/**
 * Follows a symlink's `target` from the real directory `fromDir` the way the kernel would,
 * component by component, reading links on disk as it goes, and reports whether every step
 * stays where `allowed` says. Lexical checks alone are not enough: with `d -> .`, the target
 * `d/..` looks inside but really is the parent. Components that do not exist yet are taken
 * literally (each step must still be allowed). Absolute targets are refused unless
 * `absolute = 'resolve'`, which checks where they really lead.
 */
export function linkStaysInside(
  allowed: (real: string) => boolean,
  fromDir: string,
  target: string,
  options: { absolute?: 'refuse' | 'resolve' } = {},
  hopsLeft = 40,
): boolean {
  if (path.isAbsolute(target) || /^[A-Za-z]:/.test(target)) {
    return options.absolute === 'resolve' && path.isAbsolute(target) && allowed(realpathOfLongestExistingPrefix(target));
  }
  let current = fromDir;
  const parts = target.split(/[\\/]+/).filter((s) => s.length > 0 && s !== '.');
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    if (part === '..') {
      current = path.dirname(current);
      if (!allowed(current)) return false;
      continue;
    }
    const next = path.join(current, part);
    if (!allowed(next)) return false;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(next);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink()) {
      if (hopsLeft <= 0) return false;
      const rest = parts.slice(i + 1).join('/');
      const inner = fs.readlinkSync(next);
      // Resolve the link first, then continue with the remaining parts from where it lands.
      return linkStaysInside(allowed, current, rest ? `${inner}/${rest}` : inner, options, hopsLeft - 1);
    }
    current = next;
  }
  return allowed(current);
}
