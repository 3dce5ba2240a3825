/**
 * The backtest configuration: one JSON document, validated by Schema, that names
 * everything a run depends on (data range and instruments, simulated venues with their
 * fees, latency and balances, the strategy, the execution algorithm, the router and the
 * risk limits, the equity-curve interval and where results go). Nothing a run does is
 * hard-coded elsewhere.
 *
 * Decimals are strings (`"0.001"`), instants ISO-8601 (`"2024-08-08T23:54:00Z"`, up to
 * nanoseconds) or integer nanoseconds as a string. Unknown fields are errors, so a typo
 * never silently drops a setting. `decode` reports every problem at once, each named by
 * its path (`strategy.quantity: ...`).
 */
import { Decimal, Ids, Order, OrderType, Side } from "@odum/domain"
import { AlgoParams } from "@odum/algos"
import { InstrumentId } from "@odum/instrument-id"
import { Timestamp } from "@odum/marketdata"
import { RiskConfig } from "@odum/risk"
import { RouterConfig } from "@odum/router"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { isAbsolute, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { type BacktestError, invalidConfig } from "./BacktestError.js"
import { canonicalJson, sha256Hex } from "./internal/canonicalJson.js"

// ---------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * An instant: ISO-8601 with a zone (`Z` or `+hh:mm`) and up to 9 fractional digits, or integer
 * ns as text; decodes to epoch ns, within int64 (the catalog's, the engine's and the simulated
 * venues' times are int64: a later `to` is refused here, not met mid-run).
 */
export const Instant: Schema.Schema<bigint, string> = Schema.transformOrFail(Schema.String, Schema.BigIntFromSelf, {
  strict: true,
  decode: (s, _, ast) => {
    const ns = Timestamp.parse(s)
    if (ns === undefined) {
      return ParseResult.fail(
        new ParseResult.Type(ast, s, `expected an ISO-8601 instant with a zone (e.g. "2024-08-08T23:54:00Z") or integer nanoseconds, got ${JSON.stringify(s)}`)
      )
    }
    return ns < INT64_MIN || ns > INT64_MAX
      ? ParseResult.fail(new ParseResult.Type(ast, s, `expected an instant within int64 nanoseconds (${INT64_MIN} to ${INT64_MAX}), got ${s}`))
      : ParseResult.succeed(ns)
  },
  encode: (ns) => ParseResult.succeed(Timestamp.toIso(ns))
}).annotations({ identifier: "Instant" })

/**
 * A one-way latency in milliseconds, a JSON number or a decimal string with at most 6
 * decimals (nanosecond resolution); decodes to integer ns, encodes as a decimal string of ms.
 */
export const LatencyMs: Schema.Schema<bigint, string | number> = Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number),
  Schema.BigIntFromSelf,
  {
    strict: true,
    decode: (input, _, ast) => {
      const text = typeof input === "number" ? String(input) : input
      const d = Decimal.fromString(text)
      if (Either.isLeft(d) || Decimal.isNegative(d.right) || d.right.scale > 6) {
        return ParseResult.fail(
          new ParseResult.Type(ast, input, `expected a non-negative number of milliseconds with at most 6 decimals, got ${JSON.stringify(input)}`)
        )
      }
      return ParseResult.succeed(Decimal.toScaled(d.right, 6))
    },
    encode: (ns) => ParseResult.succeed(Decimal.format(Decimal.fromScaled(ns, 6)))
  }
).annotations({ identifier: "LatencyMs" })

const Asset = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._-]{1,32}$/, { message: () => "an asset code like BTC or USDT" })
)

/** A run's name: letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 64 characters. */
export const RunName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message: () => "a name of letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)"
  })
).annotations({ identifier: "RunName" })

/** A run id: the same alphabet as a name, at most 128 characters; it is a folder name in the results. */
export const RunId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
    message: () => "a run id of letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit)"
  })
).annotations({ identifier: "RunId" })

const Instrument = InstrumentId.InstrumentIdString

const opt = <S extends Schema.Schema.All>(s: S) => Schema.optionalWith(s, { exact: true })

// ---------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------

/** The market-data kinds a run replays. */
export const Kind = Schema.Literal("trades", "quotes", "book")
/** trades, quotes or book. */
export type Kind = typeof Kind.Type

