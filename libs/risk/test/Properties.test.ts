import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { VelocityRing } from "../src/internal/VelocityRing.js"
import { D, INV, makeBook, makeRisk, openOrder, order, outcome, PERP, SPOT } from "./fixtures.js"

/** A config where most checks can fail, so random orders hit many reasons. */
const config = {
  velocity: { perSecond: 4, perMinute: 20 },
  maxGrossExposure: "900000",
  assets: { BTC: { maxPosition: "6" } },
  defaults: { maxQuantity: "3", minNotional: "10", priceToleranceBps: 100, leverage: "5" },
  instruments: { [INV]: { minNotional: "0.0001", maxPosition: "400000" } },
  defaultStrategy: { velocity: { perSecond: 2, perMinute: 8 }, defaults: { maxPosition: "2.5" } },
  strategies: { s3: { tradingState: "REDUCING" } }
}

const bookWithState = () => {
  const book = makeBook()
  book.setPosition("s1", SPOT, D("1"))
  book.setPosition("s2", PERP, D("-2"))
  book.setPosition("s3", PERP, D("1.5"))
  book.setPosition("s1", INV, D("20000"))
  openOrder(book, { strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: "1", price: "99500" })
  book.setBalance("BINANCE-SPOT", "USDT", D("200000"))
  return book
}

const arbOrder = fc.record({
  strategyId: fc.constantFrom("s1", "s2", "s3"),
  canonicalId: fc.constantFrom(SPOT, PERP, INV),
  side: fc.constantFrom("BUY" as const, "SELL" as const),
  // Weighted towards orders that pass the static checks, so velocity and position limits are reached.
  quantity: fc.constantFrom("1", "1", "2", "2", "0.5", "0.001", "3.5", "30000"),
  price: fc.constantFrom(undefined, undefined, "100000", "100000", "99500", "100500", "98000", "100000.001"),
  reduceOnly: fc.constantFrom(false, false, false, true),
  dt: fc.integer({ min: 0, max: 120 })
})

describe("properties", () => {
  it("a denied order changes no state: dropping every denied order changes no other decision", () => {
    const book = bookWithState()
    fc.assert(
      fc.property(fc.array(arbOrder, { maxLength: 60 }), (steps) => {
        const all = makeRisk(book, config)
        const allowedOnly = makeRisk(book, config)
        let now = 0
        for (const s of steps) {
          now += s.dt
          const o = order(s)
          const d = all.check(o, now)
          // checkAll never records, whatever it finds.
          all.checkAll(o, now)
          if (d.allowed) expect(outcome(allowedOnly.check(o, now))).toBe("ALLOW")
          for (const id of ["s1", "s2", "s3"]) expect(all.velocityUsage(id, now)).toEqual(allowedOnly.velocityUsage(id, now))
        }
      }),
      { numRuns: 200 }
    )
  })

  it("check allows iff checkAll finds nothing, and otherwise denies with checkAll's first reason", () => {
    const book = bookWithState()
    fc.assert(
      fc.property(fc.array(arbOrder, { maxLength: 30 }), (steps) => {
        const risk = makeRisk(book, config)
        let now = 0
        for (const s of steps) {
          now += s.dt
          const o = order(s)
          const all = risk.checkAll(o, now)
          const d = risk.check(o, now)
          expect(outcome(d)).toBe(all.length === 0 ? "ALLOW" : all[0]?.reason)
          if (!d.allowed) expect(d.message).toBe(all[0]?.message)
        }
      }),
      { numRuns: 200 }
    )
  })

  it("the velocity ring agrees with counting every recorded order in the window", () => {
    const op = fc.record({
      dt: fc.integer({ min: 0, max: 400 }),
      // -1: no limit (the ring records at the capacity it has: 1 until a limit raises it).
      limit: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 12 })),
      windowMs: fc.constantFrom(1000, 60_000)
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const ring = new VelocityRing(1)
        const times: Array<number> = []
        let now = 0
        let capacity = 1
        for (const { dt, limit, windowMs } of ops) {
          now += dt
          // The ring holds the times recorded last, as many as its capacity when each was
          // recorded (a limit above every earlier one sees only those: README, "Limits of
          // this version"); limits within the capacity are exact.
          const inWindow = times.filter((t) => t > now - windowMs).length
          const allowed = ring.allows(limit, windowMs, now)
          expect(allowed).toBe(limit < 0 || inWindow < limit)
          expect(ring.countWithin(windowMs, now)).toBe(inWindow)
          capacity = Math.max(capacity, limit)
          if (allowed) {
            ring.record(now, capacity)
            times.push(now)
            if (times.length > capacity) times.shift()
          }
        }
      })
    )
  })
})
