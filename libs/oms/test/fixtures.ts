/**
 * Test fixtures: real-looking instrument specs (decoded through the domain schema, so they
 * are valid specs) and builders for requests and fill reports.
 */
import { Decimal, Ids, InstrumentSpec } from "@odum/domain"
import * as Schema from "effect/Schema"
import type { FillReport } from "../src/FillReport.js"
import type { OrderRequest } from "../src/OrderRequest.js"

const spec = Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)

/** Binance spot BTC-USDT: tick 0.01, lot 0.00001. */
export const BTC_SPOT = spec({
  canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
  venue: "BINANCE-SPOT",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "SPOT",
  tickSize: "0.01",
  lotSize: "0.00001",
  minQuantity: "0.00001",
  makerFee: "0.001",
  takerFee: "0.001",
  contractSize: "1",
  contractType: "LINEAR"
})

/** OKX spot BTC-USDT: tick 0.1, lot 0.00000001. */
export const OKX_BTC = spec({
  canonicalId: "OKX:SPOT_PAIR:BTC-USDT",
  venue: "OKX",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "SPOT",
  tickSize: "0.1",
  lotSize: "0.00000001",
  minQuantity: "0.00001",
  makerFee: "0.0008",
  takerFee: "0.001",
  contractSize: "1",
  contractType: "LINEAR"
})

/** Deribit BTC perpetual (inverse): tick 0.5, lot 10 contracts. */
export const DERIBIT_PERP = spec({
  canonicalId: "DERIBIT:PERPETUAL:BTC-USD@INV",
  venue: "DERIBIT",
  baseAsset: "BTC",
  quoteAsset: "USD",
  settlementAsset: "BTC",
  kind: "PERPETUAL",
  tickSize: "0.5",
  lotSize: "10",
  minQuantity: "10",
  makerFee: "-0.0001",
  takerFee: "0.0005",
  contractSize: "10",
  contractType: "INVERSE"
})

/** A token traded to the wei (18 decimals), to prove exact decimals survive every store. */
export const WEI_TOKEN = spec({
  canonicalId: "BINANCE-SPOT:SPOT_PAIR:WEI-ETH",
  venue: "BINANCE-SPOT",
  baseAsset: "WEI",
  quoteAsset: "ETH",
  settlementAsset: "ETH",
  kind: "SPOT",
  tickSize: "0.000000000000000001",
  lotSize: "0.000000000000000001",
  minQuantity: "0",
  makerFee: "0",
  takerFee: "0",
  contractSize: "1",
  contractType: "LINEAR"
})

/** The instruments the tests trade. */
export const instruments = new Map<string, InstrumentSpec.InstrumentSpec>(
  [BTC_SPOT, OKX_BTC, DERIBIT_PERP, WEI_TOKEN].map((s) => [s.canonicalId, s])
)

/** A decimal from a literal. */
export const d = (s: string): Decimal.Decimal => Decimal.unsafeFromString(s)

/** Branded ids from literals (test data is valid by construction). */
export const op = (s: string) => Ids.OperationId.make(s)
export const strategy = (s: string) => Ids.StrategyId.make(s)
export const venue = (s: string) => Ids.Venue.make(s)
export const trade = (s: string) => Ids.TradeId.make(s)
export const voi = (s: string) => Ids.VenueOrderId.make(s)

/** A LIMIT GTC buy of 0.5 BTC at 65000.10 on Binance spot, with overrides. */
export const limitBuy = (operationId: string, overrides: Partial<OrderRequest> = {}): OrderRequest => ({
  operationId: op(operationId),
  strategyId: strategy("alpha"),
  canonicalId: BTC_SPOT.canonicalId,
  venue: venue("BINANCE-SPOT"),
  side: "BUY",
  type: "LIMIT",
  timeInForce: "GTC",
  quantity: d("0.5"),
  price: d("65000.1"),
  ...overrides
})

/** A fill report for `operationId` on Binance spot, with overrides. */
export const fillOf = (operationId: string, tradeId: string, quantity: string, price: string, overrides: Partial<FillReport> = {}): FillReport => ({
  venue: venue("BINANCE-SPOT"),
  tradeId: trade(tradeId),
  operationId: op(operationId),
  price: d(price),
  quantity: d(quantity),
  fee: d("0.01"),
  feeCurrency: "USDT",
  liquidity: "TAKER",
  timestamp: 1_700_000_000_000,
  ...overrides
})

/** A monotone test clock for the synchronous manager. */
export const clock = () => {
  let t = 1_700_000_000_000
  return () => (t += 1)
}
