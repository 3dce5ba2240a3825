/** Shared test data: three BTC instruments (spot, linear perpetual, inverse perpetual) and helpers. */
import { Decimal, InstrumentSpec } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as InMemoryRiskBook from "../src/InMemoryRiskBook.js"
import * as PreTradeRisk from "../src/PreTradeRisk.js"

export const D = Decimal.unsafeFromString

export const SPOT = "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"
export const PERP = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
export const INV = "DERIBIT:PERPETUAL:BTC-USD@INV"

const decodeSpec = Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)

export const spotSpec = decodeSpec({
  canonicalId: SPOT,
  venue: "BINANCE-SPOT",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "SPOT",
  tickSize: "0.01",
  lotSize: "0.00001",
  minQuantity: "0.00001",
  minNotional: "5",
  makerFee: "0.001",
  takerFee: "0.001",
  contractSize: "1",
  contractType: "LINEAR"
})

export const perpSpec = decodeSpec({
  canonicalId: PERP,
  venue: "BINANCE-FUTURES",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "PERPETUAL",
  tickSize: "0.1",
  lotSize: "0.001",
  minQuantity: "0.001",
  maxQuantity: "1000",
  minNotional: "100",
  makerFee: "0.0002",
  takerFee: "0.0005",
  contractSize: "1",
  contractType: "LINEAR"
})

/** Deribit's BTC perpetual: 10 USD contracts, margined in BTC. */
export const invSpec = decodeSpec({
  canonicalId: INV,
  venue: "DERIBIT",
  baseAsset: "BTC",
  quoteAsset: "USD",
  settlementAsset: "BTC",
  kind: "PERPETUAL",
  tickSize: "0.5",
  lotSize: "1",
  minQuantity: "1",
  makerFee: "0",
  takerFee: "0.0005",
  contractSize: "10",
  contractType: "INVERSE"
})

/** A book with the three instruments at 100000, and generous balances everywhere. */
export const makeBook = (): InMemoryRiskBook.InMemoryRiskBook => {
  const book = InMemoryRiskBook.make()
  for (const s of [spotSpec, perpSpec, invSpec]) {
    book.addSpec(s)
    book.setReferencePrice(s.canonicalId, D("100000"))
  }
  book.setBalance("BINANCE-SPOT", "USDT", D("100000000"))
  book.setBalance("BINANCE-SPOT", "BTC", D("1000"))
  book.setBalance("BINANCE-FUTURES", "USDT", D("100000000"))
  book.setBalance("DERIBIT", "BTC", D("1000"))
  return book
}

/** An engine over `book`; throws on a bad config (tests of bad configs use PreTradeRisk.make). */
export const makeRisk = (book: InMemoryRiskBook.InMemoryRiskBook, config: unknown = {}): PreTradeRisk.PreTradeRisk =>
  Either.getOrThrow(PreTradeRisk.make({ book, config }))

/** A LIMIT or MARKET order with defaults; `price: undefined` makes a MARKET order. */
export const order = (
  over: {
    strategyId?: string
    canonicalId?: string
    side?: "BUY" | "SELL"
    quantity?: string
    price?: string | undefined
    reduceOnly?: boolean
  } = {}
): PreTradeRisk.RiskOrder => {
  const price = "price" in over ? over.price : "100000"
  return {
    strategyId: over.strategyId ?? "s1",
    canonicalId: over.canonicalId ?? SPOT,
    side: over.side ?? "BUY",
    type: price === undefined ? "MARKET" : "LIMIT",
    quantity: D(over.quantity ?? "0.01"),
    ...(price === undefined ? {} : { price: D(price) }),
    reduceOnly: over.reduceOnly ?? false
  }
}

let opSeq = 0
/** Records an open order in the book (as the OMS would after risk allowed it). */
export const openOrder = (
  book: InMemoryRiskBook.InMemoryRiskBook,
  o: { strategyId?: string; canonicalId?: string; side: "BUY" | "SELL"; quantity: string; price?: string }
): string => {
  const operationId = `op-${++opSeq}`
  const err = book.onOrderAccepted({
    operationId,
    strategyId: o.strategyId ?? "s1",
    canonicalId: o.canonicalId ?? SPOT,
    side: o.side,
    quantity: D(o.quantity),
    ...(o.price === undefined ? {} : { price: D(o.price) })
  })
  if (err !== undefined) throw err
  return operationId
}

/** The reason of a decision, or "ALLOW". */
export const outcome = (d: { allowed: boolean; reason?: string }): string => (d.allowed ? "ALLOW" : (d.reason as string))
