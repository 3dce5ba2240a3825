/**
 * What the engine keeps while it replays: the queue of held orders (creation index and
 * arrival price per order until the OMS hands its final record over), the summary folded in
 * order by order and fill by fill (checked against the whole-run computation it replaced,
 * on the example configs and as a property), and memory that does not grow with the run.
 */
import { describe, expect, it } from "@effect/vitest"
import { Decimal, type Fill, InstrumentSpec, type Order } from "@odum/domain"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { type BacktestConfig, ResultFiles } from "../src/index.js"
import { FillRows, OrderRows } from "../src/internal/columns.js"
import { HeldOrders } from "../src/internal/HeldOrders.js"
import { prepare } from "../src/internal/prepare.js"
import { type OrderFigures, SummaryAccumulator, summarize, tables } from "../src/internal/results.js"
import { decode, example, LINEAR_PERP, SAMPLE_CATALOG, storage, tempDir } from "./fixtures.js"

const BTC = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
/** The OMS's bound on finished orders in memory (Engine's RETAINED_FINISHED). */
const RETAINED_FINISHED = 1_024
const TIMEOUT = 180_000

// ---------------------------------------------------------------------------------------
// The whole-run computation the accumulator replaced: every order and fill at once.
// ---------------------------------------------------------------------------------------

interface OrderIn {
  readonly status: string
  readonly parentOperationId?: string | undefined
  readonly venue?: string | undefined
  readonly canonicalId: string
  readonly side: "BUY" | "SELL"
  readonly quantity: Decimal.Decimal
  readonly filledQuantity: Decimal.Decimal
  readonly averageFillPrice?: Decimal.Decimal | undefined
}
interface FillIn {
  readonly venue: string
  readonly canonicalId: string
  readonly price: Decimal.Decimal
  readonly quantity: Decimal.Decimal
  readonly fee: Decimal.Decimal
  readonly feeCurrency: string
}

const fmt = Decimal.format
const sortedKeys = <V>(m: ReadonlyMap<string, V>) => [...m.keys()].sort()
const toRecord = (m: ReadonlyMap<string, Decimal.Decimal>) => Object.fromEntries(sortedKeys(m).map((k) => [k, fmt(m.get(k)!)]))
const addTo = (m: Map<string, Decimal.Decimal>, k: string, v: Decimal.Decimal) => m.set(k, Decimal.add(m.get(k) ?? Decimal.zero, v))

