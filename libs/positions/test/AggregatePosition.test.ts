import { Decimal } from "@odum/domain"
import { describe, expect, it } from "vitest"
import * as AggregatePosition from "../src/AggregatePosition.js"
import * as PnlSummary from "../src/PnlSummary.js"
import * as PositionTracker from "../src/PositionTracker.js"
import * as UnifiedPosition from "../src/UnifiedPosition.js"
import { BINANCE_PERP, BINANCE_SPOT, BYBIT_SPOT, d, DERIBIT_PERP, fill, OKX_PERP, specs, str, strategy } from "./fixtures.js"

const A = strategy("alpha")
const B = strategy("beta")

const ok = (error: unknown) => expect(error).toBeUndefined()

describe("per instrument across venues", () => {
  const build = () => {
    const t = PositionTracker.make({ instruments: specs })
    ok(t.apply(fill(BINANCE_PERP, "BUY", "1", "60000", { timestamp: 10 }), A))
    // OKX: 50 contracts of 0.01 BTC = 0.5 BTC
    ok(t.apply(fill(OKX_PERP, "BUY", "50", "60300", { timestamp: 20 }), B))
    return t
  }

  it("adds sizes across contract sizes and averages entries over the net size", () => {
    const [row, ...rest] = AggregatePosition.byInstrument(build().positions())
    expect(rest).toHaveLength(0)
    expect(row!.key).toBe("PERPETUAL:BTC-USDT")
    expect(str(row!.size)).toBe("1.5")
    // Contracts of different listings do not add.
    expect(row!.quantity).toBeUndefined()
    expect(Object.fromEntries(Object.entries(row!.venuePositions).map(([k, v]) => [k, str(v)]))).toEqual({
      "BINANCE-FUTURES": "1",
      OKX: "0.5"
    })
    // (60000 + 30150) / 1.5
    expect(str(row!.averageEntryPrice)).toBe("60100")
    expect(row!.strategies).toEqual(["alpha", "beta"])
    expect(row!.unrealizedPnl).toBeUndefined()
  })

  it("values each venue at its own mark; current price is the size-weighted mark", () => {
    const t = build()
    ok(t.mark(BINANCE_PERP, d("61000"), 30))
    ok(t.mark(OKX_PERP, d("61030"), 40))
    const row = AggregatePosition.byInstrument(t.positions())[0]!
    // 61000 + 0.5 * 61030 - 90150
    expect(str(row.unrealizedPnl)).toBe("1365")
    expect(str(row.currentPrice)).toBe("61010")
    expect(row.updatedAt).toBe(40)
    const unified = UnifiedPosition.toUnifiedRow(row)
    expect(UnifiedPosition.encode(unified)).toEqual({
      canonical_id: "PERPETUAL:BTC-USDT",
      base_asset: "BTC",
      aggregated_quantity: "1.5",
      venue_positions: { "BINANCE-FUTURES": "1", OKX: "0.5" },
      venue_types: { "BINANCE-FUTURES": "PERPETUAL", OKX: "PERPETUAL" },
      average_entry_price: "60100",
      current_price: "61010",
      unrealized_pnl: "1365",
      realized_pnl: "0",
      pnl_currency: "USDT",
      updated_at: 40
    })
  })

  it("treats BINANCE-SPOT and BYBIT BTC-USDT as one instrument, and keeps inverse apart", () => {
    const t = PositionTracker.make({ instruments: specs })
    ok(t.apply(fill(BINANCE_SPOT, "BUY", "1", "60000"), A))
    ok(t.apply(fill(BYBIT_SPOT, "SELL", "0.25", "60200"), A))
    ok(t.apply(fill(DERIBIT_PERP, "BUY", "100", "60000"), A))
    const rows = AggregatePosition.byInstrument(t.positions())
    expect(rows.map((r) => [r.key, str(r.size), r.pnlAsset])).toEqual([
      ["PERPETUAL:BTC-USD@INV", "1000", "BTC"],
      ["SPOT_PAIR:BTC-USDT", "0.75", "USDT"]
    ])
    // Break-even of the net 0.75: (60000 - 15050) / 0.75
    expect(str(rows[1]!.averageEntryPrice)).toBe("59933.333333333333333333")
    const encoded = UnifiedPosition.encode(UnifiedPosition.toUnifiedRow(rows[0]!))
    expect(encoded.current_price).toBeNull()
    expect(encoded.unrealized_pnl).toBeNull()
  })

  it("a flat aggregate has no average entry but a zero unrealized PnL", () => {
    const t = PositionTracker.make({ instruments: specs })
    ok(t.apply(fill(BINANCE_PERP, "BUY", "1", "100"), A))
    ok(t.apply(fill(BINANCE_PERP, "SELL", "1", "110"), A))
    const row = AggregatePosition.byInstrument(t.positions())[0]!
    expect(row.averageEntryPrice).toBeUndefined()
    expect(str(row.unrealizedPnl)).toBe("0")
    expect(str(row.realizedPnl)).toBe("10")
  })
})

