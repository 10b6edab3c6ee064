/**
 * The smallest string greater than every string that starts with `prefix`, in code point
 * (= UTF-8 byte) order, or undefined when no such bound exists (empty prefix, or a prefix of
 * only U+10FFFF). A `StateStore` backend with ordered keys can then scan a prefix as the
 * range `key >= prefix AND key < bound`, which uses its key index.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    let next = (points.pop() as string).codePointAt(0)! + 1;
    // Surrogate code points cannot be encoded in UTF-8; the next encodable one is U+E000.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
