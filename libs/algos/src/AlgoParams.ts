/**
 * Validation of an order's algorithm parameters (`execAlgorithm`, the proto
 * `exec_algorithm_params`) and of the host's options, against the parent order and the
 * instrument's grid, with effect/Schema. The result is an `AlgoConfig`: the same
 * parameters in whole lots, ticks and milliseconds, ready for the pure cores.
 */
import { Decimal, type InstrumentSpec, Order, type OrderType, type Side } from "@odum/domain"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidAlgoParams, type InvalidAlgoParamsReason, type ParamIssue } from "./AlgoError.js"
import type { Grid } from "./Grid.js"
import { VolumeProfile } from "./VolumeProfile.js"

/** Most slices a TWAP or VWAP may have: the plan is an array per slice. */
export const MAX_SLICES = 100_000

/** Longest horizon, 366 days: keeps every `slice x duration` product an exact double. */
export const MAX_DURATION_MS = 366 * 86_400_000

/** Longest parent operation id, so `${id}:c${n}` still fits an operation id (256 characters). */
export const MAX_PARENT_ID_LENGTH = 240

/** What an algorithm reads of its parent order; a domain `UnifiedOrder` is one. */
export interface ParentOrder {
  readonly operationId: string
  readonly side: Side.Side
  readonly type: OrderType.OrderType
  /** Total quantity to work, > 0, on the lot grid. */
  readonly quantity: Decimal.Decimal
  /** The parent's limit price: every child is a LIMIT at it. Absent: children are MARKET. */
  readonly price?: Decimal.Decimal | undefined
  readonly execAlgorithm?: Order.ExecAlgorithm | undefined
}

/** What an algorithm reads of the instrument; a domain `InstrumentSpec` is one. */
export type InstrumentGrid = Pick<InstrumentSpec.InstrumentSpec, "tickSize" | "lotSize" | "minQuantity">

const JitterFraction = Decimal.NonNegativeDecimalFromString.pipe(
  Schema.filter((d) => Decimal.lessThanOrEqual(d, Decimal.unsafeFromString("0.5")) || `a jitter is at most 0.5, got ${Decimal.format(d)}`),
  Schema.filter((d) => d.scale <= 6 || `a jitter has at most 6 decimal places, got ${Decimal.format(d)}`)
)

/** Seeded randomisation of slice times and sizes, so a schedule is harder to spot yet reproducible. */
export const Randomize = Schema.Struct({
  /** PRNG seed, an unsigned 32-bit integer: the same seed gives the same schedule. */
  seed: Schema.Int.pipe(Schema.between(0, 0xffffffff)),
  /** TWAP: each slice goes out up to this fraction of an interval after its time (0 to 0.5, default 0). */
  timeJitter: Schema.optionalWith(JitterFraction, { exact: true }),
  /**
   * TWAP: pairs of slices move up to this fraction of a slice between them (0 to 0.5,
   * default 0). Iceberg: each visible child is up to this fraction smaller than the display.
   */
  sizeJitter: Schema.optionalWith(JitterFraction, { exact: true })
})

/**
 * The host's options: what the order contract does not carry (it names only the
 * algorithm and its schedule), set by the execution core's configuration.
 */
export const Options = Schema.Struct({
  /** TWAP/VWAP: re-send quantity that ended unfilled (rejected, expired) in the next slice (default true); otherwise in the last. */
  catchUp: Schema.optionalWith(Schema.Boolean, { exact: true }),
  /** Time in force of LIMIT children (default GTC); MARKET children are always IOC. */
  childTimeInForce: Schema.optionalWith(Schema.Literal("GTC", "IOC", "FOK", "DAY"), { exact: true }),
  /** Give up after this many children in a row end without any fill (default 3). */
  maxConsecutiveFailures: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { exact: true }),
  randomize: Schema.optionalWith(Randomize, { exact: true }),
  /** Step of market trade sizes fed to `onMarket` (default: the lot size). */
  volumeStep: Schema.optionalWith(Decimal.PositiveDecimalFromString, { exact: true }),
  /** VWAP: the historical volume profile to follow (`VolumeProfile.fromTrades`). */
  profile: Schema.optionalWith(VolumeProfile, { exact: true })
})
/** The host's options, decoded. */
export type Options = typeof Options.Type
/** The host's options as JSON (decimals as strings). */
export type OptionsInput = typeof Options.Encoded

