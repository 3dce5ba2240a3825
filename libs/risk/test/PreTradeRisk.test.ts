import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as InMemoryRiskBook from "../src/InMemoryRiskBook.js"
import * as PreTradeRisk from "../src/PreTradeRisk.js"
import { D, INV, makeBook, makeRisk, openOrder, order, outcome, PERP, perpSpec, SPOT } from "./fixtures.js"

type Risk = PreTradeRisk.PreTradeRisk
type Order = PreTradeRisk.RiskOrder

/** The order just inside the limit passes; the one at the first value past it is denied with `reason`. */
const boundary = (risk: Risk, inside: Order, outside: Order, reason: string, now = 0): void => {
  const denied = risk.check(outside, now)
  expect(outcome(denied)).toBe(reason)
  expect(outcome(risk.check(inside, now))).toBe("ALLOW")
}

describe("order size and grid", () => {
  it("QUANTITY_ABOVE_MAX: max 10 allows 10 and denies one lot more, naming limit and value", () => {
    const risk = makeRisk(makeBook(), { defaults: { maxQuantity: "10" } })
    const d = risk.check(order({ quantity: "12.5" }), 0)
    expect(d.allowed ? "" : d.message).toBe("quantity 12.5 exceeds max 10 for BINANCE-SPOT:SPOT_PAIR:BTC-USDT (risk limit)")
    boundary(risk, order({ quantity: "10" }), order({ quantity: "10.00001" }), "QUANTITY_ABOVE_MAX")
  })

  it("QUANTITY_ABOVE_MAX: the venue's max applies when the config has none, the tighter one when both", () => {
    const book = makeBook()
    const risk = makeRisk(book, { instruments: { [PERP]: { leverage: "100" } } })
    boundary(risk, order({ canonicalId: PERP, quantity: "1000" }), order({ canonicalId: PERP, quantity: "1000.001" }), "QUANTITY_ABOVE_MAX")
    const tighter = makeRisk(book, { instruments: { [PERP]: { maxQuantity: "2", leverage: "100" } } })
    boundary(tighter, order({ canonicalId: PERP, quantity: "2" }), order({ canonicalId: PERP, quantity: "2.001" }), "QUANTITY_ABOVE_MAX")
  })

  it("QUANTITY_BELOW_MIN: config min 0.001 allows 0.001 and denies 0.00099; the venue min applies below it", () => {
    const book = makeBook()
    boundary(makeRisk(book, { defaults: { minQuantity: "0.001" } }), order({ quantity: "0.001" }), order({ quantity: "0.00099" }), "QUANTITY_BELOW_MIN")
    // A venue minimum above the config's: the venue's wins, and the message says so.
    book.addSpec({ ...perpSpec, minQuantity: D("0.01") })
    const risk = makeRisk(book, { defaults: { minQuantity: "0.001" } })
    boundary(risk, order({ canonicalId: PERP, quantity: "0.01" }), order({ canonicalId: PERP, quantity: "0.009" }), "QUANTITY_BELOW_MIN")
    const d = risk.check(order({ canonicalId: PERP, quantity: "0.009" }), 0)
    expect(d.allowed ? "" : d.message).toBe("quantity 0.009 is below min 0.01 for BINANCE-FUTURES:PERPETUAL:BTC-USDT (venue limit)")
  })

  it("QUANTITY_OFF_LOT: a quantity off the 0.00001 grid is denied, one on it passes", () => {
    boundary(makeRisk(makeBook()), order({ quantity: "0.01001" }), order({ quantity: "0.010005" }), "QUANTITY_OFF_LOT")
  })

  it("PRICE_OFF_TICK: a price off the 0.01 grid is denied, one on it passes", () => {
    boundary(makeRisk(makeBook()), order({ price: "100000.01" }), order({ price: "100000.005" }), "PRICE_OFF_TICK")
  })

  it("INVALID_QUANTITY, PRICE_MISSING, INVALID_PRICE and UNKNOWN_INSTRUMENT", () => {
    const risk = makeRisk(makeBook())
    expect(outcome(risk.check(order({ quantity: "0" }), 0))).toBe("INVALID_QUANTITY")
    expect(outcome(risk.check(order({ quantity: "-1" }), 0))).toBe("INVALID_QUANTITY")
    expect(outcome(risk.check({ ...order(), type: "LIMIT", price: undefined }, 0))).toBe("PRICE_MISSING")
    expect(outcome(risk.check(order({ price: "0" }), 0))).toBe("INVALID_PRICE")
    const unknown = risk.check(order({ canonicalId: "BINANCE-SPOT:SPOT_PAIR:DOGE-USDT" }), 0)
    expect(outcome(unknown)).toBe("UNKNOWN_INSTRUMENT")
    expect(unknown.allowed ? "" : unknown.message).toContain("BINANCE-SPOT:SPOT_PAIR:DOGE-USDT")
  })

  it("NOTIONAL_BELOW_MIN: the venue's 5 USDT allows exactly 5 and denies 4.999999", () => {
    boundary(
      makeRisk(makeBook()),
      order({ quantity: "0.0001", price: "50000" }),
      order({ quantity: "0.0001", price: "49999.99" }),
      "NOTIONAL_BELOW_MIN"
    )
  })

  it("NOTIONAL_BELOW_MIN: a larger config minimum wins; inverse notional is in the base coin", () => {
    const book = makeBook()
    boundary(makeRisk(book, { defaults: { minNotional: "10" } }), order({ quantity: "0.0001" }), order({ quantity: "0.0001", price: "99999.99" }), "NOTIONAL_BELOW_MIN")
    // 10 contracts of 10 USD at 100000 are 0.001 BTC; at 100000.5 slightly less.
    const inv = makeRisk(book, { instruments: { [INV]: { minNotional: "0.001" } } })
    boundary(
      inv,
      order({ canonicalId: INV, quantity: "10", price: "100000" }),
      order({ canonicalId: INV, quantity: "10", price: "100000.5" }),
      "NOTIONAL_BELOW_MIN"
    )
  })

  it("NOTIONAL_ABOVE_MAX: max 1000 allows 1000 and denies 1000.1", () => {
    boundary(makeRisk(makeBook(), { defaults: { maxNotional: "1000" } }), order({ quantity: "0.01" }), order({ quantity: "0.01001" }), "NOTIONAL_ABOVE_MAX")
  })
})

