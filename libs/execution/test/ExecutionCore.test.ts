import { describe, expect, it, vi } from "@effect/vitest"
import { Decimal, Ids } from "@odum/domain"
import { ExecutionError } from "../src/index.js"
import type { ManagedOrder, OrderJournal, OrderRequest } from "@odum/oms"
import { BINANCE, binanceSpec, D, instruments, limit, makeEnv, OKX, book, summary, T0, type Script } from "./fixtures.js"

const ok = <A>(r: A | ExecutionError.ExecutionError): A => {
  if (ExecutionError.isExecutionError(r)) throw new Error(`unexpected ${r.reason}: ${r.message}`)
  return r
}

const statuses = (env: ReturnType<typeof makeEnv>, operationId?: string) =>
  env.reports.filter((r) => operationId === undefined || r.operationId === operationId).map((r) => r.status)

/** An acknowledged LIMIT order for 1 with its first fill (0.25 at 50000) already applied. */
const quarterFilled = () => {
  const env = makeEnv()
  env.venue.script = () => "ack"
  const request = limit({ quantity: D("1") })
  ok(env.core.submit(request))
  const id = Ids.clientOrderIdFor(request.operationId)
  const first = env.venue.fill(id, D("0.25"), D("50000"))
  return { env, request, id, first }
}

