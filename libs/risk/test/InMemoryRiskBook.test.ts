import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import * as fc from "fast-check"
import * as RiskBook from "../src/RiskBook.js"
import * as Scaled from "../src/Scaled.js"
import { D, INV, invSpec, makeBook, PERP, perpSpec, SPOT, spotSpec } from "./fixtures.js"

const S = Scaled.unsafeFromString
const specs = { [SPOT]: spotSpec, [PERP]: perpSpec, [INV]: invSpec }

describe("InMemoryRiskBook", () => {
  it("counts open orders per strategy and per instrument until they fill or end", () => {
    const book = makeBook()
    expect(book.onOrderAccepted({ operationId: "a", strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: D("2"), price: D("99000") })).toBeUndefined()
    book.onOrderAccepted({ operationId: "b", strategyId: "s2", canonicalId: PERP, side: "SELL", quantity: D("1"), price: D("101000") })
    expect(book.strategyInstrument("s1", PERP)).toMatchObject({ position: 0n, openBuy: S("2"), openSell: 0n })
    expect(book.instrument(PERP)).toMatchObject({ position: 0n, openBuy: S("2"), openSell: S("1") })
    book.onFill({ operationId: "a", canonicalId: PERP, side: "BUY", quantity: D("0.5"), price: D("99000") })
    expect(book.strategyInstrument("s1", PERP)).toMatchObject({ position: S("0.5"), openBuy: S("1.5") })
    book.onOrderDone("a")
    expect(book.instrument(PERP)).toMatchObject({ position: S("0.5"), openBuy: 0n, openSell: S("1") })
    expect(book.openOrderCount).toBe(1)
  })

  it("finds an open order whether it was recorded last or before others, and ends them in any order", () => {
    // The order recorded last is held apart from the map of the others (an order at a time needs no Map operation).
    const book = makeBook()
    const accept = (id: string, side: "BUY" | "SELL", q: string) =>
      book.onOrderAccepted({ operationId: id, strategyId: "s1", canonicalId: PERP, side, quantity: D(q), price: D("100000") })
    expect(accept("a", "BUY", "1")).toBeUndefined()
    expect(accept("a", "BUY", "1")?.reason).toBe("DuplicateOrder")
    expect(accept("b", "BUY", "2")).toBeUndefined()
    expect(accept("c", "SELL", "4")).toBeUndefined()
    // "a" and "b" in the map, "c" last: duplicates of either are refused.
    expect(accept("a", "BUY", "1")?.reason).toBe("DuplicateOrder")
    expect(accept("c", "BUY", "1")?.reason).toBe("DuplicateOrder")
    expect(book.openOrderCount).toBe(3)
    expect(book.instrument(PERP)).toMatchObject({ openBuy: S("3"), openSell: S("4") })
    book.onFill({ operationId: "a", canonicalId: PERP, side: "BUY", quantity: D("0.5"), price: D("100000") })
    book.onFill({ operationId: "c", canonicalId: PERP, side: "SELL", quantity: D("1"), price: D("100000") })
    expect(book.instrument(PERP)).toMatchObject({ position: S("-0.5"), openBuy: S("2.5"), openSell: S("3") })
    // A value that does not fit the numbers turns the instrument's open orders (map and last) to bigints.
    expect(book.onFill({ operationId: "b", canonicalId: PERP, side: "BUY", quantity: D("0.499999999999999999"), price: D("100000") })).toBeUndefined()
    expect(book.onFill({ operationId: "b", canonicalId: PERP, side: "BUY", quantity: D("0.000000000000000001"), price: D("100000") })).toBeUndefined()
    expect(book.instrument(PERP)).toMatchObject({ position: S("0"), openBuy: S("2"), openSell: S("3") })
    expect(book.onOrderDone("c")).toBeUndefined()
    expect(book.onOrderDone("c")?.reason).toBe("UnknownOrder")
    expect(book.openOrderCount).toBe(2)
    expect(book.onOrderDone("a")).toBeUndefined()
    expect(book.instrument(PERP)).toMatchObject({ openBuy: S("1.5"), openSell: 0n })
    // A new order while "b" is still open in the map, then both end.
    expect(accept("d", "SELL", "1")).toBeUndefined()
    expect(book.openOrderCount).toBe(2)
    expect(book.onOrderDone("b")).toBeUndefined()
    expect(book.onOrderDone("d")).toBeUndefined()
    expect(book.openOrderCount).toBe(0)
    expect(book.instrument(PERP)).toMatchObject({ openBuy: 0n, openSell: 0n })
    expect(book.onFill({ operationId: "d", canonicalId: PERP, side: "SELL", quantity: D("1"), price: D("100000") })?.reason).toBe("UnknownOrder")
  })

  it("finds the order recorded last across many orders, one at a time and two open at once", () => {
    // The last order's id is held in a small array renewed every few dozen orders: every order
    // here, on either side of a renewal, must be found by its fill and its end.
    const book = makeBook()
    const accept = (id: string, q: string) =>
      book.onOrderAccepted({ operationId: id, strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: D(q), price: D("100000") })
    for (let i = 0; i < 300; i++) {
      const id = `o${i}`
      expect(accept(id, "1")).toBeUndefined()
      expect(accept(id, "1")?.reason).toBe("DuplicateOrder")
      if (i % 3 === 0) {
        // A second order recorded while the first is open: the first moves to the map.
        expect(accept(`${id}x`, "2")).toBeUndefined()
        expect(book.openOrderCount).toBe(2)
        expect(book.onFill({ operationId: id, canonicalId: PERP, side: "BUY", quantity: D("1"), price: D("100000") })).toBeUndefined()
        expect(book.onOrderDone(id)).toBeUndefined()
        expect(book.onFill({ operationId: `${id}x`, canonicalId: PERP, side: "BUY", quantity: D("2"), price: D("100000") })).toBeUndefined()
        expect(book.onOrderDone(`${id}x`)).toBeUndefined()
      } else {
        expect(book.openOrderCount).toBe(1)
        expect(book.onFill({ operationId: id, canonicalId: PERP, side: "BUY", quantity: D("1"), price: D("100000") })).toBeUndefined()
        expect(book.onOrderDone(id)).toBeUndefined()
      }
      expect(book.onOrderDone(id)?.reason).toBe("UnknownOrder")
      expect(book.openOrderCount).toBe(0)
      expect(book.instrument(PERP)).toMatchObject({ openBuy: 0n, openSell: 0n })
    }
    expect(book.instrument(PERP)?.position).toBe(S("500"))
  })

  it("reserves a spot buy's cost, settles fills at their price and frees the rest at the end", () => {
    const book = makeBook()
    book.setBalance("BINANCE-SPOT", "USDT", D("10000"))
    book.setBalance("BINANCE-SPOT", "BTC", D("1"))
    book.onOrderAccepted({ operationId: "a", strategyId: "s1", canonicalId: SPOT, side: "BUY", quantity: D("0.05"), price: D("100000") })
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("5000"))
    book.onFill({ operationId: "a", canonicalId: SPOT, side: "BUY", quantity: D("0.02"), price: D("99000") })
    // 2000 of the reservation released, 1980 paid.
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("5020"))
    expect(book.available("BINANCE-SPOT", "BTC")).toBe(S("1.02"))
    book.onOrderDone("a")
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("8020"))
    book.onOrderAccepted({ operationId: "b", strategyId: "s1", canonicalId: SPOT, side: "SELL", quantity: D("0.5"), price: D("101000") })
    expect(book.available("BINANCE-SPOT", "BTC")).toBe(S("0.52"))
    book.onFill({ operationId: "b", canonicalId: SPOT, side: "SELL", quantity: D("0.5"), price: D("101000") })
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("58520"))
    book.onOrderDone("b")
    expect(book.available("BINANCE-SPOT", "BTC")).toBe(S("0.52"))
  })

  it("settles a spot buy filled at its limit against its reservation, rounding each payment up", () => {
    const book = makeBook()
    book.setBalance("BINANCE-SPOT", "USDT", D("10000"))
    book.setBalance("BINANCE-SPOT", "BTC", D("0"))
    book.onOrderAccepted({ operationId: "a", strategyId: "s1", canonicalId: SPOT, side: "BUY", quantity: D("0.03"), price: D("100000.5") })
    // 0.03 x 100000.5 = 3000.015 reserved.
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("6999.985"))
    book.onFill({ operationId: "a", canonicalId: SPOT, side: "BUY", quantity: D("0.01"), price: D("100000.5") })
    book.onFill({ operationId: "a", canonicalId: SPOT, side: "BUY", quantity: D("0.02"), price: D("100000.5") })
    // Each fill pays exactly what it had reserved: the free balance does not move, the coins arrive.
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("6999.985"))
    expect(book.available("BINANCE-SPOT", "BTC")).toBe(S("0.03"))
    book.onOrderDone("a")
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("6999.985"))
    // 1e-18 BTC at 0.5 costs 5e-19 USDT, rounded up to 1e-18: three such fills pay 3e-18 of a 2e-18 reservation.
    book.setReferencePrice(SPOT, D("0.5"))
    book.onOrderAccepted({ operationId: "b", strategyId: "s1", canonicalId: SPOT, side: "BUY", quantity: D("0.000000000000000003"), price: D("0.5") })
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("6999.985") - 2n)
    for (let i = 0; i < 3; i++) book.onFill({ operationId: "b", canonicalId: SPOT, side: "BUY", quantity: D("0.000000000000000001"), price: D("0.5") })
    book.onOrderDone("b")
    expect(book.available("BINANCE-SPOT", "USDT")).toBe(S("6999.985") - 3n)
  })

  it("refuses bad updates with a reason and changes nothing", () => {
    const book = makeBook()
    book.onOrderAccepted({ operationId: "a", strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: D("1"), price: D("99000") })
    const view = (): Array<unknown> => {
      const i = book.instrument(PERP)!
      return [i.position, i.openBuy, i.openSell, i.referencePrice, book.openOrderCount, book.strategyInstrument("s1", PERP)?.openBuy]
    }
    const before = view()
    expect(before).toEqual([0n, S("1"), 0n, S("100000"), 1, S("1")])
    const gross = book.grossExposure()
    expect(book.onOrderAccepted({ operationId: "a", strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: D("1") })?.reason).toBe("DuplicateOrder")
    expect(book.onOrderAccepted({ operationId: "x", strategyId: "s1", canonicalId: "NOPE:SPOT_PAIR:A-B", side: "BUY", quantity: D("1") })?.reason).toBe("UnknownInstrument")
    expect(book.onOrderAccepted({ operationId: "y", strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: D("0") })?.reason).toBe("InvalidQuantity")
    // Beyond 2^53 units (no exact number form), signs are read from the bigints; a filled quantity above the quantity is refused.
    const huge = D("-90071992547409930")
    expect(book.onOrderAccepted({ operationId: "y", strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: huge })?.reason).toBe("InvalidQuantity")
    expect(book.onOrderAccepted({ operationId: "y", strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: D("1"), price: huge })?.reason).toBe("InvalidPrice")
    expect(book.onOrderAccepted({ operationId: "y", strategyId: "s1", canonicalId: PERP, side: "BUY", quantity: D("1"), filledQuantity: D("2") })?.reason).toBe("InvalidQuantity")
    expect(book.onFill({ operationId: "a", canonicalId: PERP, side: "BUY", quantity: huge, price: D("1") })?.reason).toBe("InvalidQuantity")
    expect(book.setReferencePrice(PERP, huge)?.reason).toBe("InvalidPrice")
    expect(book.onOrderDone("zzz")?.reason).toBe("UnknownOrder")
    expect(book.onFill({ operationId: "zzz", canonicalId: PERP, side: "BUY", quantity: D("1"), price: D("1") })?.reason).toBe("UnknownOrder")
    expect(book.setReferencePrice(PERP, D("-1"))?.reason).toBe("InvalidPrice")
    expect(book.setReferencePrice(PERP, Decimal.fromScaled(1n, 19))?.reason).toBe("InvalidPrice")
    expect(book.onFill({ operationId: "a", canonicalId: PERP, side: "BUY", quantity: Decimal.fromScaled(1n, 19), price: D("1") })?.reason).toBe("InvalidQuantity")
    expect(view()).toEqual(before)
    expect(book.grossExposure()).toBe(gross)
  })

  it("property: every incremental aggregate equals a recomputation from the events", () => {
    const ids = [SPOT, PERP, INV] as const
    const event = fc.oneof(
      fc.record({
        kind: fc.constant("accept" as const),
        strategy: fc.constantFrom("s1", "s2", "s3"),
        id: fc.constantFrom(...ids),
        side: fc.constantFrom("BUY" as const, "SELL" as const),
        quantity: fc.constantFrom("0.001", "0.5", "1", "7", "20"),
        price: fc.constantFrom("99000", "100000.5", "101000")
      }),
      fc.record({ kind: fc.constant("fill" as const), pick: fc.nat(), fraction: fc.constantFrom(1n, 2n, 4n) }),
      fc.record({ kind: fc.constant("done" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("price" as const), id: fc.constantFrom(...ids), price: fc.constantFrom("50000", "99999.5", "150000") }),
      fc.record({
        kind: fc.constant("position" as const),
        strategy: fc.constantFrom("s1", "s2", "s3"),
        id: fc.constantFrom(...ids),
        quantity: fc.constantFrom("-3", "0", "2", "11")
      })
    )
    fc.assert(
      fc.property(fc.array(event, { maxLength: 50 }), (events) => {
        const book = makeBook()
        // The model: plain records, summed from scratch at the end.
        const positions = new Map<string, bigint>() // strategy|id
        const open = new Map<string, { strategy: string; id: string; buy: boolean; remaining: bigint }>()
        const prices = new Map<string, bigint>(ids.map((id) => [id, S("100000")]))
        let n = 0
        for (const e of events) {
          if (e.kind === "accept") {
            const operationId = `o${n++}`
            book.onOrderAccepted({ operationId, strategyId: e.strategy, canonicalId: e.id, side: e.side, quantity: D(e.quantity), price: D(e.price) })
            open.set(operationId, { strategy: e.strategy, id: e.id, buy: e.side === "BUY", remaining: S(e.quantity) })
          } else if (e.kind === "fill" || e.kind === "done") {
            const keys = [...open.keys()]
            if (keys.length === 0) continue
            const operationId = keys[e.pick % keys.length] as string
            const o = open.get(operationId)!
            if (e.kind === "done") {
              book.onOrderDone(operationId)
              open.delete(operationId)
              continue
            }
            const q = o.remaining / e.fraction
            if (q === 0n) continue
            book.onFill({ operationId, canonicalId: o.id, side: o.buy ? "BUY" : "SELL", quantity: Scaled.toDecimal(q), price: D("100000") })
            o.remaining -= q
            const k = `${o.strategy}|${o.id}`
            positions.set(k, (positions.get(k) ?? 0n) + (o.buy ? q : -q))
          } else if (e.kind === "price") {
            book.setReferencePrice(e.id, D(e.price))
            prices.set(e.id, S(e.price))
          } else {
            book.setPosition(e.strategy, e.id, D(e.quantity))
            positions.set(`${e.strategy}|${e.id}`, S(e.quantity))
          }
        }
        const cellOf = (match: (strategy: string, id: string) => boolean) => {
          let position = 0n
          let openBuy = 0n
          let openSell = 0n
          for (const [k, q] of positions) {
            const [s, id] = k.split("|") as [string, string]
            if (match(s, id)) position += q
          }
          for (const o of open.values()) {
            if (!match(o.strategy, o.id)) continue
            if (o.buy) openBuy += o.remaining
            else openSell += o.remaining
          }
          return { position, openBuy, openSell }
        }
        let gross = 0n
        const asset = { position: 0n, openBuy: 0n, openSell: 0n }
        const signedBase = (id: (typeof ids)[number], q: bigint) => {
          const b = RiskBook.baseQuantity(specs[id], q < 0n ? -q : q, prices.get(id)) as bigint
          return q < 0n ? -b : b
        }
        for (const id of ids) {
          const cell = cellOf((_, i) => i === id)
          expect(book.instrument(id) ?? RiskBook.emptyCell).toMatchObject(cell)
          gross += RiskBook.exposureValue(specs[id], RiskBook.worstCase(cell), prices.get(id) as bigint)
          asset.position += signedBase(id, cell.position)
          asset.openBuy += signedBase(id, cell.openBuy)
          asset.openSell += signedBase(id, cell.openSell)
        }
        expect(book.grossExposure()).toBe(gross)
        expect(book.asset("BTC") ?? RiskBook.emptyCell).toMatchObject(asset)
        for (const s of ["s1", "s2", "s3"]) {
          let sGross = 0n
          for (const id of ids) {
            const cell = cellOf((st, i) => st === s && i === id)
            expect(book.strategyInstrument(s, id) ?? RiskBook.emptyCell).toMatchObject(cell)
            sGross += RiskBook.exposureValue(specs[id], RiskBook.worstCase(cell), prices.get(id) as bigint)
          }
          expect(book.strategyGrossExposure(s)).toBe(sGross)
        }
      }),
      { numRuns: 150 }
    )
  })

  it("values exposure in quote terms: linear at the price, inverse at face value", () => {
    expect(Scaled.formatExposure(RiskBook.exposureValue(perpSpec, S("2"), S("100000")))).toBe("200000")
    expect(Scaled.formatExposure(RiskBook.exposureValue(invSpec, S("300"), S("100000")))).toBe("3000")
    expect(RiskBook.baseQuantity(invSpec, S("300"), S("100000"))).toBe(S("0.03"))
    expect(Decimal.format(Scaled.toDecimal(RiskBook.baseQuantity(spotSpec, S("1.5"), undefined) as bigint))).toBe("1.5")
  })
})