describe("price tolerance", () => {
  it("PRICE_TOLERANCE: 100 bps around 100000 allows 101000 and 99000 and denies one tick beyond", () => {
    const risk = makeRisk(makeBook(), { defaults: { priceToleranceBps: 100 } })
    boundary(risk, order({ price: "101000" }), order({ price: "101000.01" }), "PRICE_TOLERANCE")
    boundary(risk, order({ price: "99000" }), order({ price: "98999.99" }), "PRICE_TOLERANCE")
    const d = risk.check(order({ price: "102000" }), 0)
    expect(d.allowed ? "" : d.message).toBe(
      "limit price 102000 is 200 bps from reference 100000, beyond tolerance 100 bps for BINANCE-SPOT:SPOT_PAIR:BTC-USDT"
    )
  })

  it("market orders are valued at the reference price and need one", () => {
    const book = makeBook()
    const risk = makeRisk(book, { defaults: { priceToleranceBps: 1, maxNotional: "1000" } })
    boundary(risk, order({ price: undefined, quantity: "0.01" }), order({ price: undefined, quantity: "0.01001" }), "NOTIONAL_ABOVE_MAX")
    const fresh = makeBook()
    fresh.addSpec({ ...(fresh.spec(SPOT) as NonNullable<ReturnType<typeof fresh.spec>>), canonicalId: "X:SPOT_PAIR:A-B" })
    expect(outcome(makeRisk(fresh).check(order({ canonicalId: "X:SPOT_PAIR:A-B", price: undefined }), 0))).toBe("NO_REFERENCE_PRICE")
  })

  it("a limit order without a reference price passes unless a check needs the reference", () => {
    const book = makeBook()
    book.addSpec({ ...(book.spec(SPOT) as NonNullable<ReturnType<typeof book.spec>>), canonicalId: "X:SPOT_PAIR:BTC-USDT", venue: "BINANCE-SPOT" as never })
    const o = order({ canonicalId: "X:SPOT_PAIR:BTC-USDT" })
    expect(outcome(makeRisk(book).check(o, 0))).toBe("ALLOW")
    expect(outcome(makeRisk(book, { defaults: { priceToleranceBps: 100 } }).check(o, 0))).toBe("NO_REFERENCE_PRICE")
    expect(outcome(makeRisk(book, { maxGrossExposure: "1000000" }).check(o, 0))).toBe("NO_REFERENCE_PRICE")
  })
})