/** What to replay: the catalog and the time range [from, to). */
export const DataConfig = Schema.Struct({
  /** The catalog's root: `gs://bucket/prefix`, `file:///abs/path`, or a key under the storage's default location. */
  catalog: Schema.NonEmptyTrimmedString,
  /** Inclusive start. */
  from: Instant,
  /** Exclusive end. */
  to: Instant,
  /** Kinds to replay (default all three); at equal times trades come before quotes before book rows. */
  kinds: Schema.optionalWith(Schema.NonEmptyArray(Kind), { default: () => ["trades", "quotes", "book"] as const })
}).annotations({ identifier: "DataConfig" })
/** What to replay. */
export type DataConfig = typeof DataConfig.Type

/** Maker and taker fee rates (fractions of notional; negative is a rebate). */
export const Fees = Schema.Struct({
  maker: Decimal.DecimalFromString,
  taker: Decimal.DecimalFromString
}).annotations({ identifier: "Fees" })
/** Maker and taker fee rates. */
export type Fees = typeof Fees.Type

/** The simulated venue's taker price when only trades are known: the last trade moved against the order. */
export const Slippage = Schema.Struct({
  ticks: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  bps: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 })
}).annotations({ identifier: "Slippage" })
/** Trades-only slippage. */
export type Slippage = typeof Slippage.Type

/** One instrument listed by a simulated venue. */
export const ListingConfig = Schema.Struct({
  /** The listing's canonical id; its venue part must be the venue's code. Its definition comes from the catalog. */
  instrument: Instrument,
  /**
   * Replay another catalog instrument's market data as this listing's market (a proxy),
   * e.g. a second venue's BTC-USDT perpetual fed by Binance's. Default: its own data.
   */
  marketData: opt(Instrument),
  /** Overrides the venue's and the catalog's fee rates for this listing. */
  fees: opt(Fees)
}).annotations({ identifier: "ListingConfig" })
/** One listing. */
export type ListingConfig = typeof ListingConfig.Type

/** One simulated venue. */
export const VenueConfig = Schema.Struct({
  /** Venue code, as in canonical ids (`BINANCE-FUTURES`). */
  venue: Ids.Venue,
  /** One-way latency from sending a request to its arrival at the venue (default 0: answered at once). */
  latencyMs: Schema.optionalWith(LatencyMs, { default: () => 0n }),
  /** `matching` (default): the matching engine against the replayed book; `immediate`: every valid order fills whole at once. */
  mode: Schema.optionalWith(Schema.Literal("matching", "immediate"), { default: () => "matching" as const }),
  /** Fee rates of every listing of this venue (default: each catalog definition's own). */
  fees: opt(Fees),
  /** Trades-only taker slippage (default none). */
  slippage: opt(Slippage),
  /** Starting balances by asset, e.g. `{ "USDT": "100000" }` (default none). */
  balances: Schema.optionalWith(Schema.Record({ key: Asset, value: Decimal.NonNegativeDecimalFromString }), {
    default: () => ({})
  }),
  instruments: Schema.NonEmptyArray(ListingConfig)
}).annotations({ identifier: "VenueConfig" })
/** One simulated venue. */
export type VenueConfig = typeof VenueConfig.Type

/** How the trade-driven strategy picks its side from a trade. */
export const SideRule = Schema.Literal(
  /** The trade's aggressor side (trades without one are skipped). */
  "follow",
  /** The opposite of the aggressor side (trades without one are skipped). */
  "against",
  "buy",
  "sell",
  /** BUY, SELL, BUY, ... in order. */
  "alternate"
).annotations({ identifier: "SideRule" })
/** How the trade-driven strategy picks its side. */
export type SideRule = typeof SideRule.Type

