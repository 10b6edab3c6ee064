/**
 * The deepest JSON a tool takes from text, as the script bridges take from scripts ("nested deeper
 * than 200 levels"). JSON.parse itself copes with any depth, but everything that walks the value
 * afterwards (jq, serialising the result) recurses and would overflow the stack.
 */
export const MAX_JSON_DEPTH = 200;

/**
 * Where JSON text first nests deeper than `max` levels of `[`/`{`, or -1 when it does not.
 * One pass over the characters, skipping strings, so it is cheap to run before JSON.parse;
 * the text is not validated here.
 */
export function jsonTooDeepAt(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return -1;
}

/**
 * Whether a value nests deeper than `max`, walked without recursion. jq values can share
 * structure, so an object already seen at this depth or deeper is not walked again.
 */
export function jsonDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const seen = new Map<object, number>();
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    if ((seen.get(v) ?? 0) >= depth) continue;
    seen.set(v, depth);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
