/**
 * The trade-driven strategy's side rules and its `every` and `maxOrders` counts, driven trade
 * by trade against a host that keeps what it is sent.
 */
import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import type { OrderRequest } from "@odum/oms"
import * as fc from "fast-check"
import type { TradeDrivenStrategy } from "../src/BacktestConfig.js"
import { TradeDriven } from "../src/internal/strategies.js"
import { LINEAR_PERP } from "./fixtures.js"

const spec = LINEAR_PERP

type Rule = TradeDrivenStrategy["side"]

/** The sides the rule gives for these aggressors, one order per `every` qualifying trades, at most `max`: the reference. */
const expectedSides = (rule: Rule, aggressors: ReadonlyArray<number>, every: number, max: number | undefined): Array<string> => {
  const out: Array<string> = []
  let qualifying = 0
  let nextBuy = true
  for (const a of aggressors) {
    if (max !== undefined && out.length >= max) break
    let side: string
    if (rule === "follow" || rule === "against") {
      if (a === 0) continue
      side = (a > 0) === (rule === "follow") ? "BUY" : "SELL"
    } else if (rule === "buy") side = "BUY"
    else if (rule === "sell") side = "SELL"
    else side = nextBuy ? "BUY" : "SELL"
    qualifying++
    if (qualifying % every !== 0) continue
    if (rule === "alternate") nextBuy = !nextBuy
    out.push(side)
  }
  return out
}

describe("TradeDriven", () => {
  it("as a property: each side rule gives the reference's sides, one order per `every` qualifying trades, at most `maxOrders`", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Rule>("follow", "against", "buy", "sell", "alternate"),
        fc.array(fc.constantFrom(-1, 0, 1), { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        (rule, aggressors, every, maxOrders) => {
          const sent: Array<OrderRequest.OrderRequest> = []
          const config = {
            type: "trade-driven",
            strategyId: "s",
            instrument: spec.canonicalId,
            quantity: Decimal.unsafeFromString("0.001"),
            side: rule,
            orderType: "MARKET",
            timeInForce: "IOC",
            limitOffsetTicks: 0,
            every,
            ...(maxOrders === undefined ? {} : { maxOrders })
          } as TradeDrivenStrategy
          const strategy = new TradeDriven(config, undefined, 0, spec, 1, { submit: (r) => sent.push(r) })
          for (const a of aggressors) strategy.onTrade(612345, a)
          expect(sent.map((r) => r.side)).toEqual(expectedSides(rule, aggressors, every, maxOrders))
          expect(sent.map((r) => r.operationId)).toEqual(sent.map((_, i) => `s-${i + 1}`))
          expect(strategy.sent).toBe(sent.length)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("as a property: every request carries the strategy's fields, a LIMIT order its price on the grid `limitOffsetTicks` away on the passive side, a MARKET order none", () => {
    // The signal's price scale 2: the listing's tick (0.1) is 10 signal units.
    fc.assert(
      fc.property(
        fc.constantFrom<"LIMIT" | "MARKET">("LIMIT", "MARKET"),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.constantFrom(-1, 1)), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: -3, max: 3 }),
        (orderType, trades, offset) => {
          const sent: Array<OrderRequest.OrderRequest> = []
          const quantity = Decimal.unsafeFromString("0.001")
          const config = {
            type: "trade-driven",
            strategyId: "s",
            instrument: spec.canonicalId,
            quantity,
            side: "follow",
            orderType,
            timeInForce: "GTC",
            limitOffsetTicks: orderType === "LIMIT" ? offset : 0,
            every: 1
          } as TradeDrivenStrategy
          const strategy = new TradeDriven(config, undefined, 0, spec, 2, { submit: (r) => sent.push(r) })
          const want: Array<string | undefined> = []
          for (const [p, a] of trades) {
            strategy.onTrade(p, a)
            if (orderType === "MARKET") want.push(undefined)
            else {
              const units = a > 0 ? Math.floor(p / 10) * 10 - offset * 10 : Math.ceil(p / 10) * 10 + offset * 10
              if (units > 0) want.push(Decimal.format(Decimal.fromScaled(BigInt(units), 2)))
            }
          }
          expect(sent.map((r) => (r.price === undefined ? undefined : Decimal.format(r.price)))).toEqual(want)
          sent.forEach((r, i) => {
            expect(r).toMatchObject({ operationId: `s-${i + 1}`, strategyId: "s", canonicalId: spec.canonicalId, type: orderType, timeInForce: "GTC" })
            expect(r.quantity).toBe(quantity)
            expect("venue" in r || "execAlgorithm" in r).toBe(false)
          })
        }
      ),
      { numRuns: 300 }
    )
  })
})