/** The original strategy: one order per market trade (or per `every` trades). */
export const TradeDrivenStrategy = Schema.Struct({
  type: Schema.Literal("trade-driven"),
  strategyId: Schema.optionalWith(Ids.StrategyId, { default: () => "trade-driven" as Ids.StrategyId }),
  /** The listing orders are placed on. */
  instrument: Instrument,
  /** The catalog instrument whose trades trigger orders (default: the listing's market data). */
  signal: opt(Instrument),
  /** Quantity of every order, in the instrument's unit (contracts for derivatives). */
  quantity: Decimal.PositiveDecimalFromString,
  side: Schema.optionalWith(SideRule, { default: () => "follow" as const }),
  orderType: Schema.optionalWith(OrderType.OrderType, { default: () => "MARKET" as const }),
  /** Default IOC (an order per trade must not pile up resting orders unless asked to). */
  timeInForce: Schema.optionalWith(OrderType.TimeInForce, { default: () => "IOC" as const }),
  /** LIMIT orders: price = the trade's price moved this many ticks away from the market (positive: passive). Default 0. */
  limitOffsetTicks: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  /** One order per this many qualifying trades (default 1). */
  every: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 1 }),
  /** Stop sending after this many orders (default: no limit). */
  maxOrders: opt(Schema.Int.pipe(Schema.positive())),
  /** Pin orders to this venue (default: the router when configured, else the listing's venue). */
  venue: opt(Ids.Venue)
}).annotations({ identifier: "TradeDrivenStrategy" })
/** The trade-driven strategy. */
export type TradeDrivenStrategy = typeof TradeDrivenStrategy.Type

/** One scheduled parent order. */
export const ParentOrder = Schema.Struct({
  /** When the order is sent (sim time). */
  at: Instant,
  /** Default `<strategyId>-<n>` (n from 1, in list order). */
  operationId: opt(Ids.OperationId),
  instrument: Instrument,
  side: Side.Side,
  quantity: Decimal.PositiveDecimalFromString,
  orderType: Schema.optionalWith(OrderType.OrderType, { default: () => "MARKET" as const }),
  /** Required for LIMIT. */
  price: opt(Decimal.PositiveDecimalFromString),
  /** Default IOC for MARKET, GTC for LIMIT. */
  timeInForce: opt(OrderType.TimeInForce),
  venue: opt(Ids.Venue),
  /** Works this order with an execution algorithm (default: the config's `algorithm`). */
  algorithm: opt(Order.ExecAlgorithm)
}).annotations({ identifier: "ParentOrder" })
/** One scheduled parent order. */
export type ParentOrder = typeof ParentOrder.Type

/** Sends the listed orders at their times: e.g. one large parent worked by TWAP across venues. */
export const ParentOrdersStrategy = Schema.Struct({
  type: Schema.Literal("parent-orders"),
  strategyId: Schema.optionalWith(Ids.StrategyId, { default: () => "parent-orders" as Ids.StrategyId }),
  orders: Schema.NonEmptyArray(ParentOrder)
}).annotations({ identifier: "ParentOrdersStrategy" })
/** The scheduled-orders strategy. */
export type ParentOrdersStrategy = typeof ParentOrdersStrategy.Type

/** The strategy, by `type`. */
export const StrategyConfig = Schema.Union(TradeDrivenStrategy, ParentOrdersStrategy).annotations({
  identifier: "StrategyConfig"
})
/** The strategy. */
export type StrategyConfig = typeof StrategyConfig.Type

/** Smart routing across every listing of every venue. Without this section an order goes to its listing's venue. */
export const RouterSection = Schema.Struct({
  /** The router's cost parameters (see @odum/router `CostConfig`). */
  costs: opt(RouterConfig.CostConfig),
  /** Listings to treat as interchangeable beyond the automatic grouping. */
  equivalences: opt(Schema.Array(Schema.Array(Instrument))),
  /** Group listings with the same type, base, quote and settlement automatically (default true). */
  autoEquivalence: opt(Schema.Boolean),
  /** Levels per side of each simulated book the router prices against (default 25). */
  bookDepth: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10_000)), { default: () => 25 })
}).annotations({ identifier: "RouterSection" })
/** The router section. */
export type RouterSection = typeof RouterSection.Type

/** The equity curve's sampling. */
export const EquityCurveConfig = Schema.Struct({
  /** Interval in simulated time between samples, ms (default 1000). */
  intervalMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 1000 })
}).annotations({ identifier: "EquityCurveConfig" })
/** The equity curve's sampling. */
export type EquityCurveConfig = typeof EquityCurveConfig.Type

/** A results format. */
export const Format = Schema.Literal("parquet", "csv")
/** parquet or csv. */
export type Format = typeof Format.Type

