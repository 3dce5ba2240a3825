/**
 * Slice plans: when a TWAP or VWAP decides, and how many lots it plans at each decision.
 * Pure functions of the validated config (and, for VWAP, the start time, which places
 * the horizon on the volume profile's time of day), so a plan can be shown, tested and
 * recomputed after a restart.
 */
import type { TwapConfig, VwapConfig } from "./AlgoParams.js"
import { apportion, mergeBelowMinimum } from "./internal/apportion.js"
import { Prng } from "./internal/Prng.js"
import { sliceWeights } from "./VolumeProfile.js"

/** A schedule relative to the start: decision offsets (ms, non-decreasing) and the lots planned at each. */
export interface SlicePlan {
  /** When each decision is due, ms after the start. */
  readonly offsets: ReadonlyArray<number>
  /** Lots planned at each decision (0 for a pure participation check); they sum to the parent. */
  readonly sizes: ReadonlyArray<number>
  /** When each decision was due before randomisation (equal to `offsets` without time jitter). */
  readonly scheduled: ReadonlyArray<number>
}

const MILLION = 1_000_000n

/** floor(a * ppm / 1e6) exactly. */
const fractionOf = (a: number, ppm: number): number => Number((BigInt(a) * BigInt(ppm)) / MILLION)

/**
 * TWAP: `sliceCount` slices, one every durationMs/sliceCount (slice k at floor(k*D/n)).
 * Sizes differ by at most one lot, the larger first. If equal slices would fall below the
 * minimum, consecutive slices are merged into groups (group j sent at the time of its
 * first slice) so there are floor(L / minLots) of them. Randomisation, from the seed:
 * pairs of slices trade up to `sizePpm` of the smaller between them (never below the
 * minimum), and each slice goes out up to `timePpm` of an interval after its time.
 */
export const twap = (c: Pick<TwapConfig, "parentLots" | "minLots" | "durationMs" | "sliceCount" | "jitter">): SlicePlan => {
  const n = c.sliceCount
  const groups = Math.max(1, Math.min(n, Math.floor(c.parentLots / c.minLots)))
  const sizes = apportion(c.parentLots, new Array<bigint>(groups).fill(1n))
  const scheduled = new Array<number>(groups)
  for (let j = 0; j < groups; j++) {
    const k = Math.floor((j * n) / groups)
    scheduled[j] = Math.floor((k * c.durationMs) / n)
  }
  const offsets = scheduled.slice()
  const jitter = c.jitter
  if (jitter !== undefined) {
    const prng = new Prng(jitter.seed)
    if (jitter.sizePpm > 0) {
      for (let j = 0; j + 1 < groups; j += 2) {
        const plus = prng.below(2) === 0 ? j : j + 1
        const minus = plus === j ? j + 1 : j
        const bound = Math.min(fractionOf(Math.min(sizes[j]!, sizes[j + 1]!), jitter.sizePpm), sizes[minus]! - c.minLots)
        const delta = bound > 0 ? prng.below(bound + 1) : 0
        sizes[plus]! += delta
        sizes[minus]! -= delta
      }
    }
    if (jitter.timePpm > 0) {
      const most = fractionOf(Math.floor(c.durationMs / n), jitter.timePpm)
      for (let j = 0; j < groups; j++) offsets[j]! += prng.below(most + 1)
    }
  }
  return { offsets, sizes, scheduled }
}

/**
 * VWAP. With a profile: `sliceCount` slices at floor(i*D/n), sized in proportion to the
 * profile's volume over each slice's time of day (largest remainder, exact), slices below
 * the minimum merged forward; with a participation cap as well, one more decision at the
 * horizon end. Without a profile (participation only): a decision at the end of each
 * interval, each planning "everything", so only the cap limits it.
 */
export const vwap = (
  c: Pick<VwapConfig, "parentLots" | "minLots" | "durationMs" | "sliceCount" | "profile" | "cap">,
  startMs: number
): SlicePlan => {
  const n = c.sliceCount
  const offsets: Array<number> = []
  let sizes: Array<number>
  if (c.profile === undefined) {
    for (let i = 1; i <= n; i++) offsets.push(Math.floor((i * c.durationMs) / n))
    // Everything is planned at once; the participation cap alone holds it back.
    sizes = new Array<number>(n).fill(0)
    sizes[0] = c.parentLots
  } else {
    for (let i = 0; i < n; i++) offsets.push(Math.floor((i * c.durationMs) / n))
    sizes = mergeBelowMinimum(apportion(c.parentLots, sliceWeights(c.profile, startMs, c.durationMs, n)), c.minLots)
    if (c.cap !== undefined) {
      offsets.push(c.durationMs)
      sizes.push(0)
    }
  }
  return { offsets, sizes, scheduled: offsets }
}
