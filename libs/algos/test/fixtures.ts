import { Decimal, InstrumentSpec, type Order } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type Action, type AlgoParams, ExecutionAlgorithm } from "../src/index.js"

export const D = Decimal.unsafeFromString

/** Binance USD-M BTCUSDT as in the real data: tick 0.1, lot 0.001. */
export const BTC_PERP = Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({
  canonicalId: "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
  venue: "BINANCE-FUTURES",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "PERPETUAL",
  tickSize: "0.1",
  lotSize: "0.001",
  minQuantity: "0.001",
  makerFee: "0.0002",
  takerFee: "0.0004",
  contractSize: "1",
  contractType: "LINEAR"
})

/** A grid with a minimum of several lots, so merging and dust rules matter. */
export const spec = (lotSize: string, minQuantity: string, tickSize = "0.5"): AlgoParams.InstrumentGrid => ({
  lotSize: D(lotSize),
  minQuantity: D(minQuantity),
  tickSize: D(tickSize)
})

export const parent = (
  execAlgorithm: Order.ExecAlgorithm,
  quantity: string,
  extra: { price?: string; side?: "BUY" | "SELL"; operationId?: string } = {}
): AlgoParams.ParentOrder => ({
  operationId: extra.operationId ?? "op-1",
  side: extra.side ?? "BUY",
  type: extra.price === undefined ? "MARKET" : "LIMIT",
  quantity: D(quantity),
  ...(extra.price === undefined ? {} : { price: D(extra.price) }),
  execAlgorithm
})

export const twap = (durationMs: number, sliceCount: number): Order.ExecAlgorithm => ({ name: "TWAP", params: { durationMs, sliceCount } })
export const vwap = (durationMs: number, sliceCount: number, rate?: string): Order.ExecAlgorithm => ({
  name: "VWAP",
  params: rate === undefined ? { durationMs, sliceCount } : { durationMs, sliceCount, maxParticipationRate: D(rate) }
})
export const iceberg = (display: string): Order.ExecAlgorithm => ({ name: "ICEBERG", params: { displayQuantity: D(display) } })

export const build = (
  p: AlgoParams.ParentOrder,
  s: AlgoParams.InstrumentGrid = BTC_PERP,
  options?: AlgoParams.OptionsInput
): ExecutionAlgorithm.ExecutionAlgorithm => {
  const r = ExecutionAlgorithm.make(p, s, options)
  if (Either.isLeft(r)) throw r.left
  return r.right
}

/** What a model venue knows of one child, kept from the actions and events alone. */
export interface ModelChild {
  readonly id: string
  readonly lots: number
  readonly spawnedAt: number
  filled: number
  ended: boolean
  cancelRequested: boolean
}

/**
 * A model host: feeds an algorithm, carries out its actions, and keeps its own account of
 * every child (from the actions and the events it sent, not from the algorithm's
 * bookkeeping), checking after every call that children never exceed the parent.
 */
export class Host {
  now: number
  nextAt: number | undefined = undefined
  readonly log: Array<{ readonly at: number; readonly action: Action.Action }> = []
  readonly children = new Map<string, ModelChild>()
  completed: Action.Complete | undefined = undefined
  cancelledAt: number | undefined = undefined

  constructor(
    readonly algo: ExecutionAlgorithm.ExecutionAlgorithm,
    start: number
  ) {
    this.now = start
  }

  get parentLots(): number {
    return this.algo.config.parentLots
  }
  filled(): number {
    let f = 0
    for (const c of this.children.values()) f += c.filled
    return f
  }
  open(): number {
    let o = 0
    for (const c of this.children.values()) if (!c.ended) o += c.lots - c.filled
    return o
  }
  working(): Array<ModelChild> {
    return [...this.children.values()].filter((c) => !c.ended)
  }
  spawns(): Array<{ at: number; action: Action.Spawn }> {
    return this.log.filter((e) => e.action.kind === "spawn") as Array<{ at: number; action: Action.Spawn }>
  }