/** Where and how results are written. */
export const OutputConfig = Schema.Struct({
  /**
   * The results root (`gs://bucket/prefix`, `file:///abs`, or a key under the storage's default
   * location); a run writes under `<uri>/<runId>/`. Default: the caller's (the storage's results location).
   */
  uri: opt(Schema.NonEmptyTrimmedString),
  /** Table formats (default both). summary.json and config.json are always written. */
  formats: Schema.optionalWith(Schema.NonEmptyArray(Format), { default: () => ["parquet", "csv"] as const })
}).annotations({ identifier: "OutputConfig" })
/** Where and how results are written. */
export type OutputConfig = typeof OutputConfig.Type

/** Finished orders the OMS keeps in memory during a replay unless `retainFinishedOrders` says otherwise. */
export const DEFAULT_RETAINED_FINISHED = 256

/** Largest number of equity-curve samples a run may ask for. */
export const MAX_EQUITY_SAMPLES = 1_000_000

/** The whole configuration (decoded: decimals, instants and latencies as exact values). */
export const BacktestConfig = Schema.Struct({
  /** Names the run; part of the derived run id. */
  name: opt(RunName),
  /** A fixed run id (default: derived from the name and the config hash). */
  runId: opt(RunId),
  data: DataConfig,
  venues: Schema.NonEmptyArray(VenueConfig),
  strategy: StrategyConfig,
  /** The execution algorithm of every strategy order that does not name its own (default none). */
  algorithm: opt(Order.ExecAlgorithm),
  /** The algorithm host's options (child time in force, catch-up, randomisation; see @odum/algos `Options`). */
  algorithmOptions: opt(AlgoParams.Options),
  router: opt(RouterSection),
  /** Pre-trade risk limits (see @odum/risk `RiskConfig`; default none beyond the venues' own). */
  risk: Schema.optionalWith(RiskConfig.RiskConfig, { default: () => ({}) }),
  equityCurve: Schema.optionalWith(EquityCurveConfig, { default: () => ({ intervalMs: 1000 }) }),
  output: Schema.optionalWith(OutputConfig, { default: () => ({ formats: ["parquet", "csv"] as const }) }),
  /**
   * Finished orders the OMS keeps in memory during the replay (default 256; every order is in
   * the results either way, and the results do not depend on it). Smaller runs faster, as the
   * OMS's indexes stay in cache (256 replayed one order per tick 20-27% faster than 1,024).
   * A simulated venue sends nothing for an order after its end except the answer to a cancel
   * sent before the news of the end arrived; for an evicted order that answer is an anomaly
   * counted in the summary instead of a no-op, the only difference a smaller bound can make.
   */
  retainFinishedOrders: opt(Schema.Int.pipe(Schema.between(0, 100_000_000)))
}).annotations({ identifier: "BacktestConfig" })

/** The decoded configuration. */
export type BacktestConfig = typeof BacktestConfig.Type
/** The configuration as JSON. */
export type BacktestConfigEncoded = typeof BacktestConfig.Encoded

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

const decodeSchema = Schema.decodeUnknownEither(BacktestConfig, { errors: "all", onExcessProperty: "error" })
const encodeSchema = Schema.encodeSync(BacktestConfig)

