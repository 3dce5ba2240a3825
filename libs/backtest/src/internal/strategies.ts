/**
 * The built-in strategies, as plain synchronous objects driven by the engine. A strategy
 * decides what to order and when; the execution core (risk, OMS, algorithm, router,
 * venues) decides everything else, exactly as it would live.
 */
import { Decimal, Ids, type InstrumentSpec, type Order, type OrderType, type Side } from "@odum/domain"
import type { OrderRequest } from "@odum/oms"
import { intern } from "./intern.js"
import type { BacktestConfig, ParentOrdersStrategy, TradeDrivenStrategy } from "../BacktestConfig.js"

/** What a strategy may do: send an order (the engine stamps it with the arrival price and hands it to the core). */
export interface StrategyHost {
  submit(request: OrderRequest.OrderRequest): void
}

/** A strategy as the engine drives it. */
export interface Strategy {
  /** Index of the data instrument whose trades it reads, or -1. */
  readonly signal: number
  /** A trade of the signal instrument: price in its units, aggressor +1/-1/0. */
  onTrade(priceUnits: number, aggressor: number): void
  /** When it next wants to act (ns), or undefined. */
  nextTimerNs(): bigint | undefined
  /** Its timer fired at `nowNs`. */
  onTimer(nowNs: bigint): void
  /** Orders sent so far. */
  readonly sent: number
}

/** One order per trade (or per `every` qualifying trades), with a side rule. */
export class TradeDriven implements Strategy {
  sent = 0
  private qualifying = 0
  private nextBuy = true
  private readonly strategyId: Ids.StrategyId
  private readonly canonicalId: string
  private readonly type: OrderType.OrderType
  private readonly timeInForce: OrderType.TimeInForce
  /** Operation ids: `<strategyId>-<n>`, n the order's number (from 1), each one flat string with its client order id derived along. */
  private readonly ids: Ids.NumberedOperationIds
  private readonly quantity: Decimal.Decimal
  private readonly limit: number
  /** Whether `maxOrders` was given: without it the per-trade test is one compare (`limit` is then Infinity, a heap number). */
  private readonly limited: boolean
  /** Whether the orders are LIMIT orders (a string compare per trade otherwise). */
  private readonly isLimit: boolean
  private readonly every: number
  /**
   * The side rule as a small integer, tested per trade with literals (0 follow, 1 against, 2 buy,
   * 3 sell, 4 alternate): a switch on the string compared it with each name in turn.
   */
  private readonly ruleCode: number
  private readonly venue: Ids.Venue | undefined
  private readonly algorithm: Order.ExecAlgorithm | undefined
  /** LIMIT pricing: tick in signal units, offset in units, and the signal's price scale. */
  private readonly tickUnits: number
  private readonly offsetUnits: number
  private readonly priceScale: number

  constructor(
    config: TradeDrivenStrategy,
    algorithm: Order.ExecAlgorithm | undefined,
    readonly signal: number,
    spec: InstrumentSpec.InstrumentSpec,
    signalPriceScale: number,
    private readonly host: StrategyHost
  ) {
    // Names as the engine's one instance each (see intern.ts): the pipeline compares them per order.
    this.strategyId = intern(config.strategyId) as Ids.StrategyId
    this.ids = new Ids.NumberedOperationIds(`${config.strategyId}-`)
    this.canonicalId = intern(config.instrument)
    this.type = config.orderType
    this.timeInForce = config.timeInForce
    this.quantity = config.quantity
    this.limit = config.maxOrders ?? Number.POSITIVE_INFINITY
    this.limited = config.maxOrders !== undefined
    this.isLimit = config.orderType === "LIMIT"
    this.every = config.every
    const rules: ReadonlyArray<TradeDrivenStrategy["side"]> = ["follow", "against", "buy", "sell", "alternate"]
    this.ruleCode = rules.indexOf(config.side)
    this.venue = config.venue === undefined ? undefined : (intern(config.venue) as Ids.Venue)
    this.algorithm = algorithm
    this.priceScale = signalPriceScale
    // Only LIMIT orders need the grid (the config checks their signal is the listing's own data).
    this.tickUnits = config.orderType === "LIMIT" ? Number(Decimal.toScaled(spec.tickSize, signalPriceScale)) : 1
    this.offsetUnits = config.limitOffsetTicks * this.tickUnits
  }

