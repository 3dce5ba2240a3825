import { Ids } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import * as PositionTracker from "../src/PositionTracker.js"
import * as Reconciliation from "../src/Reconciliation.js"
import { BINANCE_PERP, d, DERIBIT_PERP, fill, OKX_PERP, specs, str, strategy } from "./fixtures.js"

const A = strategy("alpha")
const B = strategy("beta")
const ok = (error: unknown) => expect(error).toBeUndefined()
const venue = (s: string) => Ids.Venue.make(s)

const book = () => {
  const t = PositionTracker.make({ instruments: specs })
  ok(t.apply(fill(BINANCE_PERP, "BUY", "0.6", "60000"), A))
  ok(t.apply(fill(BINANCE_PERP, "BUY", "0.4", "60100"), B))
  ok(t.apply(fill(OKX_PERP, "BUY", "50", "60000"), A))
  ok(t.apply(fill(DERIBIT_PERP, "SELL", "100", "60000"), A))
  return t
}

const render = (diffs: ReadonlyArray<Reconciliation.Difference>) =>
  diffs.map((x) => {
    switch (x._tag) {
      case "MissingLocally":
        return `${x._tag} ${x.venue} ${x.canonicalId} reported=${str(x.reported)}`
      case "MissingAtVenue":
        return `${x._tag} ${x.venue} ${x.canonicalId} local=${str(x.local)}`
      case "QuantityMismatch":
        return `${x._tag} ${x.venue} ${x.canonicalId} local=${str(x.local)} reported=${str(x.reported)} diff=${str(x.difference)}`
      case "AveragePriceMismatch":
        return `${x._tag} ${x.venue} ${x.canonicalId} local=${str(x.local)} reported=${str(x.reported)}`
    }
  })

describe("reconciliation", () => {
  it("reports missing-locally, missing-at-venue and quantity mismatches per (venue, instrument)", () => {
    const t = book()
    const before = t.positions()
    const diffs = Either.getOrThrow(
      t.reconcile(
        [
          // strategies alpha + beta together: 1 BTC at a 60040 average
          { venue: venue("BINANCE-FUTURES"), canonicalId: BINANCE_PERP, quantity: d("1"), averagePrice: d("60040") },
          { venue: venue("BINANCE-FUTURES"), canonicalId: "BINANCE-FUTURES:PERPETUAL:ETH-USDT", quantity: d("-2") },
          { venue: venue("OKX"), canonicalId: OKX_PERP, quantity: d("40") }
        ],
        { venues: ["BINANCE-FUTURES", "OKX", "DERIBIT"] }
      )
    )
    expect(render(diffs)).toEqual([
      "MissingLocally BINANCE-FUTURES BINANCE-FUTURES:PERPETUAL:ETH-USDT reported=-2",
      "MissingAtVenue DERIBIT DERIBIT:PERPETUAL:BTC-USD@INV local=-100",
      "QuantityMismatch OKX OKX:PERPETUAL:BTC-USDT local=50 reported=40 diff=-10"
    ])
    // Reconciliation never corrects.
    expect(t.positions()).toEqual(before)
  })

  it("checks only the venues in the report by default", () => {
    const diffs = Either.getOrThrow(book().reconcile([{ venue: venue("OKX"), canonicalId: OKX_PERP, quantity: d("50") }]))
    expect(diffs).toEqual([])
  })

  it("compares average prices at the venue's precision, or within a tolerance", () => {
    const t = book()
    const report = (price: string) => [{ venue: venue("BINANCE-FUTURES"), canonicalId: BINANCE_PERP, quantity: d("1"), averagePrice: d(price) }]
    expect(Either.getOrThrow(t.reconcile(report("60040.0")))).toEqual([])
    expect(render(Either.getOrThrow(t.reconcile(report("60041"))))).toEqual([
      "AveragePriceMismatch BINANCE-FUTURES BINANCE-FUTURES:PERPETUAL:BTC-USDT local=60040 reported=60041"
    ])
    expect(Either.getOrThrow(t.reconcile(report("60041"), { averagePriceTolerance: d("1") }))).toEqual([])
  })

  it("a venue reporting zero for a position we hold is a quantity mismatch; zero for one we lack is nothing", () => {
    const diffs = Either.getOrThrow(
      book().reconcile([
        { venue: venue("DERIBIT"), canonicalId: DERIBIT_PERP, quantity: d("0") },
        { venue: venue("DERIBIT"), canonicalId: "DERIBIT:PERPETUAL:ETH-USD@INV", quantity: d("0") }
      ])
    )
    expect(render(diffs)).toEqual(["QuantityMismatch DERIBIT DERIBIT:PERPETUAL:BTC-USD@INV local=-100 reported=0 diff=100"])
  })

  it("refuses a report naming a position twice or holding a non-decimal quantity", () => {
    const t = book()
    const twice = t.reconcile([
      { venue: venue("OKX"), canonicalId: OKX_PERP, quantity: d("1") },
      { venue: venue("OKX"), canonicalId: OKX_PERP, quantity: d("2") }
    ])
    expect(Either.isLeft(twice) && twice.left.reason).toBe("InvalidReport")
    const bad = t.reconcile([{ venue: venue("OKX"), canonicalId: OKX_PERP, quantity: "5" as never }])
    expect(Either.isLeft(bad) && bad.left.reason).toBe("InvalidReport")
  })

  it("decodes reports from strings and refuses non-decimal quantities", () => {
    const decode = Schema.decodeUnknownEither(Reconciliation.ReportedPositionSchema)
    const good = decode({ venue: "OKX", canonicalId: OKX_PERP, quantity: "-1.5" })
    expect(Either.isRight(good) && str(good.right.quantity)).toBe("-1.5")
    expect(Either.isLeft(decode({ venue: "OKX", canonicalId: OKX_PERP, quantity: "1e3" }))).toBe(true)
  })
})