/** Randomisation in integer parts per million. */
export interface Jitter {
  readonly seed: number
  readonly timePpm: number
  readonly sizePpm: number
}

/** A participation cap as a rational: at most `floor(volume * num / den)` lots for `volume` volume units. */
export interface Cap {
  readonly num: bigint
  readonly den: bigint
}

/** What every algorithm needs, on the integer grid. */
export interface CommonConfig {
  readonly operationId: string
  readonly side: Side.Side
  readonly childType: OrderType.OrderType
  readonly childTimeInForce: OrderType.TimeInForce
  readonly parentLots: number
  /** The smallest child: max(1, ceil(minQuantity / lotSize)). */
  readonly minLots: number
  /** The parent's limit in ticks, undefined for MARKET. */
  readonly limitTicks: number | undefined
  readonly maxConsecutiveFailures: number
  readonly grid: Grid
}

/** A validated TWAP. */
export interface TwapConfig extends CommonConfig {
  readonly name: "TWAP"
  readonly durationMs: number
  readonly sliceCount: number
  readonly catchUp: boolean
  readonly jitter: Jitter | undefined
}

/** A validated VWAP. */
export interface VwapConfig extends CommonConfig {
  readonly name: "VWAP"
  readonly durationMs: number
  readonly sliceCount: number
  readonly catchUp: boolean
  readonly cap: Cap | undefined
  readonly profile: VolumeProfile | undefined
}

/** A validated iceberg. */
export interface IcebergConfig extends CommonConfig {
  readonly name: "ICEBERG"
  readonly displayLots: number
  readonly jitter: Jitter | undefined
}

/** A validated algorithm, ready for its pure core. */
export type AlgoConfig = TwapConfig | VwapConfig | IcebergConfig

/** What the contextual checks of `paramsSchema` compare the params with. */
export interface ParamsContext {
  readonly parentQuantity: Decimal.Decimal
  readonly lotSize: Decimal.Decimal
  readonly minQuantity: Decimal.Decimal
  /** True if the host supplies a volume profile (a VWAP needs one or a participation rate). */
  readonly hasProfile: boolean
}

const fmt = Decimal.format

const scheduleIssues = (p: { readonly durationMs: number; readonly sliceCount: number }): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  if (p.durationMs > MAX_DURATION_MS) {
    issues.push({ path: ["params", "durationMs"], message: `durationMs ${p.durationMs} is longer than the maximum ${MAX_DURATION_MS} (366 days)` })
  }
  if (p.sliceCount > MAX_SLICES) {
    issues.push({ path: ["params", "sliceCount"], message: `sliceCount ${p.sliceCount} is more than the maximum ${MAX_SLICES}` })
  } else if (p.sliceCount > p.durationMs) {
    issues.push({
      path: ["params", "sliceCount"],
      message: `sliceCount ${p.sliceCount} over durationMs ${p.durationMs} makes an interval shorter than 1 ms`
    })
  }
  return issues
}

/**
 * The order contract's `ExecAlgorithm` schema plus the checks that need the order and the
 * instrument: interval of at least 1 ms, display quantity on the lot grid, at least the
 * minimum and at most the order, a VWAP with something to follow. Decodes the JSON form
 * (`Schema.decodeUnknownEither`) or validates a decoded one (`Schema.validateEither`).
 */
