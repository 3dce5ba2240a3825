/**
 * One instance per name for the strings the hot path compares (venues, instrument ids,
 * assets, strategy ids): the config, the catalog's definitions and the specs built from
 * them each hold their own copy of a name, and `===` between two copies compares their
 * characters (V8's StringEqual), where two references to one internalized string compare
 * as pointers, equal or not. A property key is internalized in V8, so the key of a one-key
 * object is the canonical instance (an array-index name such as "123", or another engine,
 * gives back an equal string). Not for per-order strings: internalizing every operation id
 * cost ~6,000 instructions per order (the string table), far more than it saved.
 */
export const intern = (s: string): string => {
  const o: Record<string, 0> = { [s]: 0 }
  for (const k in o) return k
  return s
}
