/**
 * JSON size and previews that stop early. jq values can share structure (`[., .]` twenty times is
 * a million-leaf tree held in twenty arrays), so `JSON.stringify` of a small value can run for
 * hours or exhaust memory; these walk at most as far as their limit.
 */

type Json = unknown;

/** The JSON text length of `v`, or `Infinity` as soon as it passes `limit`. */
export function jsonSizeWithin(v: Json, limit: number): number {
  let size = 0;
  const stack: Json[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || x === undefined) size += 4;
    else if (typeof x === 'string') size += x.length + 2;
    else if (typeof x === 'number') size += 8;
    else if (typeof x === 'boolean') size += 5;
    else if (Array.isArray(x)) {
      size += 2 + x.length;
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    } else if (typeof x === 'object') {
      for (const [k, val] of Object.entries(x as Record<string, Json>)) {
        size += k.length + 4;
        stack.push(val);
      }
      size += 2;
    }
    if (size > limit) return Infinity;
    // Pending items count too: a DAG pushes many before any is sized.
    if (stack.length > limit) return Infinity;
  }
  return size;
}

/** JSON text of `v` cut to about `max` characters (`…` marks the cut). */
export function jsonPreview(v: Json, max: number): string {
  let out = '';
  const emit = (s: string): boolean => {
    out += s;
    return out.length <= max;
  };
  const walk = (x: Json): boolean => {
    if (Array.isArray(x)) {
      if (!emit('[')) return false;
      for (let i = 0; i < x.length; i++) if ((i > 0 && !emit(',')) || !walk(x[i])) return false;
      return emit(']');
    }
    if (x !== null && typeof x === 'object') {
      if (!emit('{')) return false;
      let first = true;
      for (const [k, val] of Object.entries(x as Record<string, Json>)) {
        if ((!first && !emit(',')) || !emit(`${JSON.stringify(k)}:`) || !walk(val)) return false;
        first = false;
      }
      return emit('}');
    }
    if (typeof x === 'string') return emit(JSON.stringify(x.length > max ? x.slice(0, max + 1) : x));
    return emit(JSON.stringify(x) ?? 'null');
  };
  return walk(v) ? out : `${out.slice(0, max)}…`;
}