describe("velocity", () => {
  it("VELOCITY_STRATEGY_PER_SECOND: 3 per second allows the 4th order exactly 1000 ms after the 1st, not 1 ms before", () => {
    const risk = makeRisk(makeBook(), { defaultStrategy: { velocity: { perSecond: 3 } } })
    for (const t of [0, 10, 20]) expect(outcome(risk.check(order(), t))).toBe("ALLOW")
    expect(outcome(risk.check(order(), 999))).toBe("VELOCITY_STRATEGY_PER_SECOND")
    expect(outcome(risk.check(order({ strategyId: "s2" }), 999))).toBe("ALLOW")
    expect(outcome(risk.check(order(), 1000))).toBe("ALLOW")
    expect(outcome(risk.check(order(), 1009))).toBe("VELOCITY_STRATEGY_PER_SECOND")
    expect(outcome(risk.check(order(), 1010))).toBe("ALLOW")
  })

  it("VELOCITY_STRATEGY_PER_MINUTE: 5 per minute", () => {
    const risk = makeRisk(makeBook(), { strategies: { s1: { velocity: { perMinute: 5 } } } })
    for (let t = 0; t < 5; t++) expect(outcome(risk.check(order(), t * 1000))).toBe("ALLOW")
    expect(outcome(risk.check(order(), 59_999))).toBe("VELOCITY_STRATEGY_PER_MINUTE")
    expect(outcome(risk.check(order(), 60_000))).toBe("ALLOW")
  })

  it("VELOCITY_GLOBAL_PER_SECOND and VELOCITY_GLOBAL_PER_MINUTE count every strategy together", () => {
    const risk = makeRisk(makeBook(), { velocity: { perSecond: 2, perMinute: 3 } })
    expect(outcome(risk.check(order({ strategyId: "a" }), 0))).toBe("ALLOW")
    expect(outcome(risk.check(order({ strategyId: "b" }), 1))).toBe("ALLOW")
    expect(outcome(risk.check(order({ strategyId: "c" }), 999))).toBe("VELOCITY_GLOBAL_PER_SECOND")
    expect(outcome(risk.check(order({ strategyId: "c" }), 1000))).toBe("ALLOW")
    expect(outcome(risk.check(order({ strategyId: "d" }), 59_999))).toBe("VELOCITY_GLOBAL_PER_MINUTE")
    expect(outcome(risk.check(order({ strategyId: "d" }), 60_000))).toBe("ALLOW")
  })

  it("a denied order does not count toward velocity; a limit of 0 blocks the strategy", () => {
    const risk = makeRisk(makeBook(), { defaults: { maxQuantity: "1" }, defaultStrategy: { velocity: { perSecond: 1 } } })
    for (let i = 0; i < 5; i++) expect(outcome(risk.check(order({ quantity: "2" }), 0))).toBe("QUANTITY_ABOVE_MAX")
    expect(risk.velocityUsage("s1", 0).strategyPerSecond).toBe(0)
    expect(outcome(risk.check(order(), 0))).toBe("ALLOW")
    expect(risk.velocityUsage("s1", 0)).toEqual({ strategyPerSecond: 1, strategyPerMinute: 1, globalPerSecond: 1, globalPerMinute: 1 })
    const zero = makeRisk(makeBook(), { strategies: { s1: { velocity: { perSecond: 0 } } } })
    expect(outcome(zero.check(order(), 0))).toBe("VELOCITY_STRATEGY_PER_SECOND")
  })
})

