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
