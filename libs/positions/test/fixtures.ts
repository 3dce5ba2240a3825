/** Instruments and fill builders shared by the tests (real contract terms of each venue). */
import { Decimal, type Fill, Ids, type InstrumentSpec } from "@odum/domain"

export const d = Decimal.unsafeFromString

const spec = (s: {
  canonicalId: string
  venue: string
  baseAsset: string
  quoteAsset: string
  settlementAsset: string
  kind: InstrumentSpec.InstrumentKind
  contractType: InstrumentSpec.ContractType
  contractSize: string
  expiry?: number
  strike?: string
  right?: InstrumentSpec.OptionRight
}): InstrumentSpec.InstrumentSpec => ({
  canonicalId: s.canonicalId,
  venue: Ids.Venue.make(s.venue),
  baseAsset: s.baseAsset,
  quoteAsset: s.quoteAsset,
  settlementAsset: s.settlementAsset,
  kind: s.kind,
  tickSize: d("0.01"),
  lotSize: d("0.001"),
  minQuantity: d("0"),
  makerFee: d("0.0002"),
  takerFee: d("0.0005"),
  contractSize: d(s.contractSize),
  contractType: s.contractType,
  ...(s.expiry === undefined ? {} : { expiry: s.expiry }),
  ...(s.strike === undefined ? {} : { strike: d(s.strike) }),
  ...(s.right === undefined ? {} : { right: s.right })
})

export const BINANCE_SPOT = "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"
export const BYBIT_SPOT = "BYBIT:SPOT_PAIR:BTC-USDT"
export const BINANCE_PERP = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
export const OKX_PERP = "OKX:PERPETUAL:BTC-USDT"
export const DERIBIT_PERP = "DERIBIT:PERPETUAL:BTC-USD@INV"
export const DERIBIT_CALL = "DERIBIT:OPTION:BTC-USD-50000-20241231-C"
export const IB_CALL = "IB:OPTION:AAPL-USD-200-20241220-C"

export const specs: ReadonlyArray<InstrumentSpec.InstrumentSpec> = [
  spec({ canonicalId: BINANCE_SPOT, venue: "BINANCE-SPOT", baseAsset: "BTC", quoteAsset: "USDT", settlementAsset: "USDT", kind: "SPOT", contractType: "LINEAR", contractSize: "1" }),
  spec({ canonicalId: BYBIT_SPOT, venue: "BYBIT", baseAsset: "BTC", quoteAsset: "USDT", settlementAsset: "USDT", kind: "SPOT", contractType: "LINEAR", contractSize: "1" }),
  spec({ canonicalId: BINANCE_PERP, venue: "BINANCE-FUTURES", baseAsset: "BTC", quoteAsset: "USDT", settlementAsset: "USDT", kind: "PERPETUAL", contractType: "LINEAR", contractSize: "1" }),
  // OKX BTC-USDT-SWAP: one contract is 0.01 BTC.
  spec({ canonicalId: OKX_PERP, venue: "OKX", baseAsset: "BTC", quoteAsset: "USDT", settlementAsset: "USDT", kind: "PERPETUAL", contractType: "LINEAR", contractSize: "0.01" }),
  // Deribit BTC-PERPETUAL: one contract is 10 USD, settled in BTC.
  spec({ canonicalId: DERIBIT_PERP, venue: "DERIBIT", baseAsset: "BTC", quoteAsset: "USD", settlementAsset: "BTC", kind: "PERPETUAL", contractType: "INVERSE", contractSize: "10" }),
  // Deribit BTC options: one contract is 1 BTC of underlying, the premium is quoted and paid in BTC.
  spec({ canonicalId: DERIBIT_CALL, venue: "DERIBIT", baseAsset: "BTC", quoteAsset: "USD", settlementAsset: "BTC", kind: "OPTION", contractType: "INVERSE", contractSize: "1", expiry: 1735632000000, strike: "50000", right: "CALL" }),
  // IB equity options: 100 shares per contract, premium in USD per share.
  spec({ canonicalId: IB_CALL, venue: "IB", baseAsset: "AAPL", quoteAsset: "USD", settlementAsset: "USD", kind: "OPTION", contractType: "LINEAR", contractSize: "100", expiry: 1734652800000, strike: "200", right: "CALL" })
]

export const specOf = (canonicalId: string): InstrumentSpec.InstrumentSpec => specs.find((s) => s.canonicalId === canonicalId)!

export const strategy = (s: string): Ids.StrategyId => Ids.StrategyId.make(s)

let counter = 0

/** A fill on `canonicalId` (its venue), with decimals given as strings. */
export const fill = (
  canonicalId: string,
  side: "BUY" | "SELL",
  quantity: string,
  price: string,
  extra: { fee?: string; feeCurrency?: string; tradeId?: string; timestamp?: number } = {}
): Fill.Fill => {
  const s = specOf(canonicalId)
  counter++
  return {
    operationId: Ids.OperationId.make(`op-${counter}`),
    venue: s.venue,
    canonicalId,
    tradeId: Ids.TradeId.make(extra.tradeId ?? `t-${counter}`),
    side,
    price: d(price),
    quantity: d(quantity),
    fee: d(extra.fee ?? "0"),
    feeCurrency: extra.feeCurrency ?? s.settlementAsset,
    liquidity: "TAKER",
    timestamp: extra.timestamp ?? 1_700_000_000_000 + counter
  }
}

/** Decimal as its canonical string, for readable assertions. */
export const str = (x: Decimal.Decimal | undefined): string | undefined => (x === undefined ? undefined : Decimal.format(x))
