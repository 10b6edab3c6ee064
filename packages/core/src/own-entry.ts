/**
 * `table[key]` for the table's own keys only. Lookup tables keyed by names a script or config
 * gives would otherwise answer `constructor`, `toString` or `__proto__` with Object.prototype's
 * members.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