describe("position limits (open orders counted in the order's direction)", () => {
  it("POSITION_LIMIT_STRATEGY: long 1.5 with 0.3 open buys and max 2 allows a buy of 0.2, not 0.20001", () => {
    const book = makeBook()
    book.setPosition("s1", SPOT, D("1.5"))
    openOrder(book, { side: "BUY", quantity: "0.3", price: "99000" })
    const risk = makeRisk(book, { strategies: { s1: { defaults: { maxPosition: "2" } } } })
    boundary(risk, order({ quantity: "0.2" }), order({ quantity: "0.20001" }), "POSITION_LIMIT_STRATEGY")
    // Open sells of 0.5 count on the short side: 1.5 - 0.5 - q >= -2 allows q = 3.
    openOrder(book, { side: "SELL", quantity: "0.5", price: "101000" })
    boundary(risk, order({ side: "SELL", quantity: "3" }), order({ side: "SELL", quantity: "3.00001" }), "POSITION_LIMIT_STRATEGY")
    // Another strategy has no limit of its own.
    expect(outcome(risk.check(order({ strategyId: "s2", quantity: "5" }), 0))).toBe("ALLOW")
  })

  it("POSITION_LIMIT_INSTRUMENT: all strategies together, and an order that reduces is allowed beyond the limit", () => {
    const book = makeBook()
    book.setPosition("s1", PERP, D("2"))
    book.setPosition("s2", PERP, D("1"))
    openOrder(book, { strategyId: "s2", canonicalId: PERP, side: "BUY", quantity: "1", price: "99000" })
    const risk = makeRisk(book, { instruments: { [PERP]: { maxPosition: "5" } } })
    boundary(risk, order({ strategyId: "s3", canonicalId: PERP, quantity: "1" }), order({ strategyId: "s3", canonicalId: PERP, quantity: "1.001" }), "POSITION_LIMIT_INSTRUMENT")
    book.setPosition("s1", PERP, D("10"))
    expect(outcome(risk.check(order({ canonicalId: PERP, quantity: "0.001" }), 0))).toBe("POSITION_LIMIT_INSTRUMENT")
    expect(outcome(risk.check(order({ canonicalId: PERP, side: "SELL", quantity: "3" }), 0))).toBe("ALLOW")
  })

  it("POSITION_LIMIT_GLOBAL: net BTC across spot, linear and inverse instruments", () => {
    const book = makeBook()
    book.setPosition("s1", SPOT, D("1"))
    book.setPosition("s2", PERP, D("1"))
    book.setPosition("s3", INV, D("5000")) // 5000 x 10 USD at 100000 = 0.5 BTC
    const risk = makeRisk(book, { assets: { BTC: { maxPosition: "3" } } })
    boundary(risk, order({ quantity: "0.5" }), order({ quantity: "0.50001" }), "POSITION_LIMIT_GLOBAL")
    boundary(risk, order({ canonicalId: INV, quantity: "5000" }), order({ canonicalId: INV, quantity: "5001" }), "POSITION_LIMIT_GLOBAL")
    // The short side has room for 3 + 2.5 BTC.
    boundary(
      risk,
      order({ canonicalId: PERP, side: "SELL", quantity: "5.5" }),
      order({ canonicalId: PERP, side: "SELL", quantity: "5.501" }),
      "POSITION_LIMIT_GLOBAL"
    )
  })
})