/** The previous `summarize`'s order and fill figures, over every order (creation order) and fill of a run. */
const wholeRun = (
  orders: ReadonlyArray<OrderIn>,
  arrivals: ReadonlyArray<Decimal.Decimal | undefined>,
  fills: ReadonlyArray<FillIn>,
  specs: ReadonlyMap<string, InstrumentSpec.InstrumentSpec>,
  venueCodes: ReadonlyArray<string>
): OrderFigures => {
  const byStatus = new Map<string, number>()
  let denied = 0
  let rejected = 0
  let strategyOrders = 0
  let ordered = Decimal.zero
  let filled = Decimal.zero
  let slipNum = Decimal.zero
  let slipDen = Decimal.zero
  let slipOrders = 0
  const slipCost = new Map<string, Decimal.Decimal>()
  orders.forEach((o, i) => {
    byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1)
    if (o.status === "DENIED") denied++
    if (o.status === "REJECTED") rejected++
    if (o.parentOperationId !== undefined) return
    strategyOrders++
    if (o.status !== "DENIED") {
      ordered = Decimal.add(ordered, o.quantity)
      filled = Decimal.add(filled, o.filledQuantity)
    }
    const arrival = arrivals[i]
    const avg = o.averageFillPrice
    if (arrival !== undefined && avg !== undefined && Decimal.isPositive(o.filledQuantity)) {
      slipOrders++
      const sign = o.side === "BUY" ? Decimal.one : Decimal.neg(Decimal.one)
      const diff = Decimal.mul(Decimal.mul(sign, Decimal.sub(avg, arrival)), o.filledQuantity)
      slipNum = Decimal.add(slipNum, diff)
      slipDen = Decimal.add(slipDen, Decimal.mul(arrival, o.filledQuantity))
      const spec = specs.get(o.canonicalId)
      if (spec !== undefined && spec.contractType === "LINEAR") addTo(slipCost, spec.quoteAsset, Decimal.mul(diff, spec.contractSize))
    }
  })
  const filledQty = new Map<string, Decimal.Decimal>()
  const volume = new Map<string, Decimal.Decimal>()
  const fees = new Map<string, Decimal.Decimal>()
  const venues = new Map(
    venueCodes.map((v) => [
      v,
      { orders: 0, ordered: Decimal.zero, filledOrdered: Decimal.zero, fills: 0, qty: new Map(), notional: new Map(), volume: new Map(), fees: new Map() }
    ])
  )
  for (const o of orders) {
    const v = o.venue === undefined ? undefined : venues.get(o.venue)
    if (v === undefined) continue
    v.orders++
    v.ordered = Decimal.add(v.ordered, o.quantity)
    v.filledOrdered = Decimal.add(v.filledOrdered, o.filledQuantity)
  }
  for (const f of fills) {
    const spec = specs.get(f.canonicalId)
    addTo(filledQty, f.canonicalId, f.quantity)
    addTo(fees, f.feeCurrency, f.fee)
    const v = venues.get(f.venue)
    if (v !== undefined) {
      v.fills++
      addTo(v.qty, f.canonicalId, f.quantity)
      addTo(v.notional, f.canonicalId, Decimal.mul(f.price, f.quantity))
      addTo(v.fees, f.feeCurrency, f.fee)
    }
    if (spec !== undefined) {
      const n = InstrumentSpec.notional(spec, f.quantity, f.price)
      const asset = InstrumentSpec.notionalAsset(spec)
      addTo(volume, asset, n)
      if (v !== undefined) addTo(v.volume, asset, n)
    }
  }
  const ratio = (num: Decimal.Decimal, den: Decimal.Decimal, scale: number) =>
    Decimal.isPositive(den) ? fmt(Decimal.div(num, den, scale, "half-even")) : null
  return {
    orderCount: orders.length,
    strategyOrderCount: strategyOrders,
    ordersByStatus: Object.fromEntries(sortedKeys(byStatus).map((k) => [k, byStatus.get(k)!])),
    deniedCount: denied,
    rejectedCount: rejected,
    fillCount: fills.length,
    filledQuantity: toRecord(filledQty),
    volume: toRecord(volume),
    fees: toRecord(fees),
    slippage: {
      orders: slipOrders,
      bps: Decimal.isPositive(slipDen) ? fmt(Decimal.div(Decimal.mul(slipNum, Decimal.fromInt(10_000)), slipDen, 4, "half-even")) : null,
      cost: toRecord(slipCost)
    },
    fillRatio: ratio(filled, ordered, 6),
    byVenue: [...venues.entries()].map(([venue, v]) => ({
      venue,
      orderCount: v.orders,
      fillCount: v.fills,
      filledQuantity: toRecord(v.qty),
      volume: toRecord(v.volume),
      fees: toRecord(v.fees),
      averagePrice: Object.fromEntries(sortedKeys(v.qty).map((id) => [id, fmt(Decimal.div(v.notional.get(id)!, v.qty.get(id)!, 8, "half-even"))])),
      fillRatio: ratio(v.filledOrdered, v.ordered, 6)
    }))
  }
}

// ---------------------------------------------------------------------------------------
// Replays through the engine itself (no files), to look at what it keeps.
// ---------------------------------------------------------------------------------------

/** Replays `config`; `onProgress` sees the engine every 16,384 events and every row group. */
const replay = async (config: BacktestConfig.BacktestConfig, keepTables: boolean, watch?: (retained: number) => void) => {
  const { engine, cursor } = await Effect.runPromise(prepare(config, "test", { tables: keepTables }).pipe(Effect.provide(storage(tempDir()))))
  await engine.run(cursor, undefined, watch === undefined ? undefined : () => watch(engine.retainedPerOrder()))
  return engine
}

const column = (name: string) => ResultFiles.ORDER_COLUMNS.findIndex((c) => c.name === name)
const fillColumn = (name: string) => ResultFiles.FILL_COLUMNS.findIndex((c) => c.name === name)
const dec = (v: unknown): Decimal.Decimal | undefined => (v === null ? undefined : Decimal.unsafeFromString(v as string))

describe("retainFinishedOrders", () => {
  it(
    "bounds the finished orders the OMS holds during the replay (default 256)",
    async () => {
      const small = await replay(decode({ ...example("backtest.example.json"), retainFinishedOrders: 4 }), false)
      const orders = small.summary.figures().orderCount
      expect(orders).toBeGreaterThan(1_100)
      // Every order of the example is finished at the end: only the bound's worth are held.
      expect(small.core.orders.size).toBe(4)
      const dflt = await replay(decode(example("backtest.example.json")), false)
      expect(dflt.core.orders.size).toBe(256)
    },
    120_000
  )
})

