/**
 * The open-addressing table both key indexes use (`ClientIndex`, `KeyIndex`): an `Int32Array`
 * of entries, entry i at `[i << 1]` its key's hash (non-negative) and at `(i << 1) | 1` its
 * slot's handle + 1 (0: empty), linear probing from `hash & mask`. Only the parts that do not
 * depend on how a table hashes or compares its keys are here.
 */

/**
 * Removes the entry of handle + 1 `e`, indexed under hash `h` (it must be present), by backward
 * shift: each later entry of the run that may sit in the freed place (its home is not in
 * (i, j]) moves there, so no tombstone is left and every probe stays as short as at insertion.
 */
export const removeEntry = (t: Int32Array, mask: number, h: number, e: number): void => {
  let i = h & mask
  while (t[(i << 1) | 1] !== e) i = (i + 1) & mask
  let j = i
  for (;;) {
    j = (j + 1) & mask
    const f = t[(j << 1) | 1]!
    if (f === 0) break
    const home = t[j << 1]! & mask
    if (i <= j ? i < home && home <= j : i < home || home <= j) continue
    t[i << 1] = t[j << 1]!
    t[(i << 1) | 1] = f
    i = j
  }
  t[i << 1] = 0
  t[(i << 1) | 1] = 0
}

/** Puts entry (`h`, `e`) in the first empty place from its home (a table being rebuilt: no key is present twice). */
export const placeEntry = (t: Int32Array, mask: number, h: number, e: number): void => {
  let i = h & mask
  while (t[(i << 1) | 1] !== 0) i = (i + 1) & mask
  t[i << 1] = h
  t[(i << 1) | 1] = e
}

/**
 * A table of `capacity` entries (a power of two) holding `old`'s live ones, each under the hash
 * `rehash` gives for its handle + 1 when there is one (the table's keys hashed anew), else under
 * the hash it had. A rare step (growth, a change of hashing): the callback costs nothing per order.
 */
export const rebuildTable = (old: Int32Array, capacity: number, rehash?: (e: number) => number): Int32Array<ArrayBuffer> => {
  const entries = old.length >> 1
  const t = new Int32Array(2 * capacity)
  const mask = capacity - 1
  for (let j = 0; j < entries; j++) {
    const e = old[(j << 1) | 1]!
    if (e !== 0) placeEntry(t, mask, rehash === undefined ? old[j << 1]! : rehash(e), e)
  }
  return t
}