describe("ExecutionCore", () => {
  it("takes an order through risk, the OMS, the venue, positions and reports", () => {
    const env = makeEnv()
    const request = limit()
    let statusAtSend: string | undefined
    let openAtSend: number | undefined
    env.venue.script = (order) => {
      statusAtSend = env.core.order(request.operationId)?.order.status
      openAtSend = env.riskBook.openOrderCount
      expect(order.clientOrderId).toBe(Ids.clientOrderIdFor(request.operationId))
      return "fill"
    }
    const result = ok(env.core.submit(request))
    expect(summary(result)).toEqual({ status: "FILLED", filled: "0.5", average: "50000", venue: "BINANCE-SPOT", fills: 1 })
    // Write before send: the order was journalled SUBMITTED before the venue saw it.
    expect(statusAtSend).toBe("SUBMITTED")
    // Created and submitted in one OMS call: the risk book still counts the order before the venue sees it.
    expect(openAtSend).toBe(1)
    expect(statuses(env)).toEqual(["PENDING", "SUBMITTED", "ACCEPTED", "FILLED"])
    const last = env.reports[3]!
    expect(Decimal.format(last.filledQuantity)).toBe("0.5")
    expect(last.fill?.tradeId).toBe("t1")
    const position = env.positions.position(BINANCE, request.strategyId)!
    expect(Decimal.format(position.quantity)).toBe("0.5")
    // The risk book saw the order open, then filled and done.
    const cell = env.riskBook.strategyInstrument("strat-1", BINANCE)!
    expect(cell.position).toBe(500_000_000_000_000_000n)
    expect(cell.openBuy).toBe(0n)
    expect(env.riskBook.openOrderCount).toBe(0)
    expect(env.anomalies).toEqual([])
  })

  it("hands positions the OMS's record of each fill through applyRecorded when the port has it, else through apply", () => {
    const env = makeEnv()
    const recorded = vi.spyOn(env.positions, "applyRecorded")
    const applied = vi.spyOn(env.positions, "apply")
    env.venue.script = () => "fill"
    const request = limit()
    ok(env.core.submit(request))
    const fill = env.core.order(request.operationId)!.fills[0]!
    expect(recorded.mock.calls).toEqual([[fill, request.strategyId]])
    expect(applied).not.toHaveBeenCalled()
    expect(Decimal.format(env.positions.position(BINANCE, request.strategyId)!.quantity)).toBe("0.5")

    // A port without applyRecorded gets every fill through apply, as before.
    const plain = makeEnv()
    Object.assign(plain.positions, { applyRecorded: undefined })
    const applyOnly = vi.spyOn(plain.positions, "apply")
    plain.venue.script = () => "fill"
    ok(plain.core.submit(request))
    expect(applyOnly.mock.calls).toEqual([[plain.core.order(request.operationId)!.fills[0]!, request.strategyId]])
    expect(Decimal.format(plain.positions.position(BINANCE, request.strategyId)!.quantity)).toBe("0.5")
    expect(env.anomalies).toEqual([])
    expect(plain.anomalies).toEqual([])
  })

  it("records a risk denial as DENIED with the reason code, reports it and sends nothing", () => {
    const env = makeEnv()
    const request = limit({ quantity: D("6") })
    const result = ok(env.core.submit(request))
    expect(result.status).toBe("DENIED")
    expect(result.errorMessage).toMatch(/^QUANTITY_ABOVE_MAX: /)
    expect(env.venue.sent).toEqual([])
    expect(statuses(env)).toEqual(["PENDING", "DENIED"])
    expect(env.reports[1]!.message).toMatch(/^QUANTITY_ABOVE_MAX: /)
    expect(env.riskBook.openOrderCount).toBe(0)
    // The risk book never counted it, and is not told it ended (that would be an UnknownOrder anomaly).
    expect(env.anomalies).toEqual([])
    // The denial is the order's state for good: asking again returns it.
    expect(ok(env.core.status(request.operationId)).status).toBe("DENIED")
  })

  it("is idempotent on the operation id: a repeat returns the order and sends nothing again", () => {
    const env = makeEnv()
    env.venue.script = () => "ack"
    const request = limit()
    const first = ok(env.core.submit(request))
    const again = ok(env.core.submit({ ...request }))
    expect(again).toEqual(first)
    expect(env.venue.sent).toHaveLength(1)
    const reports = env.reports.length
    const different = env.core.submit({ ...request, quantity: D("0.7") })
    expect(ExecutionError.isExecutionError(different) && different.reason).toBe("DuplicateOperation")
    expect(env.venue.sent).toHaveLength(1)
    expect(env.reports).toHaveLength(reports)
  })

  it("an order routed by the core keeps its idempotency (the venue it filled in is not a difference)", () => {
    const env = makeEnv({ router: true })
    env.venue.script = () => "ack"
    const { venue: _venue, ...request } = limit()
    const first = ok(env.core.submit(request))
    expect(ok(env.core.submit(request))).toEqual(first)
    expect(env.venue.sent).toHaveLength(1)
  })

  it("rejects only on a definite venue refusal, and frees the risk book's open order", () => {
    const env = makeEnv()
    env.venue.script = () => "reject"
    const result = ok(env.core.submit(limit()))
    expect(result.status).toBe("REJECTED")
    expect(result.errorMessage).toBe("InsufficientFunds: not enough USDT")
    expect(env.riskBook.openOrderCount).toBe(0)
  })

  it("keeps an order in flight after a transport error, until the venue's own report settles it", () => {
    const env = makeEnv()
    env.venue.script = () => "timeout"
    const request = limit()
    const result = ok(env.core.submit(request))
    expect(result.status).toBe("SUBMITTED")
    expect(env.anomalies.map((a) => a.kind)).toEqual(["SubmitAmbiguous"])
    // Still counted as open exposure: it may be working at the venue.
    expect(env.riskBook.openOrderCount).toBe(1)
    const clientOrderId = Ids.clientOrderIdFor(request.operationId)
    env.venue.accept(clientOrderId)
    env.venue.fill(clientOrderId, D("0.5"), D("49990"))
    expect(summary(ok(env.core.status(request.operationId)))).toMatchObject({ status: "FILLED", average: "49990" })
    expect(env.riskBook.openOrderCount).toBe(0)
  })

  it("applies partial fills with the cumulative quantity and average price, and ignores a replayed fill", () => {
    const { env, request, id, first } = quarterFilled()
    expect(summary(ok(env.core.status(request.operationId)))).toMatchObject({ status: "PARTIALLY_FILLED", filled: "0.25" })
    env.core.onExecution(first) // the same trade again (a websocket replay)
    env.venue.fill(id, D("0.75"), D("50004"))
    const result = ok(env.core.status(request.operationId))
    expect(summary(result)).toEqual({ status: "FILLED", filled: "1", average: "50003", venue: "BINANCE-SPOT", fills: 2 })
    expect(Decimal.format(env.positions.position(BINANCE, request.strategyId)!.quantity)).toBe("1")
    expect(env.reports.filter((r) => r.fill !== undefined)).toHaveLength(2)
  })

  it("stamps each fill with its own time in epoch ms (floor), from the clock's milliseconds when it happened at the clock's time", () => {
    const { env, request, first } = quarterFilled()
    // A replay's clock: moved with milliseconds it was handed (setNsMs), the venue's fills at its time.
    env.clock.setNsMs(1_700_000_000_005_500_000n, 1_700_000_000_005)
    env.core.onExecution({ ...first, tradeId: "t-now" as typeof first.tradeId, ts: env.clock.nowNs() })
    env.core.onExecution({ ...first, tradeId: "t-later" as typeof first.tradeId, ts: 1_700_000_000_007_999_999n })
    env.core.onExecution({ ...first, tradeId: "t-earlier" as typeof first.tradeId, ts: 1_700_000_000_004_000_001n })
    const fills = ok(env.core.status(request.operationId)).fills
    expect(fills.map((f) => [f.tradeId, f.timestamp])).toEqual([
      [first.tradeId, 1_700_000_000_000],
      ["t-now", 1_700_000_000_005],
      ["t-later", 1_700_000_000_007],
      ["t-earlier", 1_700_000_000_004]
    ])
  })

  it("tells a replayed fill (ignored), a malformed fill report and a fill of no known order (anomalies) apart", () => {
    const { env, request, id, first } = quarterFilled()
    env.core.onExecution(first)
    expect(env.anomalies).toEqual([])
    env.core.onExecution({ ...first, tradeId: "t-bad" as typeof first.tradeId, quantity: D("-1") })
    expect(env.anomalies.map((a) => [a.kind, a.operationId, a.message.startsWith("Invalid fill report")])).toEqual([["UnmatchedFill", undefined, true]])
    env.core.onExecution({ ...first, tradeId: "t-other" as typeof first.tradeId, clientOrderId: "nobody" as typeof first.clientOrderId, venueOrderId: "v-nobody" as typeof first.venueOrderId })
    expect(env.anomalies.map((a) => a.kind)).toEqual(["UnmatchedFill", "UnmatchedFill"])
    expect(env.anomalies[1]!.message).toMatch(/^Fill .*t-other \(UnknownOrder\)/)
    // Nothing of the three changed the order or the position.
    expect(summary(ok(env.core.status(request.operationId)))).toMatchObject({ status: "PARTIALLY_FILLED", filled: "0.25", fills: 1 })
    expect(Decimal.format(env.positions.position(BINANCE, request.strategyId)!.quantity)).toBe("0.25")
    // Venue events the OMS refuses: an Accept repeated (no change, no anomaly), one under another
    // venue order id (refused), and one for a client order id nobody has.
    const accepted = { _tag: "Accepted" as const, venue: first.venue, canonicalId: first.canonicalId, clientOrderId: id, venueOrderId: first.venueOrderId!, ts: first.ts }
    env.core.onExecution(accepted)
    expect(env.anomalies).toHaveLength(2)
    env.core.onExecution({ ...accepted, venueOrderId: "v-other" as typeof accepted.venueOrderId })
    env.core.onExecution({ ...accepted, clientOrderId: "nobody" as typeof accepted.clientOrderId })
    expect(env.anomalies.slice(2).map((a) => [a.kind, a.operationId])).toEqual([
      ["EventRefused", request.operationId],
      ["UnknownOrder", undefined]
    ])
    expect(summary(ok(env.core.status(request.operationId)))).toMatchObject({ status: "PARTIALLY_FILLED", filled: "0.25", fills: 1 })
  })

  it("cancels a working order at the venue, and a refused cancel puts it back to work", () => {
    const env = makeEnv()
    env.venue.script = () => "ack"
    const a = limit()
    ok(env.core.submit(a))
    expect(ok(env.core.cancel(a.operationId)).status).toBe("CANCELLED")
    expect(statuses(env, a.operationId).slice(-2)).toEqual(["PENDING_CANCEL", "CANCELLED"])
    expect(env.riskBook.openOrderCount).toBe(0)

    const b = limit()
    ok(env.core.submit(b))
    env.venue.cancelScript = () => "reject"
    const refused = ok(env.core.cancel(b.operationId))
    expect(refused.status).toBe("ACCEPTED")
    expect(env.reports.at(-1)!.message).toBe("OrderNotFound: order is closed")

    const c = limit()
    ok(env.core.submit(c))
    env.venue.cancelScript = () => "timeout"
    expect(ok(env.core.cancel(c.operationId)).status).toBe("PENDING_CANCEL")
    expect(env.anomalies.map((x) => x.kind)).toEqual(["CancelAmbiguous"])

    const final = ok(env.core.cancel(a.operationId))
    expect(final.status).toBe("CANCELLED")
    expect(final.errorMessage).toMatch(/nothing to cancel/)
    const missing = env.core.cancel("nope")
    expect(ExecutionError.isExecutionError(missing) && missing.reason).toBe("OrderNotFound")
  })

  it("records a fill that arrives after the cancel, in the order and in positions", () => {
    const env = makeEnv()
    env.venue.script = () => "ack"
    const request = limit({ quantity: D("1") })
    ok(env.core.submit(request))
    const id = Ids.clientOrderIdFor(request.operationId)
    expect(ok(env.core.cancel(request.operationId)).status).toBe("CANCELLED")
    env.venue.fill(id, D("0.4"), D("50000"))
    const result = ok(env.core.status(request.operationId))
    expect(summary(result)).toMatchObject({ status: "CANCELLED", filled: "0.4", fills: 1 })
    expect(Decimal.format(env.positions.position(BINANCE, request.strategyId)!.quantity)).toBe("0.4")
    // The risk book sees the position even though the order had ended.
    expect(env.riskBook.strategyInstrument("strat-1", BINANCE)!.position).toBe(400_000_000_000_000_000n)
    // A late fill that completes the order (CANCELLED, then FILLED) is not a second end: the
    // risk book was told once (a second onOrderDone would be an UnknownOrder anomaly).
    env.venue.fill(id, D("0.6"), D("50000"))
    expect(summary(ok(env.core.status(request.operationId)))).toMatchObject({ status: "FILLED", filled: "1", fills: 2 })
    expect(env.riskBook.openOrderCount).toBe(0)
    expect(env.anomalies).toEqual([])
  })

  it("submitOnly has submit's effects, and answers submit's error or nothing", () => {
    // One script of requests through two cores, one by submit and one by submitOnly.
    const run = (how: "submit" | "submitOnly", router: boolean) => {
      const env = makeEnv({ router })
      env.venue.script = (order) => (order.quantity.unitsN === 3 ? "reject" : order.quantity.unitsN === 7 ? "timeout" : order.quantity.unitsN === 9 ? "ack" : "fill")
      const { venue: _v, ...unrouted } = limit({ operationId: Ids.OperationId.make("same-routed"), type: "MARKET", price: undefined, timeInForce: "IOC" })
      const requests = [
        limit({ operationId: Ids.OperationId.make("same-fill") }),
        limit({ operationId: Ids.OperationId.make("same-ack"), quantity: D("0.9") }),
        limit({ operationId: Ids.OperationId.make("same-denied"), quantity: D("6") }),
        limit({ operationId: Ids.OperationId.make("same-rejected"), quantity: D("0.3") }),
        limit({ operationId: Ids.OperationId.make("same-timeout"), quantity: D("0.7") }),
        limit({ operationId: Ids.OperationId.make("same-unknown"), canonicalId: "OKX:SPOT_PAIR:ETH-USDT" }),
        limit({ operationId: Ids.OperationId.make("same-offgrid"), price: D("50000.001") }),
        limit({ operationId: Ids.OperationId.make("same-sell"), side: "SELL", type: "MARKET", price: undefined, timeInForce: "IOC" }),
        unrouted,
        // Repeats: the same request (nothing sent, no error), a different one (DuplicateOperation).
        limit({ operationId: Ids.OperationId.make("same-ack"), quantity: D("0.9") }),
        limit({ operationId: Ids.OperationId.make("same-fill"), quantity: D("0.2") })
      ]
      const answers = requests.map((r) => {
        if (how === "submit") {
          const a = env.core.submit(r)
          return ExecutionError.isExecutionError(a) ? a : undefined
        }
        return env.core.submitOnly(r)
      })
      const orders = env.core.orders.query({}).map((m) => ({ order: m.order, fills: m.fills }))
      return {
        answers: answers.map((a) => (a === undefined ? undefined : [a.reason, a.operationId, a.message])),
        reports: env.reports,
        anomalies: env.anomalies.map((a) => [a.kind, a.operationId, a.message]),
        sent: env.venue.sent,
        orders,
        open: env.riskBook.openOrderCount,
        cell: [env.riskBook.strategyInstrument("strat-1", BINANCE)?.position, env.riskBook.strategyInstrument("strat-1", BINANCE)?.openBuy],
        usdt: env.riskBook.available("BINANCE-SPOT", "USDT"),
        positions: [...env.positions.positions()]
      }
    }
    for (const router of [false, true]) {
      const full = run("submit", router)
      const lean = run("submitOnly", router)
      expect(lean).toEqual(full)
      // The script reached every kind of answer.
      expect(full.answers.filter((a) => a !== undefined).map((a) => a![0])).toEqual(["InvalidRequest", "InvalidRequest", "DuplicateOperation"])
      expect(full.reports.map((r) => r.status)).toContain("DENIED")
      expect(full.reports.map((r) => r.status)).toContain("REJECTED")
      expect(full.anomalies.map((a) => a[0])).toContain("SubmitAmbiguous")
    }
  })

  it("submitOnly from inside a submit leaves the outer submit's answer as it was", () => {
    const env = makeEnv()
    const inner = limit({ quantity: D("0.2") })
    const outer = limit()
    let innerAnswer: unknown = "not called"
    env.venue.script = (order) => {
      if (order.clientOrderId === Ids.clientOrderIdFor(outer.operationId)) innerAnswer = env.core.submitOnly(inner)
      return "fill"
    }
    const result = ok(env.core.submit(outer))
    expect(innerAnswer).toBeUndefined()
    expect(summary(result)).toEqual({ status: "FILLED", filled: "0.5", average: "50000", venue: "BINANCE-SPOT", fills: 1 })
    expect(env.core.order(inner.operationId)?.order.status).toBe("FILLED")
    expect(env.anomalies).toEqual([])
  })

  it("refuses a malformed request with a typed error and records nothing", () => {
    const env = makeEnv()
    const unknown = env.core.submit(limit({ canonicalId: "OKX:SPOT_PAIR:ETH-USDT" }))
    expect(ExecutionError.isExecutionError(unknown) && unknown.reason).toBe("InvalidRequest")
    const offGrid = env.core.submit(limit({ price: D("50000.001") }))
    expect(ExecutionError.isExecutionError(offGrid)).toBe(true)
    expect(env.core.orders.size).toBe(0)
    expect(env.venue.sent).toEqual([])
  })

  it("sends an order without a venue (no router) to its instrument's venue as the instruments say at the time", () => {
    // The core remembers the last instrument's venue, and the OMS checks it against the
    // instrument: a changed or removed instrument is looked up again, as on every order before.
    const specs = new Map(instruments)
    const env = makeEnv({ instruments: specs })
    const noVenue = () => {
      const { venue: _v, ...request } = limit()
      return request
    }
    expect(summary(ok(env.core.submit(noVenue())))).toMatchObject({ status: "FILLED", venue: "BINANCE-SPOT" })
    expect(summary(ok(env.core.submit(noVenue())))).toMatchObject({ status: "FILLED", venue: "BINANCE-SPOT" })
    specs.set(BINANCE, { ...binanceSpec, venue: Ids.Venue.make("OKX") })
    expect(summary(ok(env.core.submit(noVenue())))).toMatchObject({ status: "FILLED", venue: "OKX" })
    expect(summary(ok(env.core.submit(noVenue())))).toMatchObject({ status: "FILLED", venue: "OKX" })
    specs.delete(BINANCE)
    const gone = env.core.submit(noVenue())
    expect(ExecutionError.isExecutionError(gone) && [gone.reason, gone.message]).toEqual(["InvalidRequest", expect.stringContaining(`Unknown instrument ${BINANCE}`)])
    specs.set(BINANCE, binanceSpec)
    expect(summary(ok(env.core.submit(noVenue())))).toMatchObject({ status: "FILLED", venue: "BINANCE-SPOT" })
    expect(env.venue.sent.map((s) => s.venue)).toEqual(["BINANCE-SPOT", "BINANCE-SPOT", "OKX", "OKX", "BINANCE-SPOT"])
    expect(env.core.orders.size).toBe(5)
    // (The position tracker keeps its own instruments: it refuses the two fills at OKX.)
    expect(env.anomalies.map((a) => a.kind)).toEqual(["PositionRefused", "PositionRefused"])
    expect(env.riskBook.openOrderCount).toBe(0)
  })

  describe("routing", () => {
    it("sends an order without a venue to its own listing when that is cheapest", () => {
      const env = makeEnv({ router: true })
      env.market.setBook(OKX, book("49990", "50020"))
      const { venue: _v, ...request } = limit({ type: "MARKET", price: undefined, timeInForce: "IOC" })
      const result = ok(env.core.submit(request))
      expect(summary(result)).toMatchObject({ status: "FILLED", venue: "BINANCE-SPOT" })
      expect(env.venue.sent.map((s) => s.venue)).toEqual(["BINANCE-SPOT"])
      expect(env.core.orders.size).toBe(1)
    })

    it("routes to the cheaper venue as a slice of the order, and positions land on that venue", () => {
      const env = makeEnv({ router: true })
      env.market.setBook(OKX, book("49990", "49995"))
      const { venue: _v, ...request } = limit({ type: "MARKET", price: undefined, timeInForce: "IOC" })
      const result = ok(env.core.submit(request))
      expect(env.venue.sent.map((s) => [s.venue, s.order.canonicalId])).toEqual([["OKX", OKX]])
      expect(summary(result)).toMatchObject({ status: "FILLED", filled: "0.5", venue: undefined, fills: 1 })
      const child = env.core.orders.children(request.operationId)
      expect(child.map((c) => [c.order.operationId, c.order.status])).toEqual([[`${request.operationId}:r1`, "FILLED"]])
      // The slice is not counted in the risk book (its parent is): ending it tells the book nothing.
      expect(env.anomalies).toEqual([])
      expect(env.positions.position(OKX, request.strategyId)).toBeDefined()
      expect(env.positions.position(BINANCE, request.strategyId)).toBeUndefined()
      expect(env.riskBook.openOrderCount).toBe(0)
      // The risk book counts the slice's fill as its root's, on the root's listing.
      expect(env.riskBook.strategyInstrument("strat-1", BINANCE)?.position).toBe(500_000_000_000_000_000n)
      expect(env.riskBook.strategyInstrument("strat-1", OKX)?.position ?? 0n).toBe(0n)
    })

    it("denies an order no venue can take, with the router's reason, and sends nothing", () => {
      const env = makeEnv({ router: true })
      env.market.setOpen("BINANCE-SPOT", true)
      env.market.setOpen("OKX", true)
      const { venue: _v, ...request } = limit({ type: "MARKET", price: undefined, timeInForce: "IOC" })
      const result = ok(env.core.submit(request))
      expect(result.status).toBe("DENIED")
      expect(result.errorMessage).toMatch(/^NO_ROUTE: /)
      expect(env.venue.sent).toEqual([])
      expect(env.riskBook.openOrderCount).toBe(0)
    })

    it("ends a routed order when every slice has ended, and cancels every slice", () => {
      const env = makeEnv({ router: true })
      env.market.setBook(OKX, book("49990", "49995"))
      env.venue.script = () => "ack"
      const { venue: _v, ...request } = limit({ price: D("50100") })
      ok(env.core.submit(request))
      expect(ok(env.core.status(request.operationId)).status).toBe("SUBMITTED")
      const result = ok(env.core.cancel(request.operationId))
      expect(result.status).toBe("CANCELLED")
      expect(env.venue.cancels.map((c) => c.venue)).toEqual(["OKX"])
      expect(env.riskBook.openOrderCount).toBe(0)
    })
  })

  describe("algorithms", () => {
    const twap = (quantity: string) =>
      limit({
        quantity: D(quantity),
        execAlgorithm: { name: "TWAP", params: { durationMs: 4_000, sliceCount: 4 } }
      })

    it("works a TWAP parent through children over time, each child through the same path", () => {
      const env = makeEnv()
      const request = twap("2")
      const first = ok(env.core.submit(request))
      expect(env.venue.sent.map((s) => Decimal.format(s.order.quantity))).toEqual(["0.5"])
      expect(summary(first)).toMatchObject({ status: "PARTIALLY_FILLED", filled: "0.5" })
      expect(env.core.nextWakeupMs()).toBe(T0 + 1_000)
      for (let i = 1; i <= 3; i++) {
        env.clock.setMs(T0 + i * 1_000)
        env.core.onTime()
      }
      const result = ok(env.core.status(request.operationId))
      expect(summary(result)).toEqual({ status: "FILLED", filled: "2", average: "50000", venue: "BINANCE-SPOT", fills: 4 })
      expect(env.core.orders.children(request.operationId).map((c) => c.order.operationId)).toEqual(
        [1, 2, 3, 4].map((i) => `${request.operationId}:c${i}`)
      )
      expect(Decimal.format(env.positions.position(BINANCE, request.strategyId)!.quantity)).toBe("2")
      expect(env.riskBook.openOrderCount).toBe(0)
      expect(env.core.algorithm(request.operationId)).toBeUndefined()
    })

    it("checks the parent against risk once (a TWAP above the order limit is denied whole)", () => {
      const env = makeEnv()
      const result = ok(env.core.submit(twap("8")))
      expect(result.status).toBe("DENIED")
      expect(env.venue.sent).toEqual([])
    })

    it("refuses invalid algorithm parameters before anything is recorded", () => {
      const env = makeEnv()
      const r = env.core.submit(limit({ execAlgorithm: { name: "ICEBERG", params: { displayQuantity: D("0.0005") } } }))
      expect(ExecutionError.isExecutionError(r) && r.reason).toBe("InvalidAlgorithm")
      expect(env.core.orders.size).toBe(0)
    })

    it("cancelling the parent cancels its working children, then the parent", () => {
      const env = makeEnv()
      env.venue.script = () => "ack"
      const request = twap("2")
      ok(env.core.submit(request))
      const result = ok(env.core.cancel(request.operationId))
      expect(result.status).toBe("CANCELLED")
      expect(env.venue.cancels).toHaveLength(1)
      expect(env.core.orders.children(request.operationId).map((c) => c.order.status)).toEqual(["CANCELLED"])
      // No more children after the cancel.
      env.clock.setMs(T0 + 5_000)
      env.core.onTime()
      expect(env.venue.sent).toHaveLength(1)
      expect(env.riskBook.openOrderCount).toBe(0)
    })
  })

  it("without a risk book to feed, still ends every order once and keeps nothing per order", () => {
    const env = makeEnv({ router: true, feedRiskBook: false })
    env.market.setBook(OKX, book("49990", "49995"))
    // A routed slice on the other listing ends its parent; a risk denial is final; a plain order fills.
    const { venue: _v, ...routed } = limit({ type: "MARKET", price: undefined, timeInForce: "IOC" })
    expect(summary(ok(env.core.submit(routed)))).toMatchObject({ status: "FILLED", filled: "0.5" })
    // A slice the venue refuses: its parent is rejected only by the slice's end being handled.
    env.venue.script = () => "reject"
    const { venue: _w, ...refused } = limit({ type: "MARKET", price: undefined, timeInForce: "IOC" })
    expect(ok(env.core.submit(refused)).status).toBe("REJECTED")
    env.venue.script = () => "fill"
    expect(ok(env.core.submit(limit({ quantity: D("6") }))).status).toBe("DENIED")
    expect(summary(ok(env.core.submit(limit())))).toMatchObject({ status: "FILLED" })
    expect(env.anomalies).toEqual([])
    // The map of orders not counted in a book holds only its permanent entry once they ended.
    expect((env.core as unknown as { uncounted: Map<unknown, unknown> }).uncounted.size).toBe(1)
    expect(env.riskBook.openOrderCount).toBe(0)
  })

  it("runs every queued event and order end across many calls (its queues are renewed every 64 calls)", () => {
    const env = makeEnv()
    const ids: Array<string> = []
    // 150 orders: the queues are replaced twice on the way (each order's events arrive inside its submit).
    for (let i = 0; i < 150; i++) {
      const request = limit({ side: i % 2 === 0 ? "BUY" : "SELL" })
      ids.push(request.operationId)
      expect(ok(env.core.submit(request)).status).toBe("FILLED")
    }
    // An order's events that arrive outside a call (a venue's own report) are run as before.
    env.venue.script = () => "ack"
    const late = limit()
    ok(env.core.submit(late))
    env.venue.fill(Ids.clientOrderIdFor(late.operationId), D("0.5"), D("50000"))
    expect(ok(env.core.status(late.operationId)).status).toBe("FILLED")
    for (const id of ids) expect(statuses(env, id)).toEqual(["PENDING", "SUBMITTED", "ACCEPTED", "FILLED"])
    // Every end reached the risk book (nothing left open), and nothing stays queued.
    expect(env.riskBook.openOrderCount).toBe(0)
    expect(env.anomalies).toEqual([])
    const core = env.core as unknown as { tasks: Array<unknown>; changed: Array<unknown> }
    expect(core.tasks.every((t) => t === undefined)).toBe(true)
    expect(core.changed.every((c) => c === undefined)).toBe(true)
  })

  it("runs every venue event a submit queues, more than a fresh queue's slots, across queue renewals", () => {
    const env = makeEnv()
    // Each order is accepted and then filled in 20 parts inside its submit: 21 queued events per
    // call (a fresh queue has 8 slots), over 150 calls (the queues are replaced twice).
    env.venue.script = () => "ack"
    const submit = env.venue.submit.bind(env.venue)
    env.venue.submit = (venue, order) => {
      const error = submit(venue, order)
      for (let k = 0; k < 20; k++) env.venue.fill(order.clientOrderId, D("0.025"), D("50000"))
      return error
    }
    let net = 0
    for (let i = 0; i < 150; i++) {
      const side = i % 2 === 0 ? "BUY" : "SELL"
      const request = limit({ side })
      net += side === "BUY" ? 1 : -1
      const result = ok(env.core.submit(request))
      expect(result.status).toBe("FILLED")
      expect(Decimal.format(result.filledQuantity)).toBe("0.5")
      expect(statuses(env, request.operationId)).toEqual(["PENDING", "SUBMITTED", "ACCEPTED", ...Array<string>(19).fill("PARTIALLY_FILLED"), "FILLED"])
    }
    // Every fill reached positions, every end the risk book, and nothing stays queued.
    expect(Decimal.format(env.positions.position(BINANCE, limit().strategyId)!.quantity)).toBe(Decimal.format(Decimal.mul(D("0.5"), D(String(net)))))
    expect(env.riskBook.openOrderCount).toBe(0)
    expect(env.anomalies).toEqual([])
    const core = env.core as unknown as { tasks: Array<unknown>; changed: Array<unknown>; taskCount: number }
    expect(core.taskCount).toBe(0)
    expect(core.tasks.every((t) => t === undefined)).toBe(true)
    expect(core.changed.every((c) => c === undefined)).toBe(true)
  })

  it("keeps an order end queued by a call that threw until a later call settles it, across queue renewals", () => {
    const env = makeEnv()
    // A report sink that throws on the FILLED report of orders 55-75: the end is queued when its
    // journal entry is committed, then the throw leaves the call, so those calls (one of them the
    // 64th since a renewal) end with an order end still queued for the next call's settle.
    const core = env.core as unknown as { reportSink: { onReport: (r: { status: string }) => void } }
    let i = 0
    core.reportSink = {
      onReport: (r) => {
        if (r.status === "FILLED" && i >= 55 && i <= 75) throw new Error("sink down")
      }
    }
    const ids: Array<string> = []
    for (; i < 150; i++) {
      const request = limit({ side: i % 2 === 0 ? "BUY" : "SELL" })
      ids.push(request.operationId)
      if (i >= 55 && i <= 75) expect(() => env.core.submit(request)).toThrow("sink down")
      else expect(ok(env.core.submit(request)).status).toBe("FILLED")
    }
    // Every order is FILLED in the OMS, and every end reached the risk book: none was lost.
    for (const id of ids) expect(ok(env.core.status(id)).status).toBe("FILLED")
    expect(env.riskBook.openOrderCount).toBe(0)
    const queues = env.core as unknown as { changedCount: number; changed: Array<unknown> }
    expect(queues.changedCount).toBe(0)
    expect(queues.changed.every((c) => c === undefined)).toBe(true)
  })

  describe("journalEvents", () => {
    type Entry = { readonly entry: OrderJournal.OrderJournalEntry; readonly order: ManagedOrder.ManagedOrder }
    // Every kind of journal entry: routed slices (ChildFill), fills, acknowledgements, venue
    // rejections, denials, cancels (acknowledged, refused, of an unsent order), an expiry, a TWAP.
    const twap = limit({ quantity: D("2"), execAlgorithm: { name: "TWAP", params: { durationMs: 4_000, sliceCount: 4 } } })
    const { venue: _v, ...routed } = limit({ type: "MARKET", price: undefined, timeInForce: "IOC" })
    const { venue: _w, ...routedAck } = limit({ price: D("50100") })
    const steps: ReadonlyArray<{ readonly script: Script; readonly request: OrderRequest.OrderRequest; readonly then?: string }> = [
      { script: "fill", request: routed },
      { script: "ack", request: limit() },
      { script: "ack", request: routedAck, then: "cancel" },
      { script: "reject", request: limit() },
      { script: "fill", request: limit({ quantity: D("8") }) },
      { script: "ack", request: limit(), then: "cancel" },
      { script: "ack", request: limit(), then: "refuse cancel" },
      { script: "ack", request: limit(), then: "expire" },
      { script: "ack", request: limit({ quantity: D("1") }), then: "fill a quarter" },
      { script: "silent", request: limit(), then: "cancel" },
      { script: "fill", request: twap }
    ]
    /** Every call's answer, with what the core's journal sink saw. */
    const play = (env: ReturnType<typeof makeEnv>) => {
      env.market.setBook(OKX, book("49990", "49995"))
      const answers: Array<unknown> = []
      for (const { script, request, then } of steps) {
        env.venue.script = () => script
        answers.push(env.core.submit(request))
        const id = request.operationId
        const client = Ids.clientOrderIdFor(id)
        if (then === "cancel") answers.push(env.core.cancel(id))
        else if (then === "refuse cancel") {
          env.venue.cancelScript = () => "reject"
          answers.push(env.core.cancel(id))
          env.venue.cancelScript = () => "ack"
        } else if (then === "expire") env.venue.expired(client)
        else if (then === "fill a quarter") env.venue.fill(client, D("0.25"), D("50000"))
        answers.push(env.core.status(id))
      }
      for (let i = 1; i <= 3; i++) {
        env.clock.setMs(T0 + i * 1_000)
        env.core.onTime()
      }
      for (const { request } of steps) answers.push(env.core.status(request.operationId))
      return { answers, openOrders: env.riskBook.openOrderCount, anomalies: env.anomalies, positions: env.positions.positions() }
    }
    const ending = ["FillRecorded", "ChildFill", "Deny", "Reject", "CancelRequest", "CancelAck", "CancelReject", "Expire"]

    it("without reports, hands journal the kinds named and those that can end an order; every answer as with all entries", () => {
      const all: Array<Entry> = []
      const whole = play(makeEnv({ router: true, journal: (entry, order) => all.push({ entry, order }) }))
      // The steps journal every kind of entry.
      expect(new Set(all.map((e) => e.entry.event._tag))).toEqual(new Set([...ending, "Created", "Submit", "Accept"]))
      for (const named of [["Created"], ["Accept"], []] as const) {
        const some: Array<Entry> = []
        const env = makeEnv({ router: true, reports: false, journal: (entry, order) => some.push({ entry, order }), journalEvents: named })
        // Every answer (an acknowledged order's submit answers ACCEPTED, whatever entries the core saw), the book, positions.
        expect(play(env)).toEqual(whole)
        expect(some).toEqual(all.filter((e) => ending.includes(e.entry.event._tag) || (named as ReadonlyArray<string>).includes(e.entry.event._tag)))
      }
      // Neither journal nor reports: the core takes only the entries that can end an order.
      expect(play(makeEnv({ router: true, reports: false }))).toEqual(whole)
    })

    it("with reports, hands journal every entry whatever it names", () => {
      const all: Array<Entry> = []
      const some: Array<Entry> = []
      const whole = makeEnv({ router: true, journal: (entry, order) => all.push({ entry, order }) })
      const named = makeEnv({ router: true, journal: (entry, order) => some.push({ entry, order }), journalEvents: ["Created"] })
      expect(play(named)).toEqual(play(whole))
      expect(named.reports).toEqual(whole.reports)
      expect(some).toEqual(all)
    })
  })

  it("reports every change once, in journal order, with strictly increasing sequences", () => {
    const env = makeEnv()
    env.venue.script = () => "ack"
    const a = limit()
    const b = limit({ side: "SELL", price: D("50010") })
    ok(env.core.submit(a))
    ok(env.core.submit(b))
    env.venue.fill(Ids.clientOrderIdFor(b.operationId), D("0.5"), D("50010"))
    ok(env.core.cancel(a.operationId))
    const seq = env.reports.map((r) => r.sequence)
    expect(seq).toEqual([...seq].sort((x, y) => x - y))
    expect(new Set(seq).size).toBe(seq.length)
    expect(env.reports.map((r) => [r.operationId, r.status])).toEqual([
      [a.operationId, "PENDING"],
      [a.operationId, "SUBMITTED"],
      [a.operationId, "ACCEPTED"],
      [b.operationId, "PENDING"],
      [b.operationId, "SUBMITTED"],
      [b.operationId, "ACCEPTED"],
      [b.operationId, "FILLED"],
      [a.operationId, "PENDING_CANCEL"],
      [a.operationId, "CANCELLED"]
    ])
    expect(seq).toEqual(env.reports.map((_, i) => i + 1))
  })
})