describe("the summary folded in as the run goes", () => {
  for (const name of ["backtest.example.json", "backtest.risk.example.json", "backtest.twap.example.json", "backtest.router.example.json"]) {
    it(
      `${name}: equals the whole-run computation over the orders and fills tables it writes, and does not depend on writing them`,
      async () => {
        const config = decode(example(name))
        const engine = await replay(config, true)
        const [orders, fills] = tables(engine).map((t) => t.table().rows)
        const c = (row: ReadonlyArray<unknown>, n: string) => row[column(n)]
        const orderIns: Array<OrderIn> = orders!.map((r) => ({
          status: c(r, "status") as string,
          parentOperationId: (c(r, "parent_operation_id") as string | null) ?? undefined,
          venue: (c(r, "venue") as string | null) ?? undefined,
          canonicalId: c(r, "instrument") as string,
          side: c(r, "side") as "BUY" | "SELL",
          quantity: dec(c(r, "quantity"))!,
          filledQuantity: dec(c(r, "filled_quantity"))!,
          averageFillPrice: dec(c(r, "average_price"))
        }))
        const arrivals = orders!.map((r) => dec(c(r, "arrival_price")))
        const f = (row: ReadonlyArray<unknown>, n: string) => row[fillColumn(n)]
        const fillIns: Array<FillIn> = fills!.map((r) => ({
          venue: f(r, "venue") as string,
          canonicalId: f(r, "instrument") as string,
          price: dec(f(r, "price"))!,
          quantity: dec(f(r, "quantity"))!,
          fee: dec(f(r, "fee"))!,
          feeCurrency: f(r, "fee_currency") as string
        }))
        const figures = engine.summary.figures()
        expect(figures.orderCount).toBeGreaterThan(0)
        expect(figures.fillCount).toBeGreaterThan(0)
        expect(figures).toEqual(wholeRun(orderIns, arrivals, fillIns, engine.specs, config.venues.map((v) => v.venue)))

        const quiet = await replay(config, false)
        expect(quiet.rows).toBeUndefined()
        expect(summarize(quiet, config, "r", "h")).toEqual(summarize(engine, config, "r", "h"))
      },
      TIMEOUT
    )
  }

  const linear = LINEAR_PERP
  const inverse = Schema.decodeSync(InstrumentSpec.InstrumentSpec)({
    canonicalId: "B:PERPETUAL:BTC-USD@INV",
    venue: "B",
    baseAsset: "BTC",
    quoteAsset: "USD",
    settlementAsset: "BTC",
    kind: "PERPETUAL",
    tickSize: "0.5",
    lotSize: "10",
    minQuantity: "10",
    makerFee: "-0.0001",
    takerFee: "0.0005",
    contractSize: "10",
    contractType: "INVERSE"
  })
  // Contract sizes other than 1: the summary takes a listing's volume and slippage cost as its
  // sum times the contract size, the whole-run computation multiplies each fill and order.
  const linearSmall = Schema.decodeSync(InstrumentSpec.InstrumentSpec)({
    ...Schema.encodeSync(InstrumentSpec.InstrumentSpec)(linear),
    canonicalId: "A:PERPETUAL:ETH-USDT",
    baseAsset: "ETH",
    contractSize: "0.01"
  })
  const quanto = Schema.decodeSync(InstrumentSpec.InstrumentSpec)({
    ...Schema.encodeSync(InstrumentSpec.InstrumentSpec)(linear),
    canonicalId: "B:PERPETUAL:ETH-USD@Q",
    venue: "B",
    baseAsset: "ETH",
    quoteAsset: "USD",
    settlementAsset: "BTC",
    contractSize: "0.000001",
    contractType: "QUANTO"
  })
  const specs = new Map([linear, inverse, linearSmall, quanto].map((s) => [s.canonicalId, s]))
  /** The whole-run figures of orders (with their arrivals) and fills at venues A and B. */
  const wholeRunOf = (orders: ReadonlyArray<{ order: Order.UnifiedOrder; arrival: Decimal.Decimal | undefined }>, fills: ReadonlyArray<Fill.Fill>) =>
    wholeRun(
      orders.map((o) => o.order),
      orders.map((o) => o.arrival),
      fills,
      specs,
      ["A", "B"]
    )
  /** A MARKET IOC order's final record as the arbitraries draw it. */
  const orderOf = (
    r: {
      readonly status: string
      readonly child: boolean
      readonly venue: string | undefined
      readonly canonicalId: string
      readonly side: "BUY" | "SELL"
      readonly quantity: Decimal.Decimal
      readonly average: Decimal.Decimal | undefined
    },
    filledQuantity: Decimal.Decimal
  ): Order.UnifiedOrder =>
    ({
      operationId: "o",
      clientOrderId: "c",
      strategyId: "s",
      canonicalId: r.canonicalId,
      side: r.side,
      type: "MARKET",
      timeInForce: "IOC",
      quantity: r.quantity,
      filledQuantity,
      status: r.status,
      reduceOnly: false,
      postOnly: false,
      createdAt: 0,
      updatedAt: 0,
      ...(r.child ? { parentOperationId: "parent" } : {}),
      ...(r.venue === undefined ? {} : { venue: r.venue }),
      ...(r.average === undefined ? {} : { averageFillPrice: r.average })
    }) as unknown as Order.UnifiedOrder
  const narrow = (max: number, scale: number) => fc.integer({ min: 1, max }).map((n) => Decimal.fromScaled(BigInt(n), scale))
  // Values that leave the summary's safe-integer path: coefficients beyond 2^53, more than 18
  // places, sums beyond 2^53; mixed with small ones and with decimal objects that recur (its
  // unit conversions are remembered by identity).
  const shared = [Decimal.unsafeFromString("0.001"), Decimal.unsafeFromString("61234.5"), Decimal.unsafeFromString("9007199254740.991")]
  const wide = (max: number, scale: number) =>
    fc.oneof(
      narrow(max, scale),
      fc.constantFrom(...shared),
      fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.integer({ min: 0, max: 24 })).map(([u, s]) => Decimal.fromScaled(u, s)),
      fc.integer({ min: 2 ** 50, max: Number.MAX_SAFE_INTEGER }).map((n) => Decimal.fromScaled(BigInt(n), scale))
    )
  const arbitraries = (decimal: (max: number, scale: number) => fc.Arbitrary<Decimal.Decimal>) => {
    const instrument = fc.constantFrom(linear.canonicalId, inverse.canonicalId, linearSmall.canonicalId, quanto.canonicalId, "C:SPOT_PAIR:UNKNOWN")
    const venue = fc.constantFrom("A", "B", "Z")
    const order = fc
      .record({
        status: fc.constantFrom("FILLED", "PARTIALLY_FILLED", "EXPIRED", "CANCELLED", "DENIED", "REJECTED", "ACCEPTED"),
        child: fc.boolean(),
        venue: fc.option(venue, { nil: undefined }),
        canonicalId: instrument,
        side: fc.constantFrom("BUY" as const, "SELL" as const),
        quantity: decimal(5_000, 3),
        filledShare: fc.integer({ min: 0, max: 4 }),
        average: fc.option(decimal(7_000_000, 2), { nil: undefined }),
        arrival: fc.option(decimal(7_000_000, 1), { nil: undefined })
      })
      .map((r) => ({
        order: orderOf(r, Decimal.div(Decimal.mul(r.quantity, Decimal.fromInt(r.filledShare)), Decimal.fromInt(4), 6, "down")),
        arrival: r.child ? undefined : r.arrival
      }))
    const fill = fc
      .record({
        venue,
        canonicalId: instrument,
        price: decimal(7_000_000, 1),
        quantity: decimal(5_000, 3),
        fee: fc.oneof(
          fc.integer({ min: -50_000, max: 50_000 }).map((n) => Decimal.fromScaled(BigInt(n), 7)),
          decimal(50_000, 7).map((d) => Decimal.neg(d))
        ),
        feeCurrency: fc.constantFrom("USDT", "BTC", "BNB")
      })
      .map((r) => ({ ...r, operationId: "o", side: "BUY", tradeId: "t", liquidity: "TAKER" }) as unknown as Fill.Fill)
    return { order, fill }
  }

  const foldedEqualsWholeRun = (decimal: (max: number, scale: number) => fc.Arbitrary<Decimal.Decimal>) => {
    const { order, fill } = arbitraries(decimal)
    fc.assert(
      fc.property(
        fc.array(order, { maxLength: 40 }),
        fc.array(fill, { maxLength: 40 }),
        fc.func(fc.integer()),
        (orders, fills, key) => {
          const acc = new SummaryAccumulator(specs, ["A", "B"])
          const finished = orders.map((o, i) => ({ ...o, k: key(i) })).sort((a, b) => a.k - b.k)
          for (const o of finished) acc.order(o.order, o.arrival)
          for (const f of fills) acc.fill(f)
          expect(acc.figures()).toEqual(wholeRunOf(orders, fills))
        }
      ),
      { numRuns: 300 }
    )
  }

  it("as a property: orders folded in any order (the order they finish) and fills one by one give the whole-run figures", () => {
    foldedEqualsWholeRun(narrow)
  })

  it("as a property, with values beyond the safe-integer path (huge, many places, recurring objects): the same figures", () => {
    foldedEqualsWholeRun(wide)
  })

  it("as a property: runs of orders and fills with the same decimal objects, read at any point, give the whole-run figures", () => {
    // The accumulator adds a run of orders (or fills) with the same average, arrival and filled
    // objects (price, quantity and fee) once, times its count and sum of sides: few objects,
    // so runs are long, broken by any one key (instrument, venue, currency, side), and some
    // beyond the safe-integer path; the figures are read in the middle of a run too. Orders of
    // one run share their quantity objects whatever their venue (none, unknown, A, B) and
    // whether they count in the strategy's ordered and filled sums (a child, a denied order).
    const pool = (...xs: Array<string | Decimal.Decimal>) => fc.constantFrom(...xs.map((x) => (typeof x === "string" ? Decimal.unsafeFromString(x) : x)))
    // (An average at 5 places with an arrival of 13 digits at one: the arrival's units scaled to
    // the average's places pass 2^53, where slippage takes the decimal path.)
    const prices = pool("61234.5", "61234", "61234.55", "90071992547409.91", Decimal.fromScaled(123n, 21), "61234.12345", "900719925474.1")
    const quantities = pool("0.001", "2", "9007199254740.993")
    const filledQuantities = pool("0.001", "2", "0", "9007199254740.993")
    const fees = pool("0.0306172", "-0.01", "0", "123456789012345678.9")
    const instrument = fc.constantFrom(linear.canonicalId, linearSmall.canonicalId)
    const order = fc
      .record({
        status: fc.constantFrom("FILLED", "FILLED", "DENIED"),
        child: fc.boolean(),
        venue: fc.constantFrom("A", "B", "A", "B", "Z", undefined),
        canonicalId: instrument,
        side: fc.constantFrom("BUY" as const, "SELL" as const),
        quantity: quantities,
        filledQuantity: filledQuantities,
        average: fc.option(prices, { nil: undefined, freq: 8 }),
        arrival: fc.option(prices, { nil: undefined, freq: 8 })
      })
      .map((r) => ({ order: orderOf(r, r.filledQuantity), arrival: r.child ? undefined : r.arrival }))
    // Fills of an INVERSE listing too: their runs add each fill's notional (not counted by `fill`'s shortcut).
    const fillInstrument = fc.constantFrom(linear.canonicalId, linearSmall.canonicalId, inverse.canonicalId)
    const fill = fc
      .record({ venue: fc.constantFrom("A", "B"), canonicalId: fillInstrument, price: prices, quantity: quantities, fee: fees, feeCurrency: fc.constantFrom("USDT", "BNB") })
      .map((r) => ({ ...r, operationId: "o", side: "BUY", tradeId: "t", liquidity: "TAKER" }) as unknown as Fill.Fill)
    // Runs: each drawn item repeated 1 to 6 times (the same objects, the side alternating or
    // not), or two items taking turns 2 to 12 times (prices bouncing between two levels: the
    // accumulator keeps the run before the current one, and takes it up again).
    const runs = <T>(item: fc.Arbitrary<T>) =>
      fc.array(fc.tuple(item, fc.option(item, { nil: undefined, freq: 2 }), fc.integer({ min: 1, max: 6 }), fc.boolean()), { maxLength: 12 })
    const flip = (o: { order: Order.UnifiedOrder; arrival: Decimal.Decimal | undefined }, k: number, alternate: boolean) =>
      alternate && k % 2 === 1 ? { ...o, order: { ...o.order, side: o.order.side === "BUY" ? "SELL" : "BUY" } as Order.UnifiedOrder } : o
    const spread = <T>([a, b, n, alternate]: readonly [T, T | undefined, number, boolean], at: (x: T, k: number, alternate: boolean) => T) =>
      b === undefined
        ? Array.from({ length: n }, (_, k) => at(a, k, alternate))
        : Array.from({ length: 2 * n }, (_, k) => at(k % 2 === 0 ? a : b, k >> 1, alternate))
    fc.assert(
      fc.property(runs(order), runs(fill), fc.nat(), (orderRuns, fillRuns, cut) => {
        const orders = orderRuns.flatMap((r) => spread(r, flip))
        const fills = fillRuns.flatMap((r) => spread(r, (f) => f))
        const acc = new SummaryAccumulator(specs, ["A", "B"])
        const at = orders.length + fills.length === 0 ? 0 : cut % (orders.length + fills.length + 1)
        let i = 0
        const maybeRead = () => {
          if (i++ === at) acc.figures()
        }
        for (const o of orders) {
          maybeRead()
          acc.order(o.order, o.arrival)
        }
        for (const f of fills) {
          maybeRead()
          acc.fill(f)
        }
        const expected = wholeRunOf(orders, fills)
        expect(acc.figures()).toEqual(expected)
        // Read again: nothing is added twice.
        expect(acc.figures()).toEqual(expected)
      }),
      { numRuns: 400 }
    )
  })

  it("as a property: hundreds of slippage runs (their holder renewed every 64 runs started, at any point of a bounce) give the whole-run figures", () => {
    // Arrival and average prices bouncing among a few levels: most orders start a run, some take
    // up the run before, so the renewals of the runs' holder fall with both runs non-empty.
    const levels = ["61234.5", "61234", "61234.55", "61235.1"].map((x) => Decimal.unsafeFromString(x))
    const quantity = Decimal.unsafeFromString("0.001")
    const order = fc
      .record({
        average: fc.integer({ min: 0, max: levels.length - 1 }),
        arrival: fc.integer({ min: 0, max: levels.length - 1 }),
        side: fc.constantFrom("BUY" as const, "SELL" as const),
        canonicalId: fc.constantFrom(linear.canonicalId, linear.canonicalId, linear.canonicalId, linearSmall.canonicalId)
      })
      .map((r) => ({
        order: orderOf({ status: "FILLED", child: false, venue: "A", canonicalId: r.canonicalId, side: r.side, quantity, average: levels[r.average] }, quantity),
        arrival: levels[r.arrival]
      }))
    fc.assert(
      fc.property(fc.array(order, { minLength: 150, maxLength: 600 }), fc.nat(), (orders, cut) => {
        const acc = new SummaryAccumulator(specs, ["A", "B"])
        const at = cut % (orders.length + 1)
        orders.forEach((o, i) => {
          if (i === at) acc.figures()
          acc.order(o.order, o.arrival)
        })
        expect(acc.figures()).toEqual(wholeRunOf(orders, []))
      }),
      { numRuns: 60 }
    )
  })
})