export const paramsSchema = (ctx: ParamsContext) =>
  Order.ExecAlgorithm.pipe(
    Schema.filter((a): ReadonlyArray<Schema.FilterIssue> => {
      switch (a.name) {
        case "TWAP":
          return scheduleIssues(a.params)
        case "VWAP": {
          const issues = scheduleIssues(a.params)
          if (!ctx.hasProfile && a.params.maxParticipationRate === undefined) {
            issues.push({
              path: ["params", "maxParticipationRate"],
              message: "a VWAP needs a volume profile (options.profile) or a maxParticipationRate; got neither"
            })
          }
          return issues
        }
        case "ICEBERG": {
          const d = a.params.displayQuantity
          const issues: Array<Schema.FilterIssue> = []
          const path = ["params", "displayQuantity"]
          if (!Decimal.isMultipleOf(d, ctx.lotSize)) {
            issues.push({ path, message: `displayQuantity ${fmt(d)} is not a multiple of the lot size ${fmt(ctx.lotSize)}` })
          }
          if (Decimal.lessThan(d, ctx.minQuantity)) {
            issues.push({ path, message: `displayQuantity ${fmt(d)} is below the minimum quantity ${fmt(ctx.minQuantity)}` })
          }
          if (Decimal.greaterThan(d, ctx.parentQuantity)) {
            issues.push({ path, message: `displayQuantity ${fmt(d)} is more than the order quantity ${fmt(ctx.parentQuantity)}` })
          }
          return issues
        }
      }
    })
  )

const toIssues = (prefix: string, error: ParseResult.ParseError): Array<ParamIssue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
    param: [prefix, ...i.path.map(String)].filter((s) => s !== "").join("."),
    message: i.message
  }))

const parentIssues = (parent: ParentOrder, spec: InstrumentGrid): Array<ParamIssue> => {
  const issues: Array<ParamIssue> = []
  const q = parent.quantity
  if (parent.execAlgorithm === undefined) issues.push({ param: "execAlgorithm", message: "the order has no execution algorithm" })
  if (parent.operationId.length > MAX_PARENT_ID_LENGTH) {
    issues.push({
      param: "operationId",
      message: `operationId is ${parent.operationId.length} characters; an algorithm parent takes at most ${MAX_PARENT_ID_LENGTH} so child ids fit`
    })
  }
  if (!Decimal.isPositive(q)) issues.push({ param: "quantity", message: `quantity ${fmt(q)} is not positive` })
  else if (!Decimal.isMultipleOf(q, spec.lotSize)) {
    issues.push({ param: "quantity", message: `quantity ${fmt(q)} is not a multiple of the lot size ${fmt(spec.lotSize)}` })
  } else {
    if (Decimal.lessThan(q, spec.minQuantity)) {
      issues.push({ param: "quantity", message: `quantity ${fmt(q)} is below the minimum quantity ${fmt(spec.minQuantity)}` })
    }
    if (Decimal.toUnits(q, spec.lotSize) > BigInt(Number.MAX_SAFE_INTEGER)) {
      issues.push({ param: "quantity", message: `quantity ${fmt(q)} is more than 2^53 lots` })
    }
  }
  if (parent.type === "LIMIT" && parent.price === undefined) issues.push({ param: "price", message: "a LIMIT order needs a price" })
  if (parent.type === "MARKET" && parent.price !== undefined) {
    issues.push({ param: "price", message: `a MARKET order has no price, got ${fmt(parent.price)}` })
  }
  if (parent.price !== undefined) {
    const p = parent.price
    if (!Decimal.isPositive(p)) issues.push({ param: "price", message: `price ${fmt(p)} is not positive` })
    else if (!Decimal.isMultipleOf(p, spec.tickSize)) {
      issues.push({ param: "price", message: `price ${fmt(p)} is not a multiple of the tick size ${fmt(spec.tickSize)}` })
    } else if (Decimal.toUnits(p, spec.tickSize) > BigInt(Number.MAX_SAFE_INTEGER)) {
      issues.push({ param: "price", message: `price ${fmt(p)} is more than 2^53 ticks` })
    }
  }
  return issues
}

const MILLION = Decimal.fromInt(1_000_000)
const ppm = (d: Decimal.Decimal | undefined): number => (d === undefined ? 0 : Number(Decimal.toUnits(Decimal.mul(d, MILLION), Decimal.one)))

const pow10 = (n: number): bigint => 10n ** BigInt(n)

/**
 * Validates the parent's algorithm, the parent and the host's options against the
 * instrument, and compiles them onto the integer grid. Every problem is reported at once;
 * the error's reason is that of the first (order, then params, then options).
 */