const pathText = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`
    else {
      const s = String(p)
      out += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? (out === "" ? s : `.${s}`) : `[${JSON.stringify(s)}]`
    }
  }
  return out === "" ? "(config)" : out
}

/** Every problem of a parse error as `path: message`, one per entry, in a stable order. */
const issuesOf = (error: ParseResult.ParseError): Array<string> => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error)
  const paths = new Map<string, number>()
  for (const i of all) paths.set(pathText(i.path), (paths.get(pathText(i.path)) ?? 0) + 1)
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const i of all) {
    const path = pathText(i.path)
    // An optional field's "or absent" alternative says nothing when the field is there.
    if (i.message.startsWith("Expected undefined") && (paths.get(path) ?? 0) > 1) continue
    const hint = /^Expected string, actual -?[0-9]/.test(i.message) ? ' (decimals are strings, e.g. "0.001")' : ""
    const line = `${path}: ${i.message}${hint}`
    if (!seen.has(line)) {
      seen.add(line)
      out.push(line)
    }
  }
  return out
}

const venueOf = (id: string): string => {
  const parts = id.split(":")
  return parts.length >= 4 ? parts[1]! : parts[0]!
}

/** The checks across fields, each issue named by its path. */
export const consistencyIssues = (c: BacktestConfig): Array<string> => {
  const issues: Array<string> = []
  if (c.data.to <= c.data.from) issues.push(`data.to: ${Timestamp.toIso(c.data.to)} is not after data.from ${Timestamp.toIso(c.data.from)}`)
  if (new Set(c.data.kinds).size !== c.data.kinds.length) issues.push("data.kinds: a kind is listed twice")

  const listings = new Map<string, { readonly path: string; readonly data: string }>()
  const venues = new Set<string>()
  c.venues.forEach((v, vi) => {
    if (venues.has(v.venue)) issues.push(`venues[${vi}].venue: venue ${v.venue} is configured twice`)
    venues.add(v.venue)
    v.instruments.forEach((l, li) => {
      const path = `venues[${vi}].instruments[${li}]`
      if (venueOf(l.instrument) !== v.venue) {
        issues.push(`${path}.instrument: ${l.instrument} is not listed by ${v.venue} (its venue is ${venueOf(l.instrument)})`)
      }
      if (listings.has(l.instrument)) issues.push(`${path}.instrument: ${l.instrument} is listed twice`)
      if (l.marketData === l.instrument) issues.push(`${path}.marketData: a listing's own data is the default; name another instrument or leave it out`)
      listings.set(l.instrument, { path, data: l.marketData ?? l.instrument })
    })
  })
  const dataInstruments = new Set([...listings.values()].map((l) => l.data))

  const checkListing = (path: string, id: string) => {
    if (!listings.has(id)) issues.push(`${path}: ${id} is not listed by any configured venue`)
  }
  const checkVenue = (path: string, venue: string | undefined) => {
    if (venue !== undefined && !venues.has(venue)) issues.push(`${path}: venue ${venue} is not configured`)
  }
  const inRange = (path: string, at: bigint) => {
    if (at < c.data.from || at >= c.data.to) {
      issues.push(`${path}: ${Timestamp.toIso(at)} is outside the data range [${Timestamp.toIso(c.data.from)}, ${Timestamp.toIso(c.data.to)})`)
    }
  }

  const s = c.strategy
  if (s.type === "trade-driven") {
    checkListing("strategy.instrument", s.instrument)
    checkVenue("strategy.venue", s.venue)
    if (!c.data.kinds.includes("trades")) issues.push("data.kinds: the trade-driven strategy needs trades")
    if (s.signal !== undefined && !dataInstruments.has(s.signal)) {
      issues.push(`strategy.signal: ${s.signal} is not the market data of any listing`)
    }
    const own = c.venues.flatMap((v) => v.instruments).find((l) => l.instrument === s.instrument)
    const ownData = own?.marketData ?? own?.instrument
    if (s.orderType === "LIMIT" && s.signal !== undefined && own !== undefined && s.signal !== ownData) {
      issues.push(`strategy.signal: LIMIT prices come from the signal's trades, so it must be ${s.instrument}'s own market data (${ownData})`)
    }
    if (s.orderType === "MARKET" && s.limitOffsetTicks !== 0) issues.push("strategy.limitOffsetTicks: only LIMIT orders have a price offset")
    if (s.orderType === "MARKET" && s.timeInForce !== "IOC" && s.timeInForce !== "FOK") {
      issues.push(`strategy.timeInForce: a MARKET order is IOC or FOK, not ${s.timeInForce}`)
    }
    if (s.timeInForce === "GTD") issues.push("strategy.timeInForce: GTD needs an expiry, which this strategy does not set")
  } else {
    const ids = new Set<string>()
    s.orders.forEach((o, i) => {
      const path = `strategy.orders[${i}]`
      checkListing(`${path}.instrument`, o.instrument)
      checkVenue(`${path}.venue`, o.venue)
      inRange(`${path}.at`, o.at)
      const id = o.operationId ?? `${s.strategyId}-${i + 1}`
      if (ids.has(id)) issues.push(`${path}.operationId: ${id} is used twice`)
      ids.add(id)
      if (o.orderType === "LIMIT" && o.price === undefined) issues.push(`${path}.price: a LIMIT order needs a price`)
      if (o.orderType === "MARKET" && o.price !== undefined) issues.push(`${path}.price: a MARKET order has no price`)
      if (o.timeInForce === "GTD") issues.push(`${path}.timeInForce: GTD needs an expiry, which parent orders do not set`)
      if (o.orderType === "MARKET" && o.timeInForce !== undefined && o.timeInForce !== "IOC" && o.timeInForce !== "FOK") {
        issues.push(`${path}.timeInForce: a MARKET order is IOC or FOK, not ${o.timeInForce}`)
      }
    })
  }
  if (c.router !== undefined) {
    if (!c.data.kinds.includes("quotes") && !c.data.kinds.includes("book")) {
      issues.push("router: the router prices routes from the venues' books, so data.kinds needs quotes or book")
    }
    ;(c.router.equivalences ?? []).forEach((group, gi) =>
      group.forEach((id, i) => checkListing(`router.equivalences[${gi}][${i}]`, id))
    )
  }
  const samples = (c.data.to - c.data.from) / BigInt(c.equityCurve.intervalMs * 1_000_000) + 2n
  if (samples > BigInt(MAX_EQUITY_SAMPLES)) {
    issues.push(`equityCurve.intervalMs: ${c.equityCurve.intervalMs} ms over the data range makes ${samples} samples, more than ${MAX_EQUITY_SAMPLES}`)
  }
  return issues
}

