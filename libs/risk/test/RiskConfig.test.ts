import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import type { RiskBook } from "../src/RiskBook.js"
import * as PreTradeRisk from "../src/PreTradeRisk.js"
import * as RiskConfig from "../src/RiskConfig.js"
import { makeBook, makeRisk, order, outcome, PERP, SPOT } from "./fixtures.js"

/** The README's JSON example, read from the README itself so the two cannot drift apart. */
const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8")
const example: unknown = JSON.parse(/```json\n([\s\S]*?)```/.exec(readme)?.[1] ?? "null")

const error = (input: unknown) => {
  const r = RiskConfig.load(input)
  if (Either.isRight(r)) throw new Error("expected an error")
  return r.left
}

describe("RiskConfig", () => {
  it("decodes the README example and encodes it back to the same JSON", () => {
    expect(example).toMatchObject({ strategies: { "momentum-1": { tradingState: "REDUCING" } } })
    const decoded = Either.getOrThrow(RiskConfig.decode(example))
    expect(RiskConfig.encode(decoded)).toEqual(example)
    expect(Either.isRight(RiskConfig.compile(decoded))).toBe(true)
  })

  it("refuses an unknown field, so a typo never silently drops a limit", () => {
    const e = error({ defaults: { maxQty: "10" } })
    expect(e.reason).toBe("InvalidConfig")
    expect(e.message).toContain("maxQty")
  })

  it("refuses malformed and out-of-range values, naming them", () => {
    expect(error({ defaults: { maxQuantity: "1e3" } }).message).toContain('"1e3"')
    expect(error({ defaults: { maxQuantity: "-1" } }).message).toContain("positive")
    expect(error({ defaults: { maxQuantity: 10 } }).reason).toBe("InvalidConfig")
    expect(error({ velocity: { perSecond: 1.5 } }).reason).toBe("InvalidConfig")
    expect(error({ velocity: { perSecond: RiskConfig.MAX_VELOCITY + 1 } }).reason).toBe("InvalidConfig")
    expect(error({ tradingState: "PAUSED" }).message).toContain("PAUSED")
    expect(error({ strategies: { "": {} } }).reason).toBe("InvalidConfig")
  })

  it("refuses contradictory limits with every one named by its path", () => {
    const e = error({
      defaults: { minQuantity: "5", maxQuantity: "2" },
      strategies: { s1: { instruments: { [SPOT]: { minNotional: "100", maxNotional: "10" } } } }
    })
    expect(e.reason).toBe("InconsistentLimits")
    expect(e.message).toContain("defaults: minQuantity 5 is above maxQuantity 2")
    expect(e.message).toContain(`strategies["s1"].instruments["${SPOT}"]: minNotional 100 is above maxNotional 10`)
  })

  it("resolves each field along the chain: strategy instrument, strategy default, default strategy, instrument, default", () => {
    const config = {
      defaults: { maxQuantity: "6" },
      instruments: { [SPOT]: { maxQuantity: "5" } },
      defaultStrategy: { defaults: { maxQuantity: "4" }, instruments: { [PERP]: { maxQuantity: "3" } } },
      strategies: { s1: { defaults: { maxQuantity: "2" }, instruments: { [SPOT]: { maxQuantity: "1" } } } }
    }
    const risk = makeRisk(makeBook(), config)
    const max = (strategyId: string, canonicalId: string): string => {
      const d = risk.check(order({ strategyId, canonicalId, quantity: "100", price: "100000" }), 0)
      return d.allowed ? "none" : (/max (\S+)/.exec(d.message)?.[1] ?? d.message)
    }
    expect(max("s1", SPOT)).toBe("1")
    expect(max("s1", PERP)).toBe("2")
    expect(max("other", PERP)).toBe("3")
    expect(max("other", SPOT)).toBe("4")
    const noStrategyDefaults = makeRisk(makeBook(), { defaults: config.defaults, instruments: config.instruments })
    expect(outcome(noStrategyDefaults.check(order({ quantity: "5.00001" }), 0))).toBe("QUANTITY_ABOVE_MAX")
    expect(outcome(noStrategyDefaults.check(order({ canonicalId: PERP, quantity: "6.001" }), 0))).toBe("QUANTITY_ABOVE_MAX")
  })

  it("keeps maxPosition's two scopes apart: top level caps all strategies, strategy level one strategy", () => {
    const book = makeBook()
    const risk = makeRisk(book, { defaults: { maxPosition: "1" }, strategies: { s1: { defaults: { maxPosition: "3" } } } })
    expect(outcome(risk.check(order({ quantity: "1.5" }), 0))).toBe("POSITION_LIMIT_INSTRUMENT")
    const strategyOnly = makeRisk(book, { strategies: { s1: { defaults: { maxPosition: "1" } } } })
    expect(outcome(strategyOnly.check(order({ quantity: "1.5" }), 0))).toBe("POSITION_LIMIT_STRATEGY")
    expect(outcome(strategyOnly.check(order({ strategyId: "s2", quantity: "1.5" }), 0))).toBe("ALLOW")
  })
})

