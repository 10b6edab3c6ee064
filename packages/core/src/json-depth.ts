/**
 * The deepest JSON a tool takes from text, as the script bridges take from scripts ("nested deeper
 * than 200 levels"). JSON.parse itself copes with any depth, but everything that walks the value
 * afterwards (jq, a diff, serialising the result) recurses and would overflow the stack.
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
