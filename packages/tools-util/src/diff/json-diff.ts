import { jsonEqual } from '../json-equal.js';
export interface JsonChange {
  path: string;
  type: 'added' | 'removed' | 'modified';
  old?: unknown;
  new?: unknown;
}

export interface JsonDiff {
  equal: boolean;
  added: Record<string, unknown>;
  removed: Record<string, unknown>;
  modified: Record<string, { old: unknown; new: unknown }>;
  changes: JsonChange[];
  unchanged_count: number;
  stats: { added: number; removed: number; modified: number; total: number };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function keyPath(base: string, key: string): string {
  const safe = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (safe.startsWith('[')) return `${base}${safe}`;
  return base ? `${base}.${safe}` : safe;
}

/**
 * Structural diff: objects by key, arrays by index. Paths look like `user.tags[1]`; the root
 * is `$` when the whole value changed type.
 */
export function jsonDiff(oldValue: unknown, newValue: unknown): JsonDiff {
  const out: JsonDiff = { equal: true, added: {}, removed: {}, modified: {}, changes: [], unchanged_count: 0, stats: { added: 0, removed: 0, modified: 0, total: 0 } };
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        const p = keyPath(path, key);
        if (!Object.hasOwn(b, key)) {
          out.removed[p] = a[key];
          out.changes.push({ path: p, type: 'removed', old: a[key] });
        } else walk(a[key], b[key], p);
      }
      for (const key of Object.keys(b)) {
        if (Object.hasOwn(a, key)) continue;
        const p = keyPath(path, key);
        out.added[p] = b[key];
        out.changes.push({ path: p, type: 'added', new: b[key] });
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const common = Math.min(a.length, b.length);
      for (let i = 0; i < common; i += 1) walk(a[i], b[i], `${path}[${i}]`);
      for (let i = common; i < a.length; i += 1) {
        out.removed[`${path}[${i}]`] = a[i];
        out.changes.push({ path: `${path}[${i}]`, type: 'removed', old: a[i] });
      }
      for (let i = common; i < b.length; i += 1) {
        out.added[`${path}[${i}]`] = b[i];
        out.changes.push({ path: `${path}[${i}]`, type: 'added', new: b[i] });
      }
      return;
    }
    if (jsonEqual(a, b)) {
      out.unchanged_count += 1;
      return;
    }
    const p = path || '$';
    out.modified[p] = { old: a, new: b };
    out.changes.push({ path: p, type: 'modified', old: a, new: b });
  };
  walk(oldValue, newValue, '');
  out.stats = {
    added: Object.keys(out.added).length,
    removed: Object.keys(out.removed).length,
    modified: Object.keys(out.modified).length,
    total: out.changes.length,
  };
  out.equal = out.changes.length === 0;
  return out;
}
