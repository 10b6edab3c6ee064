import { MAX_JSON_DEPTH } from '@llmspell/core';

export { MAX_JSON_DEPTH, jsonTooDeepAt } from '@llmspell/core';

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