describe("exposure limits", () => {
  it("EXPOSURE_LIMIT: gross 800k plus open orders 100k leaves room for exactly 100k more", () => {
    const book = makeBook()
    book.setPosition("s1", SPOT, D("5"))
    book.setPosition("s2", PERP, D("-3"))
    openOrder(book, { side: "BUY", quantity: "1", price: "99000" })
    const risk = makeRisk(book, { maxGrossExposure: "1000000" })
    boundary(risk, order({ quantity: "1" }), order({ quantity: "1.00001" }), "EXPOSURE_LIMIT")
    boundary(risk, order({ strategyId: "s2", canonicalId: PERP, side: "SELL", quantity: "1" }), order({ strategyId: "s2", canonicalId: PERP, side: "SELL", quantity: "1.001" }), "EXPOSURE_LIMIT")
  })

  it("EXPOSURE_LIMIT: an order that does not raise the worst case passes even above the limit", () => {
    const book = makeBook()
    book.setPosition("s1", SPOT, D("20"))
    const risk = makeRisk(book, { maxGrossExposure: "1000000" })
    expect(outcome(risk.check(order({ quantity: "0.001" }), 0))).toBe("EXPOSURE_LIMIT")
    expect(outcome(risk.check(order({ side: "SELL", quantity: "5" }), 0))).toBe("ALLOW")
  })

  it("EXPOSURE_LIMIT_STRATEGY: one strategy's gross across instruments, inverse at face value", () => {
    const book = makeBook()
    book.setPosition("s1", SPOT, D("3"))
    book.setPosition("s1", INV, D("10000")) // 100k USD face
    book.setPosition("s2", PERP, D("50"))
    const risk = makeRisk(book, { strategies: { s1: { maxGrossExposure: "500000" } } })
    boundary(risk, order({ canonicalId: PERP, quantity: "1" }), order({ canonicalId: PERP, quantity: "1.001" }), "EXPOSURE_LIMIT_STRATEGY")
    expect(outcome(risk.check(order({ strategyId: "s2", canonicalId: PERP, quantity: "5" }), 0))).toBe("ALLOW")
  })
})

describe("balance and margin", () => {
  it("INSUFFICIENT_BALANCE: a spot buy needs its cost in quote; a spot sell needs the base", () => {
    const book = makeBook()
    book.setBalance("BINANCE-SPOT", "USDT", D("1000"))
    book.setBalance("BINANCE-SPOT", "BTC", D("0.5"))
    const risk = makeRisk(book)
    boundary(risk, order({ quantity: "0.01" }), order({ quantity: "0.01001" }), "INSUFFICIENT_BALANCE")
    boundary(risk, order({ side: "SELL", quantity: "0.5" }), order({ side: "SELL", quantity: "0.50001" }), "INSUFFICIENT_BALANCE")
  })

  it("INSUFFICIENT_BALANCE: a linear perpetual needs notional / leverage for the part that opens", () => {
    const book = makeBook()
    book.setBalance("BINANCE-FUTURES", "USDT", D("1000"))
    const risk = makeRisk(book, { instruments: { [PERP]: { leverage: "10" } } })
    boundary(risk, order({ canonicalId: PERP, quantity: "0.1" }), order({ canonicalId: PERP, quantity: "0.101" }), "INSUFFICIENT_BALANCE")
    // Short 0.05: the first 0.05 of a buy closes and needs no margin.
    book.setPosition("s9", PERP, D("-0.05"))
    boundary(risk, order({ canonicalId: PERP, quantity: "0.15" }), order({ canonicalId: PERP, quantity: "0.151" }), "INSUFFICIENT_BALANCE")
    const d = risk.check(order({ canonicalId: PERP, quantity: "1.05" }), 0)
    expect(d.allowed ? "" : d.message).toBe(
      "margin 10000 USDT (notional 100000 / leverage 10) for 1.05 BINANCE-FUTURES:PERPETUAL:BTC-USDT exceeds available 1000 at BINANCE-FUTURES"
    )
  })

  it("INSUFFICIENT_BALANCE: an inverse perpetual's margin is in the base coin", () => {
    const book = makeBook()
    book.setBalance("DERIBIT", "BTC", D("0.5"))
    const risk = makeRisk(book, { instruments: { [INV]: { leverage: "2" } } })
    // 10000 contracts x 10 USD = 1 BTC at 100000; at leverage 2 that is 0.5 BTC.
    boundary(risk, order({ canonicalId: INV, quantity: "10000" }), order({ canonicalId: INV, quantity: "10001" }), "INSUFFICIENT_BALANCE")
  })

  it("BALANCE_UNKNOWN unless the balance check is off", () => {
    const book = makeBook()
    book.addSpec({ ...(book.spec(SPOT) as NonNullable<ReturnType<typeof book.spec>>), canonicalId: "OKX:SPOT_PAIR:BTC-USDT", venue: "OKX" as never })
    book.setReferencePrice("OKX:SPOT_PAIR:BTC-USDT", D("100000"))
    const o = order({ canonicalId: "OKX:SPOT_PAIR:BTC-USDT" })
    expect(outcome(makeRisk(book).check(o, 0))).toBe("BALANCE_UNKNOWN")
    expect(outcome(makeRisk(book, { defaults: { checkBalance: false } }).check(o, 0))).toBe("ALLOW")
  })
})