  private apply(actions: ReadonlyArray<Action.Action>): void {
    for (const [i, action] of actions.entries()) {
      if (this.completed !== undefined) throw new Error(`action after complete: ${JSON.stringify(action)}`)
      this.log.push({ at: this.now, action })
      switch (action.kind) {
        case "spawn":
          if (this.cancelledAt !== undefined) throw new Error(`spawn after the parent was cancelled: ${action.childId}`)
          if (this.children.has(action.childId)) throw new Error(`duplicate child id ${action.childId}`)
          if (!Number.isSafeInteger(action.lots) || action.lots < this.algo.config.minLots) {
            throw new Error(`child ${action.childId} of ${action.lots} lots, below the minimum ${this.algo.config.minLots}`)
          }
          this.children.set(action.childId, { id: action.childId, lots: action.lots, spawnedAt: this.now, filled: 0, ended: false, cancelRequested: false })
          break
        case "cancel": {
          const c = this.children.get(action.childId)
          if (c === undefined || c.ended) throw new Error(`cancel of ${action.childId}, which is not working`)
          c.cancelRequested = true
          break
        }
        case "schedule":
          this.nextAt = action.atMs
          break
        case "complete":
          if (i !== actions.length - 1) throw new Error("complete is not the last action")
          if (this.working().length > 0) throw new Error(`complete with ${this.working().length} children working`)
          if (action.filledLots !== this.filled()) throw new Error(`complete says ${action.filledLots} filled, the venue says ${this.filled()}`)
          this.completed = action
          break
      }
    }
    if (this.filled() + this.open() > this.parentLots) {
      throw new Error(`children exceed the parent: ${this.filled()} filled + ${this.open()} open > ${this.parentLots}`)
    }
  }

  start(): this {
    this.apply(this.algo.start(this.now))
    return this
  }
  /** Moves the clock to `t`, firing the timer if it is due. */
  advanceTo(t: number): this {
    this.now = Math.max(this.now, t)
    if (this.nextAt !== undefined && this.nextAt <= this.now) {
      this.nextAt = undefined
      this.apply(this.algo.onTimer(this.now))
    }
    return this
  }
  /** Fires every timer up to `t`, each at its own time (a punctual host). */
  runUntil(t: number): this {
    while (this.nextAt !== undefined && this.nextAt <= t && this.completed === undefined) this.advanceTo(this.nextAt)
    this.now = Math.max(this.now, t)
    return this
  }
  fill(id: string, lots: number): this {
    const c = this.children.get(id)!
    c.filled += lots
    if (c.filled === c.lots) c.ended = true
    this.apply(this.algo.onChildFill(id, lots))
    return this
  }
  /** Fills every working child completely. */
  fillAll(): this {
    for (const c of this.working()) this.fill(c.id, c.lots - c.filled)
    return this
  }
  end(id: string, end: Action.ChildEnd): this {
    const c = this.children.get(id)!
    c.ended = true
    this.apply(this.algo.onChildDone(id, end))
    return this
  }
  market(update: Parameters<ExecutionAlgorithm.ExecutionAlgorithm["onMarket"]>[0]): this {
    this.apply(this.algo.onMarket(update))
    return this
  }
  cancel(): this {
    this.cancelledAt = this.now
    const before = this.working().map((c) => c.id)
    this.apply(this.algo.cancel())
    for (const id of before) {
      if (!this.children.get(id)!.cancelRequested) throw new Error(`cancelling the parent left ${id} working without a cancel`)
    }
    return this
  }
  /** The venue acknowledges every cancel it was asked for. */
  ackCancels(): this {
    for (const c of this.working()) if (c.cancelRequested) this.end(c.id, "cancelled")
    return this
  }
}

/** Parses a Tardis trades CSV: exchange,symbol,timestamp(µs),local_timestamp,id,side,price,amount. */
export const readTardisTrades = (text: string) =>
  text
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const f = line.split(",")
      return { tsUs: BigInt(f[2]!), side: f[5]!, price: D(f[6]!), amount: D(f[7]!) }
    })