  onTrade(priceUnits: number, aggressor: number): void {
    if (this.limited === true && this.sent >= this.limit) return
    // The sides as literals (constants in the compiled code): module-level constants are bundle
    // `var`s, loaded from the module's context at each use.
    let side: Side.Side
    const rule = this.ruleCode
    if (rule === 4) side = this.nextBuy === true ? "BUY" : "SELL"
    else if (rule === 0) {
      if (aggressor === 0) return
      side = aggressor > 0 ? "BUY" : "SELL"
    } else if (rule === 1) {
      if (aggressor === 0) return
      side = aggressor > 0 ? "SELL" : "BUY"
    } else side = rule === 2 ? "BUY" : "SELL"
    // Every trade qualifies at `every` 1 (the default): no count and no division.
    if (this.every !== 1 && ++this.qualifying % this.every !== 0) return
    let price: Decimal.Decimal | undefined
    if (this.isLimit === true) {
      // Onto the listing's grid on the passive side, then `offset` ticks further away.
      const t = this.tickUnits
      const onGrid = side === "BUY" ? Math.floor(priceUnits / t) * t : Math.ceil(priceUnits / t) * t
      const units = side === "BUY" ? onGrid - this.offsetUnits : onGrid + this.offsetUnits
      if (!(units > 0)) return
      price = Decimal.fromScaled(BigInt(units), this.priceScale)
    }
    if (rule === 4) this.nextBuy = this.nextBuy !== true
    this.sent++
    // The id before the request: the literal is then allocated after the id's calls (its
    // substrings), and TurboFan stores its fields without write barrier checks and without first
    // filling them with placeholders (an object allocated before a call may be old after it).
    const operationId = this.ids.next() as Ids.OperationId
    // Built by assignment: conditional spreads cost more than the rest of this method.
    const request: { -readonly [K in keyof OrderRequest.OrderRequest]: OrderRequest.OrderRequest[K] } = {
      operationId,
      strategyId: this.strategyId,
      canonicalId: this.canonicalId,
      side,
      type: this.type,
      timeInForce: this.timeInForce,
      quantity: this.quantity
    }
    if (this.venue !== undefined) request.venue = this.venue
    if (price !== undefined) request.price = price
    if (this.algorithm !== undefined) request.execAlgorithm = this.algorithm
    this.host.submit(request)
  }

  nextTimerNs(): bigint | undefined {
    return undefined
  }

  onTimer(): void {}
}

/** The listed orders, each sent at its time (in list order at equal times). */
export class ParentOrders implements Strategy {
  readonly signal = -1
  sent = 0
  private readonly schedule: ReadonlyArray<{ readonly at: bigint; readonly request: OrderRequest.OrderRequest }>

  constructor(
    config: ParentOrdersStrategy,
    algorithm: Order.ExecAlgorithm | undefined,
    private readonly host: StrategyHost
  ) {
    this.schedule = config.orders
      .map((o, i) => {
        const execAlgorithm = o.algorithm ?? algorithm
        const request: OrderRequest.OrderRequest = {
          operationId: (o.operationId ?? `${config.strategyId}-${i + 1}`) as Ids.OperationId,
          strategyId: intern(config.strategyId) as Ids.StrategyId,
          canonicalId: intern(o.instrument),
          ...(o.venue === undefined ? {} : { venue: intern(o.venue) as Ids.Venue }),
          side: o.side,
          type: o.orderType,
          timeInForce: o.timeInForce ?? (o.orderType === "MARKET" ? "IOC" : "GTC"),
          quantity: o.quantity,
          ...(o.price === undefined ? {} : { price: o.price }),
          ...(execAlgorithm === undefined ? {} : { execAlgorithm })
        }
        return { at: o.at, index: i, request }
      })
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.index - b.index))
  }

  onTrade(): void {}

  nextTimerNs(): bigint | undefined {
    return this.schedule[this.sent]?.at
  }

  onTimer(nowNs: bigint): void {
    while (this.sent < this.schedule.length && this.schedule[this.sent]!.at <= nowNs) {
      this.host.submit(this.schedule[this.sent++]!.request)
    }
  }
}

/** The strategy a config names. */
export const make = (
  config: BacktestConfig,
  host: StrategyHost,
  lookup: {
    readonly signalIndex: (id: string) => number
    readonly listingDataId: (id: string) => string
    readonly spec: (id: string) => InstrumentSpec.InstrumentSpec
    readonly priceScale: (dataIndex: number) => number
  }
): Strategy => {
  const s = config.strategy
  if (s.type === "parent-orders") return new ParentOrders(s, config.algorithm, host)
  const signal = lookup.signalIndex(s.signal ?? lookup.listingDataId(s.instrument))
  return new TradeDriven(s, config.algorithm, signal, lookup.spec(s.instrument), lookup.priceScale(signal), host)
}