describe("per venue (all strategies) and the domain Position", () => {
  it("adds strategies' contracts and gives the domain's Position shape", () => {
    const t = PositionTracker.make({ instruments: specs })
    ok(t.apply(fill(BINANCE_PERP, "BUY", "2", "100", { fee: "0.1" }), A))
    ok(t.apply(fill(BINANCE_PERP, "SELL", "0.5", "120", { fee: "0.05" }), B))
    ok(t.mark(BINANCE_PERP, d("110"), 1_900_000_000_000))
    const [row] = AggregatePosition.byVenue(t.positions())
    expect(row!.key).toBe("BINANCE-FUTURES BINANCE-FUTURES:PERPETUAL:BTC-USDT")
    expect(str(row!.quantity)).toBe("1.5")
    const position = AggregatePosition.toDomainPosition(row!)!
    expect(position.canonicalId).toBe(BINANCE_PERP)
    expect(position.venue).toBe("BINANCE-FUTURES")
    expect(str(position.quantity)).toBe("1.5")
    // basis 200 - 60 = 140 over 1.5
    expect(str(position.averageEntryPrice)).toBe("93.333333333333333333")
    // 2*(110-100) + 0.5*(120-110)
    expect(str(position.unrealizedPnl)).toBe("25")
    expect(str(position.fees)).toBe("0.15")
    expect(str(position.realizedPnl)).toBe("-0.15")
    expect(position.updatedAt).toBe(1_900_000_000_000)
  })

  it("refuses to turn a cross-venue row into a venue Position", () => {
    const t = PositionTracker.make({ instruments: specs })
    ok(t.apply(fill(BINANCE_PERP, "BUY", "1", "100"), A))
    ok(t.apply(fill(OKX_PERP, "BUY", "1", "100"), A))
    expect(AggregatePosition.toDomainPosition(AggregatePosition.byInstrument(t.positions())[0]!)).toBeUndefined()
  })
})

describe("PnL per strategy and per base asset", () => {
  it("keeps currencies apart and lists unmarked positions", () => {
    const t = PositionTracker.make({ instruments: specs })
    ok(t.apply(fill(BINANCE_PERP, "BUY", "1", "100"), A))
    ok(t.apply(fill(BINANCE_PERP, "SELL", "1", "110"), A))
    ok(t.apply(fill(DERIBIT_PERP, "BUY", "100", "40000"), A))
    ok(t.apply(fill(DERIBIT_PERP, "SELL", "100", "50000"), B))
    ok(t.apply(fill(OKX_PERP, "BUY", "100", "100"), B))
    const strategies = PnlSummary.byStrategy(t.positions())
    expect(strategies.map((s) => s.key)).toEqual(["alpha", "beta"])
    const alpha = strategies[0]!
    expect(str(alpha.realizedPnl["USDT"])).toBe("10")
    expect(alpha.realizedPnl["BTC"]).toBeDefined()
    expect(alpha.unmarked).toEqual([DERIBIT_PERP])
    const [btc] = PnlSummary.byBaseAsset(t.positions())
    expect(btc!.key).toBe("BTC")
    expect(btc!.positions).toHaveLength(4)
    // Deribit: alpha long 1000 USD from 40000, beta short 1000 USD from 50000; nothing realized per strategy.
    expect(str(btc!.realizedPnl["BTC"])).toBe("0")
    ok(t.mark(DERIBIT_PERP, d("50000"), 1))
    ok(t.mark(OKX_PERP, d("100"), 1))
    const marked = PnlSummary.byBaseAsset(t.positions())[0]!
    // The two Deribit legs net to the round trip's 0.005 BTC.
    expect(str(marked.unrealizedPnl["BTC"])).toBe("0.005")
    expect(marked.unmarked).toEqual([])
    expect(Decimal.isZero(marked.unrealizedPnl["USDT"]!)).toBe(true)
  })
})