export const compile = (
  parent: ParentOrder,
  spec: InstrumentGrid,
  options: OptionsInput = {}
): Either.Either<AlgoConfig, InvalidAlgoParams> => {
  const groups: Array<[InvalidAlgoParamsReason, Array<ParamIssue>]> = []
  groups.push(["UnsupportedOrder", parentIssues(parent, spec)])
  const decodedOptions = Schema.decodeUnknownEither(Options)(options, { errors: "all" })
  const opts: Options = Either.isRight(decodedOptions) ? decodedOptions.right : {}
  const ctx: ParamsContext = {
    parentQuantity: parent.quantity,
    lotSize: spec.lotSize,
    minQuantity: spec.minQuantity,
    hasProfile: opts.profile !== undefined
  }
  const algo =
    parent.execAlgorithm === undefined
      ? undefined
      : Schema.validateEither(paramsSchema(ctx))(parent.execAlgorithm, { errors: "all" }).pipe(
          Either.mapLeft((e) => toIssues("execAlgorithm", e))
        )
  groups.push(["InvalidParams", algo !== undefined && Either.isLeft(algo) ? algo.left : []])
  groups.push(["InvalidOptions", Either.isLeft(decodedOptions) ? toIssues("options", decodedOptions.left) : []])
  const failed = groups.filter(([, issues]) => issues.length > 0)
  if (failed.length > 0 || algo === undefined || Either.isLeft(algo)) {
    const issues = failed.flatMap(([, i]) => i)
    const reason = failed[0]?.[0] ?? "UnsupportedOrder"
    const name = parent.execAlgorithm?.name ?? "algorithm"
    return Either.left(
      new InvalidAlgoParams({
        reason,
        operationId: parent.operationId,
        issues,
        message: `cannot work order ${parent.operationId} with ${name}: ${issues.map((i) => `${i.param}: ${i.message}`).join("; ")}`
      })
    )
  }
  const a = algo.right
  const volumeStep = opts.volumeStep ?? spec.lotSize
  const grid: Grid = { lotSize: spec.lotSize, tickSize: spec.tickSize, volumeStep }
  const minByQuantity = Decimal.div(spec.minQuantity, spec.lotSize, 0, "ceil")
  const common: CommonConfig = {
    operationId: parent.operationId,
    side: parent.side,
    childType: parent.price === undefined ? "MARKET" : "LIMIT",
    childTimeInForce: parent.price === undefined ? "IOC" : (opts.childTimeInForce ?? "GTC"),
    parentLots: Number(Decimal.toUnits(parent.quantity, spec.lotSize)),
    minLots: Math.max(1, Number(minByQuantity.units)),
    limitTicks: parent.price === undefined ? undefined : Number(Decimal.toUnits(parent.price, spec.tickSize)),
    maxConsecutiveFailures: opts.maxConsecutiveFailures ?? 3,
    grid
  }
  const jitter: Jitter | undefined =
    opts.randomize === undefined
      ? undefined
      : { seed: opts.randomize.seed, timePpm: ppm(opts.randomize.timeJitter), sizePpm: ppm(opts.randomize.sizeJitter) }
  switch (a.name) {
    case "TWAP":
      return Either.right({ ...common, name: "TWAP", ...a.params, catchUp: opts.catchUp ?? true, jitter })
    case "VWAP": {
      const r = a.params.maxParticipationRate
      // lots = volume * volumeStep * rate / lotSize, each decimal being units / 10^scale.
      const cap: Cap | undefined =
        r === undefined
          ? undefined
          : {
              num: volumeStep.units * r.units * pow10(spec.lotSize.scale),
              den: pow10(volumeStep.scale + r.scale) * spec.lotSize.units
            }
      return Either.right({
        ...common,
        name: "VWAP",
        durationMs: a.params.durationMs,
        sliceCount: a.params.sliceCount,
        catchUp: opts.catchUp ?? true,
        cap,
        profile: opts.profile
      })
    }
    case "ICEBERG":
      return Either.right({ ...common, name: "ICEBERG", displayLots: Number(Decimal.toUnits(a.params.displayQuantity, spec.lotSize)), jitter })
  }
}
