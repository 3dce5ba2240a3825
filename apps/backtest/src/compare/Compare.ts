/**
 * Side-by-side comparison of two run summaries: every leaf of `summary.json` becomes one
 * metric row with both values, whether they are equal and, for numbers, the exact
 * difference `b - a` (decimal strings stay exact: no float ever decides a difference).
 * `wallTimeMs` and `eventsPerSecond` measure the machine, so they are marked
 * non-deterministic and do not count as differences.
 */
import { RunSummary } from "@odum/backtest"
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** A metric's value as found in summary.json. */
export const MetricValue = Schema.Union(Schema.String, Schema.Number, Schema.Boolean, Schema.Null, Schema.Array(Schema.String)).annotations({
  identifier: "MetricValue"
})
/** A metric's value. */
export type MetricValue = typeof MetricValue.Type

/** One row of the comparison. */
export const MetricRow = Schema.Struct({
  /** Path in summary.json, `.`-separated; map keys (currencies, instruments) and venues appear as segments (`pnl.USDT.total`, `byVenue.BINANCE-FUTURES.fillCount`). */
  metric: Schema.String,
  /** Run a's value; null when run a has no such metric (e.g. a currency it never traded). */
  a: MetricValue,
  b: MetricValue,
  equal: Schema.Boolean,
  /** `b - a`, exact, when both are numbers or decimal strings; null otherwise. */
  difference: Schema.NullOr(Schema.String),
  /** False for the fields that measure the machine (wall time, events per second). */
  deterministic: Schema.Boolean
}).annotations({ identifier: "MetricRow" })
/** One row of the comparison. */
export type MetricRow = typeof MetricRow.Type

/** Which run a side is. */
export const RunRef = Schema.Struct({
  runId: Schema.String,
  name: Schema.NullOr(Schema.String),
  configHash: Schema.String
}).annotations({ identifier: "RunRef" })
/** Which run a side is. */
export type RunRef = typeof RunRef.Type

/** Two runs side by side. */
export const Comparison = Schema.Struct({
  a: RunRef,
  b: RunRef,
  /** Both runs had the same config (equal hashes): their deterministic metrics must then be equal. */
  sameConfig: Schema.Boolean,
  /** How many deterministic metrics differ. */
  differences: Schema.Int,
  metrics: Schema.Array(MetricRow)
}).annotations({ identifier: "Comparison" })
/** Two runs side by side. */
export type Comparison = typeof Comparison.Type

/** Identity fields: shown in `a`/`b`, not compared (a run id always differs). */
const IDENTITY = new Set(["runId", "name", "configHash"])
const NON_DETERMINISTIC = new Set<string>(RunSummary.NON_DETERMINISTIC_FIELDS)

type Leaf = string | number | boolean | null | ReadonlyArray<string>

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Leaves of a JSON value by path; arrays of objects with a `venue` are keyed by venue, other arrays are single values. */
const flatten = (value: unknown, path: string, out: Map<string, Leaf>): void => {
  if (Array.isArray(value)) {
    if (value.every((v) => isRecord(v) && typeof v["venue"] === "string")) {
      for (const v of value as ReadonlyArray<Readonly<Record<string, unknown>>>) {
        const { venue, ...rest } = v
        flatten(rest, `${path}.${venue as string}`, out)
      }
    } else {
      out.set(path, value.map(String))
    }
  } else if (isRecord(value)) {
    for (const key of Object.keys(value).sort()) flatten(value[key], path === "" ? key : `${path}.${key}`, out)
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) {
    out.set(path, value)
  }
}

const leaves = (summary: RunSummary.RunSummary): Map<string, Leaf> => {
  const out = new Map<string, Leaf>()
  const rest = Object.fromEntries(Object.entries(summary).filter(([k]) => !IDENTITY.has(k)))
  flatten(rest, "", out)
  return out
}

const asDecimal = (v: Leaf | undefined): Decimal.Decimal | undefined => {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return undefined
    const d = Decimal.fromString(String(v))
    return Either.isRight(d) ? d.right : undefined
  }
  if (typeof v === "string") {
    const d = Decimal.fromString(v)
    return Either.isRight(d) ? d.right : undefined
  }
  return undefined
}

const leafEqual = (a: Leaf | undefined, b: Leaf | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i])
  }
  const da = asDecimal(a)
  const db = asDecimal(b)
  // "1.50" and "1.5" are the same amount.
  if (da !== undefined && db !== undefined && typeof a === typeof b) return Decimal.compare(da, db) === 0
  // Same-value equality: a NaN rate (a run of zero wall time) equals itself.
  return Object.is(a, b) || a === b
}

/** Compares two summaries; rows follow the first summary's field order, then metrics only the second has. */
export const compare = (a: RunSummary.RunSummary, b: RunSummary.RunSummary): Comparison => {
  const la = leaves(a)
  const lb = leaves(b)
  const paths = [...la.keys(), ...[...lb.keys()].filter((k) => !la.has(k))]
  const metrics: Array<MetricRow> = []
  let differences = 0
  for (const metric of paths) {
    const va = la.get(metric)
    const vb = lb.get(metric)
    const da = asDecimal(va)
    const db = asDecimal(vb)
    const equal = leafEqual(va, vb)
    const deterministic = !NON_DETERMINISTIC.has(metric)
    if (!equal && deterministic) differences++
    metrics.push({
      metric,
      a: va ?? null,
      b: vb ?? null,
      equal,
      difference: da !== undefined && db !== undefined ? Decimal.format(Decimal.sub(db, da)) : null,
      deterministic
    })
  }
  const ref = (s: RunSummary.RunSummary): RunRef => ({ runId: s.runId, name: s.name, configHash: s.configHash })
  return { a: ref(a), b: ref(b), sameConfig: a.configHash === b.configHash, differences, metrics }
}