describe("compact columns", () => {
  const opt = (d: Decimal.Decimal | undefined) => (d === undefined ? null : fmt(d))
  // Coefficients past 64 bits (an average price to 18 places), negative, zero, and small ones.
  const anyDecimal = fc
    .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 30 }))
    .map(([u, s]) => Decimal.fromScaled(u, s))
  const text = fc.constantFrom("A", "B", "C", "")
  const record = fc.record({
    parent: fc.option(text, { nil: undefined }),
    venue: fc.option(text, { nil: undefined }),
    status: fc.constantFrom("FILLED", "DENIED", "REJECTED", "EXPIRED"),
    quantity: anyDecimal,
    price: fc.option(anyDecimal, { nil: undefined }),
    filled: anyDecimal,
    average: fc.option(anyDecimal, { nil: undefined }),
    reason: fc.option(fc.string(), { nil: undefined }),
    algorithm: fc.option(fc.constantFrom("TWAP", "VWAP"), { nil: undefined }),
    arrival: fc.option(anyDecimal, { nil: undefined }),
    ms: fc.integer({ min: 0, max: 4_000_000_000_000 })
  })

  it("as a property: orders.csv rows set in any order read back in creation order, each value as the record formats it", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), fc.func(fc.integer()), (records, key) => {
        const table = new OrderRows()
        const orders = records.map((r, i) => {
          table.reserve(i, r.arrival)
          return {
            operationId: `o-${i}`,
            strategyId: r.venue ?? "s",
            canonicalId: r.parent ?? "X",
            side: i % 2 === 0 ? "BUY" : "SELL",
            type: r.price === undefined ? "MARKET" : "LIMIT",
            timeInForce: i % 3 === 0 ? "IOC" : "GTC",
            quantity: r.quantity,
            filledQuantity: r.filled,
            status: r.status,
            createdAt: r.ms,
            updatedAt: r.ms + i,
            ...(r.parent === undefined ? {} : { parentOperationId: r.parent }),
            ...(r.venue === undefined ? {} : { venue: r.venue }),
            ...(r.price === undefined ? {} : { price: r.price }),
            ...(r.average === undefined ? {} : { averageFillPrice: r.average }),
            ...(r.reason === undefined ? {} : { rejectReason: r.reason }),
            ...(r.algorithm === undefined ? {} : { execAlgorithm: { name: r.algorithm } })
          } as unknown as Order.UnifiedOrder
        })
        // Finished in some order; one in five never handed over (no row).
        const finished = orders.map((o, i) => ({ o, i, k: key(i) })).filter(({ i }) => i % 5 !== 4)
        for (const { o, i } of finished.sort((a, b) => a.k - b.k)) table.set(i, o)
        const expected = orders.flatMap((o, i) => {
          if (i % 5 === 4) return []
          const denied = o.status === "DENIED"
          return [
            [
              o.operationId, o.parentOperationId ?? null, o.venue ?? null, o.canonicalId, o.side, o.type, fmt(o.quantity), opt(o.price),
              o.status, fmt(o.filledQuantity), BigInt(o.createdAt) * 1_000_000n, BigInt(o.updatedAt) * 1_000_000n,
              denied ? (o.rejectReason ?? null) : null, o.timeInForce, opt(o.averageFillPrice), o.strategyId,
              o.execAlgorithm?.name ?? null, denied ? null : (o.rejectReason ?? null), opt(records[i]!.arrival)
            ]
          ]
        })
        expect(table.rows()).toEqual(expected)
      }),
      { numRuns: 200 }
    )
  })

  it("as a property: fills.csv rows read back in the order added, each value as the fill formats it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyDecimal, anyDecimal, anyDecimal, fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.option(text, { nil: undefined }), fc.boolean()), { maxLength: 60 }),
        (fills) => {
          const table = new FillRows()
          const expected = fills.map(([price, quantity, fee, ts, parent, known], i) => {
            const fill = { operationId: `o-${i}`, venue: "V", canonicalId: "X", side: "SELL", price, quantity, fee, feeCurrency: "USDT", liquidity: "MAKER", tradeId: `t${i}` } as unknown as Fill.Fill
            const order = known ? ({ strategyId: "s", ...(parent === undefined ? {} : { parentOperationId: parent }) } as unknown as Order.UnifiedOrder) : undefined
            table.add(fill, ts, order)
            return [ts, `o-${i}`, order?.parentOperationId ?? null, "V", "X", "SELL", fmt(price), fmt(quantity), fmt(fee), "USDT", "MAKER", `t${i}`, order?.strategyId ?? ""]
          })
          expect(table.size).toBe(fills.length)
          expect(table.rows()).toEqual(expected)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe("HeldOrders", () => {
  it("as a property: every take finds its order's creation index and arrival, whatever the order of takes; memory follows what is held", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 5 }), fc.nat({ max: 60 }), fc.boolean()), { minLength: 1, maxLength: 3_000 }),
        (steps) => {
          const held = new HeldOrders()
          const live: Array<number> = [] // creation indexes held, in creation order
          let created = 0
          let maxHeld = 0
          for (const [adds, pick, inOrder] of steps) {
            for (let k = 0; k < adds; k++) {
              const arrival = created % 3 === 0 ? undefined : Decimal.fromInt(created)
              expect(held.add(`id-${created}`, arrival)).toBe(created)
              live.push(created++)
            }
            maxHeld = Math.max(maxHeld, live.length)
            if (live.length === 0) continue
            // Mostly the oldest (as the OMS evicts), sometimes one further on.
            const at = inOrder ? Math.min(pick % 3, live.length - 1) : pick % live.length
            const i = live.splice(at, 1)[0]!
            expect(held.take(`id-${i}`)).toBe(i)
            expect(held.takenArrival).toEqual(i % 3 === 0 ? undefined : Decimal.fromInt(i))
            expect(held.take(`id-${i}`)).toBe(-1)
            expect(held.takenArrival).toBeUndefined()
            expect(held.held).toBe(live.length)
            // The array: held entries and at most max(1,024, held) cleared ones; the index: held ones.
            expect(held.footprint).toBeLessThanOrEqual(3 * maxHeld + 1_024)
          }
          expect(held.heldIds()).toEqual(live.map((i) => `id-${i}`))
          expect(held.take("never-added")).toBe(-1)
          expect(held.count).toBe(created)
        }
      ),
      { numRuns: 200 }
    )
  })

  it("holds at most what is held plus 1,024 entries when orders finish in creation order", () => {
    const held = new HeldOrders()
    let maxFootprint = 0
    let wrong = 0
    // Arrivals on most orders: a take's arrival stays readable through the compactions its takes run.
    const arrivalOf = (i: number) => (i % 7 === 0 ? undefined : Decimal.fromInt(i))
    let wrongArrival = 0
    for (let i = 0; i < 100_000; i++) {
      held.add(`o-${i}`, arrivalOf(i))
      if (i >= 100) {
        if (held.take(`o-${i - 100}`) !== i - 100) wrong++
        const a = held.takenArrival
        const e = arrivalOf(i - 100)
        if (a === undefined ? e !== undefined : e === undefined || !Decimal.equals(a, e)) wrongArrival++
      }
      maxFootprint = Math.max(maxFootprint, held.footprint)
    }
    expect(wrong).toBe(0)
    expect(wrongArrival).toBe(0)
    expect(held.held).toBe(100)
    expect(maxFootprint).toBeLessThanOrEqual(100 + 1_025)
  })

  it("gives back the room of a burst of held orders once they are resolved, and reuses its arrays after a compaction", () => {
    const held = new HeldOrders()
    for (let i = 0; i < 10_000; i++) held.add(`b-${i}`, i % 2 === 0 ? Decimal.fromInt(i) : undefined)
    for (let i = 0; i < 10_000; i++) {
      expect(held.take(`b-${i}`)).toBe(i)
      expect(held.takenArrival).toEqual(i % 2 === 0 ? Decimal.fromInt(i) : undefined)
    }
    expect(held.held).toBe(0)
    expect(held.heldIds()).toEqual([])
    // The arrays kept at most a compaction's worth of entries (cut as the compactions found them oversized).
    expect(held.footprint).toBeLessThanOrEqual(2 * 1_025)
    // Entries added into the kept room after the compactions: found, in order, nothing stale among them.
    for (let i = 10_000; i < 12_000; i++) held.add(`b-${i}`, Decimal.fromInt(i))
    expect(held.heldIds()).toEqual(Array.from({ length: 2_000 }, (_, k) => `b-${10_000 + k}`))
    for (let i = 10_000; i < 12_000; i++) {
      expect(held.take(`b-${i}`)).toBe(i)
      expect(held.takenArrival).toEqual(Decimal.fromInt(i))
    }
    expect(held.take("b-0")).toBe(-1)
    expect(held.held).toBe(0)
  })
})

