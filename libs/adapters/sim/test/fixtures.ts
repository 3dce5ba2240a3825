/** Shared test helpers: instrument specs, a recording engine listener and a recording sink. */
import type { ExecutionEvent, VenueError, VenueOrderRequest } from "@odum/adapter-kit"
import { Decimal, type Ids, InstrumentSpec } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as MatchingEngine from "../src/MatchingEngine.js"

export const d = Decimal.unsafeFromString

/** A linear perpetual: tick 0.1, lot 0.001, min notional 5, maker rebate 1 bp, taker 5 bp. */
export const linearSpec = (overrides: Record<string, unknown> = {}): InstrumentSpec.InstrumentSpec =>
  Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({
    canonicalId: "SIM:PERPETUAL:BTC-USDT",
    venue: "SIM",
    baseAsset: "BTC",
    quoteAsset: "USDT",
    settlementAsset: "USDT",
    kind: "PERPETUAL",
    contractType: "LINEAR",
    contractSize: "1",
    tickSize: "0.1",
    lotSize: "0.001",
    minQuantity: "0.001",
    maxQuantity: "100",
    minNotional: "5",
    makerFee: "-0.0001",
    takerFee: "0.0005",
    ...overrides
  })

/** Deribit's BTC-PERPETUAL: inverse, 10 USD contracts, tick 0.5, taker 5 bp, maker 0 (from DERIBIT.0). */
export const inverseSpec = (): InstrumentSpec.InstrumentSpec =>
  Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({
    canonicalId: "SIM:PERPETUAL:BTC-USD@INV",
    venue: "SIM",
    baseAsset: "BTC",
    quoteAsset: "USD",
    settlementAsset: "BTC",
    kind: "PERPETUAL",
    contractType: "INVERSE",
    contractSize: "10",
    tickSize: "0.5",
    lotSize: "1",
    minQuantity: "1",
    makerFee: "0",
    takerFee: "0.0005"
  })

/** A spot pair with 10 bp fees both ways. */
export const spotSpec = (): InstrumentSpec.InstrumentSpec =>
  Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({
    canonicalId: "SIM:SPOT_PAIR:ETH-USDT",
    venue: "SIM",
    baseAsset: "ETH",
    quoteAsset: "USDT",
    settlementAsset: "USDT",
    kind: "SPOT",
    contractType: "LINEAR",
    contractSize: "1",
    tickSize: "0.01",
    lotSize: "0.001",
    minQuantity: "0.001",
    makerFee: "0.001",
    takerFee: "0.001"
  })

/** One engine outcome, in units. */
export type Outcome =
  | { readonly type: "accepted"; readonly id: string; readonly ts: bigint }
  | { readonly type: "rejected"; readonly id: string; readonly reason: VenueError.RejectionReason; readonly message: string }
  | { readonly type: "fill"; readonly id: string; readonly price: number; readonly qty: number; readonly liquidity: string; readonly ts: bigint }
  | { readonly type: "expired"; readonly id: string; readonly message: string }
  | { readonly type: "cancelled"; readonly id: string }
  | { readonly type: "cancelRejected"; readonly id: string; readonly reason: VenueError.RejectionReason }

/** Records what an engine reports. */
export class Recorder implements MatchingEngine.EngineListener {
  readonly out: Array<Outcome> = []
  /** Called after each record, to test re-entrant submits. */
  after: ((o: Outcome) => void) | undefined
  private push(o: Outcome) {
    this.out.push(o)
    this.after?.(o)
  }
  onAccepted(o: MatchingEngine.EngineOrder, ts: bigint) {
    this.push({ type: "accepted", id: o.clientOrderId, ts })
  }
  onRejected(o: MatchingEngine.EngineOrder, reason: VenueError.RejectionReason, message: string) {
    this.push({ type: "rejected", id: o.clientOrderId, reason, message })
  }
  onFill(o: MatchingEngine.EngineOrder, price: number, qty: number, liquidity: string, ts: bigint) {
    this.push({ type: "fill", id: o.clientOrderId, price, qty, liquidity, ts })
  }
  onExpired(o: MatchingEngine.EngineOrder, message: string) {
    this.push({ type: "expired", id: o.clientOrderId, message })
  }
  onCancelled(o: MatchingEngine.EngineOrder) {
    this.push({ type: "cancelled", id: o.clientOrderId })
  }
  onCancelRejected(o: MatchingEngine.EngineOrder, reason: VenueError.RejectionReason) {
    this.push({ type: "cancelRejected", id: o.clientOrderId, reason })
  }
  /** The fills, as "qty@price/LIQ" in units, e.g. "1000@1000/TAKER". */
  fills(id?: string): Array<string> {
    return this.out.flatMap((o) => (o.type === "fill" && (id === undefined || o.id === id) ? [`${o.qty}@${o.price}/${o.liquidity}`] : []))
  }
  clear() {
    this.out.length = 0
  }
}

/** An engine over `spec` (default: linearSpec) with a recorder. */
export const engineFor = (options: Partial<MatchingEngine.MatchingEngineOptions> = {}) => {
  const recorder = new Recorder()
  const engine = Either.getOrThrow(MatchingEngine.make({ spec: linearSpec(), ...options }, recorder))
  return { engine, recorder }
}

/** An engine order, in units (price 0 for MARKET). */
export const order = (
  id: string,
  side: "BUY" | "SELL",
  quantity: number,
  price = 0,
  extra: { type?: "MARKET" | "LIMIT"; tif?: "GTC" | "IOC" | "FOK" | "GTD" | "DAY"; postOnly?: boolean; reduceOnly?: boolean } = {}
) =>
  new MatchingEngine.EngineOrder(
    id,
    side === "BUY" ? 1 : -1,
    extra.type ?? (price === 0 ? "MARKET" : "LIMIT"),
    extra.tif ?? (price === 0 ? "IOC" : "GTC"),
    price,
    quantity,
    extra.postOnly ?? false,
    extra.reduceOnly ?? false
  )

/** A venue order request with decimals from strings. */
export const request = (
  id: string,
  side: "BUY" | "SELL",
  quantity: string,
  price?: string,
  extra: Partial<Omit<VenueOrderRequest.VenueOrderRequest, "quantity" | "price">> = {}
): VenueOrderRequest.VenueOrderRequest => ({
  clientOrderId: id as Ids.ClientOrderId,
  canonicalId: "SIM:PERPETUAL:BTC-USDT",
  side,
  type: price === undefined ? "MARKET" : "LIMIT",
  timeInForce: price === undefined ? "IOC" : "GTC",
  quantity: d(quantity),
  ...(price === undefined ? {} : { price: d(price) }),
  reduceOnly: false,
  postOnly: false,
  ...extra
})

/** Collects execution events. */
export class Sink {
  readonly events: Array<ExecutionEvent.ExecutionEvent> = []
  onExecution(e: ExecutionEvent.ExecutionEvent) {
    this.events.push(e)
  }
  tags(): Array<string> {
    return this.events.map((e) => `${e._tag}:${e.clientOrderId}`)
  }
  filled(): Array<ExecutionEvent.Filled> {
    return this.events.filter((e): e is ExecutionEvent.Filled => e._tag === "Filled")
  }
}
