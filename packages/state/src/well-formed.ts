const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the string has no unpaired surrogate (so it survives UTF-8 encoding unchanged). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