/** Decodes and checks a configuration (JSON value); the error lists every problem by its path. */
export const decode = (input: unknown): Either.Either<BacktestConfig, BacktestError> => {
  const decoded = decodeSchema(input)
  if (Either.isLeft(decoded)) return Either.left(invalidConfig(issuesOf(decoded.left)))
  const issues = consistencyIssues(decoded.right)
  return issues.length > 0 ? Either.left(invalidConfig(issues)) : Either.right(decoded.right)
}

/** Decodes JSON text (e.g. a config file's contents). */
export const decodeJson = (text: string): Either.Either<BacktestConfig, BacktestError> => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return Either.left(invalidConfig([`(config): not valid JSON: ${e instanceof Error ? e.message : String(e)}`]))
  }
  return decode(value)
}

/** The configuration as JSON, with every default filled in (the normal form that is hashed and written as config.json). */
export const encode = (config: BacktestConfig): BacktestConfigEncoded => encodeSchema(config)

/**
 * The configuration's hash: SHA-256 (hex) of the canonical JSON (sorted keys, no spaces)
 * of its normal form without `output` and `runId`, so where a run writes and what it is
 * called do not change what it computes. Equal configs, however written, hash equal.
 */
export const hash = (config: BacktestConfig): string => {
  const { output: _output, runId: _runId, retainFinishedOrders: retain, ...rest } = encode(config)
  // The default bound, written or not, is the same run (and keeps the hashes of configs written before the field).
  return sha256Hex(canonicalJson(retain === undefined || retain === DEFAULT_RETAINED_FINISHED ? rest : { ...rest, retainFinishedOrders: retain }))
}

/** A copy with the output location replaced (the CLI's `--out`). */
export const withOutputUri = (config: BacktestConfig, uri: string): BacktestConfig => ({
  ...config,
  output: { ...config.output, uri }
})

/**
 * Turns local paths in a config read from a file into `file://` URIs: `data.catalog` and
 * `output.uri` written as `./x`, `../x` or `/abs` are taken relative to `baseDir` (the
 * config file's folder). URIs (`gs://`, `file://`) and bare keys (resolved by the storage
 * against its default location) are left as they are.
 */
export const resolveLocalPaths = (config: BacktestConfig, baseDir: string): BacktestConfig => {
  const local = (p: string): string =>
    isAbsolute(p) || p.startsWith("./") || p.startsWith("../") || p === "." || p === ".."
      ? pathToFileURL(resolve(baseDir, p)).href
      : p
  return {
    ...config,
    data: { ...config.data, catalog: local(config.data.catalog) },
    output: config.output.uri === undefined ? config.output : { ...config.output, uri: local(config.output.uri) }
  }
}
