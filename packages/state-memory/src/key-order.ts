/**
 * Keys are ordered by Unicode code point, which is the byte order of their UTF-8 form:
 * the order SQLite (BINARY collation) and RocksDB (bytewise comparator) use. JavaScript's
 * `<` compares UTF-16 code units and would put 'a😀' before 'a\uFFFF'.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs && !ys && y >= 0xe000) return 1;
    if (ys && !xs && x >= 0xe000) return -1;
    return x - y;
  }
  return a.length - b.length;
}