describe("runtime replacement", () => {
  it("applies a new config to the next check and keeps the old one when the new one is invalid", () => {
    const risk = makeRisk(makeBook(), { defaults: { maxQuantity: "10" } })
    expect(outcome(risk.check(order({ quantity: "8" }), 0))).toBe("ALLOW")
    expect(Either.isRight(risk.replaceConfig({ defaults: { maxQuantity: "5" } }))).toBe(true)
    expect(outcome(risk.check(order({ quantity: "8" }), 0))).toBe("QUANTITY_ABOVE_MAX")
    const bad = risk.replaceConfig({ defaults: { maxQuantity: "3", minQuantity: "4" } })
    expect(Either.isLeft(bad) && bad.left.reason).toBe("InconsistentLimits")
    expect(outcome(risk.check(order({ quantity: "5" }), 0))).toBe("ALLOW")
    expect(outcome(risk.check(order({ quantity: "5.00001" }), 0))).toBe("QUANTITY_ABOVE_MAX")
    expect(risk.currentConfig).toEqual(Either.getOrThrow(RiskConfig.decode({ defaults: { maxQuantity: "5" } })))
  })

  it("keeps the velocity history across a swap: a raised limit counts the orders already sent", () => {
    const risk = makeRisk(makeBook(), { velocity: { perSecond: 3 } })
    for (let t = 0; t < 3; t++) expect(outcome(risk.check(order(), t))).toBe("ALLOW")
    risk.replaceConfig({ velocity: { perSecond: 5 } })
    expect(outcome(risk.check(order(), 10))).toBe("ALLOW")
    expect(outcome(risk.check(order(), 11))).toBe("ALLOW")
    expect(outcome(risk.check(order(), 12))).toBe("VELOCITY_GLOBAL_PER_SECOND")
    risk.replaceConfig({ velocity: { perSecond: 2 } })
    // Recorded: 0, 1, 2, 10, 11. At 1009 the window (9, 1009] holds 10 and 11: two, the new limit.
    expect(outcome(risk.check(order(), 1009))).toBe("VELOCITY_GLOBAL_PER_SECOND")
    expect(outcome(risk.check(order(), 1010))).toBe("ALLOW")
  })

  it("a check in flight when the config is replaced finishes under the config it started with", () => {
    const book = makeBook()
    const holder: { risk?: PreTradeRisk.PreTradeRisk } = {}
    let swaps = 0
    // A book that replaces the config from inside a check (as a callback on another path could).
    const swapping: RiskBook = {
      instrument: (id) => {
        if (holder.risk !== undefined && swaps++ === 0) holder.risk.replaceConfig({ defaults: { maxQuantity: "1", maxNotional: "1" } })
        return book.instrument(id)
      },
      strategyInstrument: (s, id) => book.strategyInstrument(s, id),
      asset: (a) => book.asset(a),
      grossExposure: () => book.grossExposure(),
      strategyGrossExposure: (s) => book.strategyGrossExposure(s),
      available: (v, a) => book.available(v, a)
    }
    const risk = Either.getOrThrow(PreTradeRisk.make({ book: swapping, config: { defaults: { maxQuantity: "10" } } }))
    holder.risk = risk
    expect(outcome(risk.check(order({ quantity: "2" }), 0))).toBe("ALLOW")
    expect(swaps).toBe(1)
    expect(outcome(risk.check(order({ quantity: "2" }), 0))).toBe("QUANTITY_ABOVE_MAX")
  })

  it("property: across any sequence of swaps, every check decides exactly as the config in force", () => {
    const configs = [
      {},
      { defaults: { maxQuantity: "1" } },
      { defaults: { priceToleranceBps: 50, maxNotional: "200000" } },
      { tradingState: "HALTED" },
      { strategies: { s1: { tradingState: "REDUCING" } }, maxGrossExposure: "150000" }
    ]
    const book = makeBook()
    const references = configs.map((c) => makeRisk(book, c))
    const step = fc.oneof(
      fc.record({ swap: fc.integer({ min: 0, max: configs.length - 1 }) }),
      fc.record({
        quantity: fc.constantFrom("0.5", "1", "1.5", "3"),
        price: fc.constantFrom("99000", "99600", "100000", "100700"),
        side: fc.constantFrom("BUY" as const, "SELL" as const),
        strategyId: fc.constantFrom("s1", "s2")
      })
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const risk = makeRisk(book, configs[0])
        let current = 0
        for (const s of steps) {
          if ("swap" in s) {
            risk.replaceConfig(configs[s.swap])
            current = s.swap
          } else {
            const o = order(s)
            expect(outcome(risk.check(o, 0))).toBe(outcome((references[current] as PreTradeRisk.PreTradeRisk).check(o, 0)))
          }
        }
      })
    )
  })
})