describe("reduce-only", () => {
  it("REDUCE_ONLY_WOULD_INCREASE when flat or on the position's side", () => {
    const book = makeBook()
    const risk = makeRisk(book)
    expect(outcome(risk.check(order({ canonicalId: PERP, side: "SELL", quantity: "1", reduceOnly: true }), 0))).toBe("REDUCE_ONLY_WOULD_INCREASE")
    book.setPosition("s1", PERP, D("1"))
    expect(outcome(risk.check(order({ canonicalId: PERP, side: "BUY", quantity: "0.001", reduceOnly: true }), 0))).toBe("REDUCE_ONLY_WOULD_INCREASE")
  })

  it("REDUCE_ONLY_WOULD_FLIP: long 1 allows a reduce-only sell of 1, not 1.001; open sells count", () => {
    const book = makeBook()
    book.setPosition("s1", PERP, D("1"))
    const risk = makeRisk(book)
    const sell = (q: string) => order({ canonicalId: PERP, side: "SELL", quantity: q, reduceOnly: true })
    boundary(risk, sell("1"), sell("1.001"), "REDUCE_ONLY_WOULD_FLIP")
    openOrder(book, { canonicalId: PERP, side: "SELL", quantity: "0.4", price: "101000" })
    boundary(risk, sell("0.6"), sell("0.601"), "REDUCE_ONLY_WOULD_FLIP")
    // Another strategy's long does not make s2's order reducing.
    expect(outcome(risk.check({ ...sell("0.1"), strategyId: "s2" }, 0))).toBe("REDUCE_ONLY_WOULD_INCREASE")
  })
})

