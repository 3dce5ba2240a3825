/**
 * The expected shape of a day's trading volume, for VWAP: traded size summed per
 * time-of-day bucket (UTC) over some history. Built from the marketdata catalog's trades
 * with `fromTrades`; a VWAP turns it into slice weights for its own horizon with
 * `sliceWeights`. Volumes are integers (volume units), so the weights, and the slice
 * sizes derived from them, are exact.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { InvalidAlgoParams } from "./AlgoError.js"

/** Milliseconds in a UTC day; profiles are indexed by time of day. */
export const DAY_MS = 86_400_000

/** Historical volume per time-of-day bucket. */
export const VolumeProfile = Schema.Struct({
  /** Bucket width in milliseconds; divides a day. */
  bucketMs: Schema.Int.pipe(
    Schema.positive(),
    Schema.filter((b) => DAY_MS % b === 0 || `bucketMs ${b} does not divide a day (${DAY_MS} ms)`)
  ),
  /** Summed size per bucket in volume units, bucket 0 starting at 00:00 UTC; `DAY_MS / bucketMs` entries. */
  volumes: Schema.Array(Schema.NonNegativeInt.pipe(Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER)))
}).pipe(
  Schema.filter((p) =>
    p.volumes.length === DAY_MS / p.bucketMs ||
    `a profile with bucketMs ${p.bucketMs} has ${DAY_MS / p.bucketMs} buckets, got ${p.volumes.length} volumes`
  ),
  Schema.annotations({ identifier: "VolumeProfile" })
)
/** Historical volume per time-of-day bucket. */
export type VolumeProfile = typeof VolumeProfile.Type

/** One historical trade as the catalog gives it: a time and an integer size in volume units. */
export interface HistoricalTrade {
  /** Exchange time in `timeUnit`s since the epoch (a bigint for nanoseconds, as the catalog stores them). */
  readonly ts: number | bigint
  /** Size in volume units, a non-negative safe integer. */
  readonly size: number
}

/** How `fromTrades` buckets. */
export interface FromTradesOptions {
  /** Bucket width in milliseconds; divides a day. Default 60,000 (one minute). */
  readonly bucketMs?: number
  /** Unit of `ts`: "ms" (default), "us" (Tardis CSV) or "ns" (the marketdata catalog). */
  readonly timeUnit?: "ms" | "us" | "ns"
}

const PER_MS = { ms: 1n, us: 1_000n, ns: 1_000_000n } as const

const invalid = (param: string, message: string): InvalidAlgoParams =>
  new InvalidAlgoParams({ reason: "InvalidOptions", operationId: "", issues: [{ param, message }], message: `invalid volume profile: ${param}: ${message}` })

/**
 * Sums trade sizes per time-of-day bucket. Days are folded onto one another, so a week of
 * history gives a week's total per bucket: only the shape matters to a VWAP. Fails on a
 * bad bucket width, a negative or fractional size, or a negative time.
 */
export const fromTrades = (
  trades: Iterable<HistoricalTrade>,
  options: FromTradesOptions = {}
): Either.Either<VolumeProfile, InvalidAlgoParams> => {
  const bucketMs = options.bucketMs ?? 60_000
  if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0 || DAY_MS % bucketMs !== 0) {
    return Either.left(invalid("bucketMs", `${bucketMs} is not a positive whole number of milliseconds dividing a day`))
  }
  const perMs = PER_MS[options.timeUnit ?? "ms"]
  const volumes = new Array<number>(DAY_MS / bucketMs).fill(0)
  let n = 0
  for (const t of trades) {
    if (!Number.isSafeInteger(t.size) || t.size < 0) {
      return Either.left(invalid(`trades[${n}].size`, `${t.size} is not a non-negative whole number of volume units`))
    }
    const ts = typeof t.ts === "bigint" ? t.ts : Number.isSafeInteger(t.ts) ? BigInt(t.ts) : -1n
    if (ts < 0n) return Either.left(invalid(`trades[${n}].ts`, `${t.ts} is not a non-negative whole time`))
    const ms = ts / perMs
    const bucket = Number(ms % BigInt(DAY_MS)) / bucketMs
    const b = Math.floor(bucket)
    const v = volumes[b]! + t.size
    if (!Number.isSafeInteger(v)) return Either.left(invalid(`trades[${n}].size`, "the summed volume of a bucket passes 2^53"))
    volumes[b] = v
    n++
  }
  return Either.right({ bucketMs, volumes })
}

/**
 * The weight of each of `sliceCount` equal slices of [startMs, startMs + durationMs): the
 * profile's volume over the slice's time-of-day window, each bucket counted in proportion
 * to the milliseconds of it the slice covers (volume x ms, exact). Horizons may cross
 * midnight and span days.
 */
export const sliceWeights = (profile: VolumeProfile, startMs: number, durationMs: number, sliceCount: number): Array<bigint> => {
  const { bucketMs, volumes } = profile
  const weights = new Array<bigint>(sliceCount)
  for (let i = 0; i < sliceCount; i++) {
    const a = startMs + Math.floor((i * durationMs) / sliceCount)
    const b = startMs + Math.floor(((i + 1) * durationMs) / sliceCount)
    let w = 0n
    let t = a
    while (t < b) {
      const tod = t % DAY_MS
      const into = tod % bucketMs
      const end = Math.min(b, t - into + bucketMs)
      const v = volumes[(tod - into) / bucketMs]!
      if (v !== 0) w += BigInt(v) * BigInt(end - t)
      t = end
    }
    weights[i] = w
  }
  return weights
}
