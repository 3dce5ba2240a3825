/**
 * Listings and books for the router tests. Fees, ticks and lots marked "real" are copied
 * from /work/shared/data/real: binance.json (ccxt markets: BTC/USDT spot, BTC/USDT:USDT
 * USD-M), BYBIT.0 (v2 symbols: BTCUSDT linear) and DERIBIT.0 (get_instruments:
 * BTC_USDC-PERPETUAL). Everything else is made up to make hand computation easy.
 */
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { OrderBook, Router, RouterConfig } from "../src/index.js"

export const d = Decimal.unsafeFromString

/** An encoded InstrumentSpec for a linear instrument, with the fields the tests vary. */
export const spec = (s: {
  readonly id: string
  readonly venue: string
  readonly base?: string
  readonly quote?: string
  readonly kind?: "SPOT" | "PERPETUAL"
  readonly tick: string
  readonly lot: string
  readonly min?: string
  readonly minNotional?: string
  readonly max?: string
  readonly maker: string
  readonly taker: string
  readonly contractSize?: string
}): RouterConfig.RouterConfigEncoded["listings"][number]["spec"] => ({
  canonicalId: s.id,
  venue: s.venue,
  baseAsset: s.base ?? "BTC",
  quoteAsset: s.quote ?? "USDT",
  settlementAsset: s.quote ?? "USDT",
  kind: s.kind ?? "SPOT",
  tickSize: s.tick,
  lotSize: s.lot,
  minQuantity: s.min ?? s.lot,
  ...(s.minNotional === undefined ? {} : { minNotional: s.minNotional }),
  ...(s.max === undefined ? {} : { maxQuantity: s.max }),
  makerFee: s.maker,
  takerFee: s.taker,
  contractSize: s.contractSize ?? "1",
  contractType: "LINEAR"
})

/** Real: binance.json "BTC/USDT" (spot): tick 0.01, step 0.00001, NOTIONAL min 5, maker = taker = 0.001. */
export const binanceSpot = spec({
  id: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
  venue: "BINANCE-SPOT",
  tick: "0.01",
  lot: "0.00001",
  minNotional: "5",
  maker: "0.001",
  taker: "0.001"
})

/** Made up: OKX spot with a coarser tick and a lower maker fee. */
export const okxSpot = spec({
  id: "OKX:SPOT_PAIR:BTC-USDT",
  venue: "OKX",
  tick: "0.1",
  lot: "0.00000001",
  min: "0.00001",
  maker: "0.0008",
  taker: "0.001"
})

/** Real: binance.json "BTC/USDT:USDT": tick 0.10, step 0.001, min 0.001, MIN_NOTIONAL 5, maker 0.0002, taker 0.0004. */
export const binancePerp = spec({
  id: "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
  venue: "BINANCE-FUTURES",
  kind: "PERPETUAL",
  tick: "0.1",
  lot: "0.001",
  minNotional: "5",
  maker: "0.0002",
  taker: "0.0004"
})

/** Real: BYBIT.0 "BTCUSDT": tick 0.5, qty_step 0.001, min 0.001, max 100, maker -0.00025 (rebate), taker 0.00075. */
export const bybitPerp = spec({
  id: "BYBIT:PERPETUAL:BTC-USDT",
  venue: "BYBIT",
  kind: "PERPETUAL",
  tick: "0.5",
  lot: "0.001",
  max: "100",
  maker: "-0.00025",
  taker: "0.00075"
})

/**
 * Real: DERIBIT.0 "BTC_USDC-PERPETUAL": tick 1, contract size 0.001 BTC, min 0.001 BTC,
 * maker 0, taker 0.0005. Quantities here are contracts of 0.001 BTC.
 */
export const deribitPerp = spec({
  id: "DERIBIT:PERPETUAL:BTC-USDC",
  venue: "DERIBIT",
  kind: "PERPETUAL",
  quote: "USDC",
  tick: "1",
  lot: "1",
  maker: "0",
  taker: "0.0005",
  contractSize: "0.001"
})

/** A router from an encoded configuration; throws on a configuration the test got wrong. */
export const router = (config: RouterConfig.RouterConfigEncoded): Router.Router =>
  Either.getOrThrowWith(Router.fromJson(config), (e) => e)

/** A venue profile. */
export const venue = (name: string, latencyMs = 0, access: "ccxt" | "external" = "ccxt") => ({
  venue: name,
  access,
  latencyMs
})

/** A book from `[price, size]` string pairs. */
export const book = (bids: ReadonlyArray<readonly [string, string]>, asks: ReadonlyArray<readonly [string, string]>) =>
  OrderBook.unsafeMake({ bids, asks })

/** Decodes an encoded config (to reach defaults in assertions). */
export const decodeConfig = Schema.decodeSync(RouterConfig.RouterConfig)