describe("trading state", () => {
  it("HALTED denies every new order, whatever its side, and always allows cancels", () => {
    const book = makeBook()
    book.setPosition("s1", PERP, D("1"))
    const risk = makeRisk(book, { tradingState: "HALTED" })
    for (const o of [order(), order({ canonicalId: PERP, side: "SELL", quantity: "1", reduceOnly: true })]) {
      const d = risk.check(o, 0)
      expect(outcome(d)).toBe("TRADING_HALTED")
      expect(d.allowed ? "" : d.message).toContain("global config")
    }
    expect(risk.checkCancel().allowed).toBe(true)
  })

  it("REDUCING allows only orders that reduce the strategy's position without flipping it", () => {
    const book = makeBook()
    book.setPosition("s1", PERP, D("1"))
    const risk = makeRisk(book, { strategies: { s1: { tradingState: "REDUCING" } } })
    const sell = (q: string) => order({ canonicalId: PERP, side: "SELL", quantity: q })
    expect(outcome(risk.check(order({ canonicalId: PERP, quantity: "0.001" }), 0))).toBe("TRADING_REDUCING")
    boundary(risk, sell("1"), sell("1.001"), "TRADING_REDUCING")
    openOrder(book, { canonicalId: PERP, side: "SELL", quantity: "0.5", price: "101000" })
    boundary(risk, sell("0.5"), sell("0.501"), "TRADING_REDUCING")
    expect(outcome(risk.check(order({ strategyId: "s2", canonicalId: PERP }), 0))).toBe("ALLOW")
    expect(risk.tradingState("s1")).toBe("REDUCING")
    expect(risk.tradingState("s2")).toBe("ACTIVE")
  })

  it("the most restrictive of config and operator states applies, globally and per strategy", () => {
    const risk = makeRisk(makeBook(), { strategies: { s1: { tradingState: "REDUCING" } } })
    risk.setTradingState("HALTED", "s2")
    expect(outcome(risk.check(order({ strategyId: "s2" }), 0))).toBe("TRADING_HALTED")
    expect(outcome(risk.check(order({ strategyId: "s3" }), 0))).toBe("ALLOW")
    // Operator ACTIVE cannot lift the config's REDUCING.
    risk.setTradingState("ACTIVE", "s1")
    expect(outcome(risk.check(order(), 0))).toBe("TRADING_REDUCING")
    risk.setTradingState("HALTED")
    expect(risk.tradingState()).toBe("HALTED")
    expect(outcome(risk.check(order({ strategyId: "s3" }), 0))).toBe("TRADING_HALTED")
    risk.setTradingState("ACTIVE")
    risk.setTradingState("ACTIVE", "s2")
    expect(outcome(risk.check(order({ strategyId: "s2" }), 0))).toBe("ALLOW")
  })

  it("an operator halt survives a config replacement", () => {
    const risk = makeRisk(makeBook())
    risk.setTradingState("HALTED")
    expect(Either.isRight(risk.replaceConfig({ defaults: { maxQuantity: "5" } }))).toBe(true)
    expect(outcome(risk.check(order(), 0))).toBe("TRADING_HALTED")
  })
})

describe("checkAll", () => {
  it("lists every failing check in check order, records nothing, and agrees with check", () => {
    const book = makeBook()
    book.setBalance("BINANCE-SPOT", "USDT", D("10"))
    const risk = makeRisk(book, { tradingState: "HALTED", defaults: { maxQuantity: "1", priceToleranceBps: 10 }, velocity: { perSecond: 1 } })
    const o = order({ quantity: "2.000001", price: "200000.001" })
    const all = risk.checkAll(o, 0)
    expect(all.map((d) => d.reason)).toEqual([
      "TRADING_HALTED",
      "QUANTITY_OFF_LOT",
      "PRICE_OFF_TICK",
      "QUANTITY_ABOVE_MAX",
      "PRICE_TOLERANCE",
      "INSUFFICIENT_BALANCE"
    ])
    expect(outcome(risk.check(o, 0))).toBe("TRADING_HALTED")
    expect(risk.velocityUsage("s1", 0).globalPerSecond).toBe(0)
  })
})

describe("books", () => {
  it("a subclass of InMemoryRiskBook is read through its methods (no direct reads of the base class's state)", () => {
    class NoBalance extends InMemoryRiskBook.InMemoryRiskBook {
      override available(): bigint | undefined {
        return 0n
      }
    }
    const book = new NoBalance()
    const plain = makeBook()
    for (const id of [SPOT, PERP, INV]) {
      book.addSpec(plain.spec(id)!)
      book.setReferencePrice(id, D("100000"))
    }
    book.setBalance("BINANCE-SPOT", "USDT", D("100000000"))
    expect(outcome(makeRisk(plain).check(order(), 0))).toBe("ALLOW")
    expect(outcome(makeRisk(book).check(order(), 0))).toBe("INSUFFICIENT_BALANCE")
  })
})