describe("engine memory", () => {
  const tradesDay = (strategy: Record<string, unknown>) =>
    decode({
      name: "memory",
      data: { catalog: SAMPLE_CATALOG, from: "2024-08-08T00:00:00Z", to: "2024-08-09T00:00:00Z", kinds: ["trades"] },
      venues: [{ venue: "BINANCE-FUTURES", latencyMs: 2, balances: { USDT: "100000000" }, instruments: [{ instrument: BTC }] }],
      strategy: { type: "trade-driven", instrument: BTC, quantity: "0.001", side: "alternate", ...strategy }
    })

  it(
    "without result tables, keeps no more entries per order than about twice the OMS's retention bound, over a run of many more orders",
    async () => {
      let max = 0
      const engine = await replay(tradesDay({}), false, (n) => (max = Math.max(max, n)))
      const orders = engine.summary.figures().orderCount
      expect(orders).toBeGreaterThan(20_000)
      expect(max).toBeGreaterThan(0)
      expect(max).toBeLessThanOrEqual(2 * (RETAINED_FINISHED + 64))
      expect(engine.rows).toBeUndefined()
      // The OMS itself holds only its retained finished orders and the working ones.
      expect(engine.held.held).toBe(0)
    },
    TIMEOUT
  )

  it(
    "without result tables, orders resting for the whole run (out of creation order) keep it bounded by what the OMS holds",
    async () => {
      let max = 0
      const engine = await replay(
        tradesDay({ orderType: "LIMIT", timeInForce: "GTC", limitOffsetTicks: 3, every: 2 }),
        false,
        (n) => (max = Math.max(max, n))
      )
      const figures = engine.summary.figures()
      const resting = figures.ordersByStatus["ACCEPTED"] ?? 0
      expect(resting).toBeGreaterThan(100)
      expect(figures.orderCount).toBeGreaterThan(4 * (RETAINED_FINISHED + resting))
      // The queue of held orders (up to twice the held ones, plus 1,024) and its index by id (the held ones).
      expect(max).toBeLessThanOrEqual(3 * (RETAINED_FINISHED + resting) + 1_024)
    },
    TIMEOUT
  )

  it(
    "with result tables, keeps one row per order and per fill, in compact columns",
    async () => {
      const engine = await replay(tradesDay({ every: 4 }), true)
      const figures = engine.summary.figures()
      expect(engine.rows!.orders.size).toBe(figures.orderCount)
      expect(engine.rows!.fills.size).toBe(figures.fillCount)
      const rows = tables(engine)[0]!.table().rows
      expect(rows.map((r) => r[0])).toEqual(Array.from({ length: figures.orderCount }, (_, i) => `trade-driven-${i + 1}`))
    },
    TIMEOUT
  )
})
