/**
 * Integer splitting of a quantity of lots: exact (bigint where products can pass 2^53),
 * deterministic, and never off by a lot in total.
 */

/**
 * Splits `total` lots into parts proportional to `weights` by the largest-remainder
 * method: each part is floor(total * w / W), and the lots left over go one each to the
 * parts with the largest remainders, the earliest first on a tie. Equal weights therefore
 * give parts that differ by at most one lot, the larger ones first. All-zero weights are
 * treated as equal.
 */
export const apportion = (total: number, weights: ReadonlyArray<bigint>): Array<number> => {
  const n = weights.length
  let sum = 0n
  for (const w of weights) sum += w
  const equal = sum === 0n
  const W = equal ? BigInt(n) : sum
  const T = BigInt(total)
  const parts = new Array<number>(n)
  const remainders = new Array<bigint>(n)
  let given = 0
  for (let i = 0; i < n; i++) {
    const product = T * (equal ? 1n : weights[i]!)
    parts[i] = Number(product / W)
    remainders[i] = product % W
    given += parts[i]!
  }
  let left = total - given
  if (left > 0) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      const ra = remainders[a]!
      const rb = remainders[b]!
      return ra > rb ? -1 : ra < rb ? 1 : a - b
    })
    for (let k = 0; left > 0; k++, left--) parts[order[k]!]! += 1
  }
  return parts
}

/**
 * Moves every part below `minLots` forward into the next part (the last one back into the
 * previous non-empty part), so every non-empty part is at least `minLots` and the total is
 * unchanged. Needs `sum(parts) >= minLots`.
 */
export const mergeBelowMinimum = (parts: ReadonlyArray<number>, minLots: number): Array<number> => {
  const out = new Array<number>(parts.length).fill(0)
  let carry = 0
  let lastNonEmpty = -1
  for (let i = 0; i < parts.length; i++) {
    const q = parts[i]! + carry
    if (q >= minLots && q > 0) {
      out[i] = q
      carry = 0
      lastNonEmpty = i
    } else {
      carry = q
    }
  }
  if (carry > 0) {
    if (lastNonEmpty >= 0) out[lastNonEmpty]! += carry
    else out[parts.length - 1] = carry
  }
  return out
}
