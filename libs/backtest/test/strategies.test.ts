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
})
