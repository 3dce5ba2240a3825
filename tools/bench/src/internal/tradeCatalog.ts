import { NodeContext } from "@effect/platform-node"
import { Catalog, type EventBatch, type MergedCursor, Timestamp } from "@odum/marketdata"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { fileURLToPath } from "node:url"
import { replicate } from "./replicate.js"

/** The bundled sample catalog and the instrument whose trades the backtest benchmarks replay. */
export const SAMPLE = fileURLToPath(new URL("../../../../data/sample-catalog", import.meta.url))
export const INSTRUMENT = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"

const catalogLayer = (root: string) =>
  Catalog.layer({ root }).pipe(Layer.provide(Storage.layerLocal({ root })), Layer.provide(NodeContext.layer))

/** Runs `f` with the catalog at `root` (a local directory). */
export const withCatalog = <A, E>(root: string, f: (c: Catalog.CatalogService) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.flatMap(Catalog.Catalog, f).pipe(Effect.provide(catalogLayer(root))))

/** All rows of the cursor as one batch (the sample day is one row group). */
const readAll = async (cursor: MergedCursor.MergedCursor): Promise<EventBatch.TradeBatch> => {
  const parts: Array<EventBatch.TradeBatch> = []
  for (;;) {
    while (cursor.next()) if (parts[parts.length - 1] !== cursor.batch) parts.push(cursor.batch as EventBatch.TradeBatch)
    if (cursor.done) break
    await cursor.load()
  }
  if (parts.length !== 1) throw new Error(`expected the sample day in one row group, got ${parts.length}`)
  return parts[0]!
}

/** A catalog of replicated real trades, as the backtest benchmarks replay it. */
export interface TradeCatalog {
  /** Trades in the original recording (21,313). */
  readonly realLength: number
  readonly copies: number
  /** Every trade written, in time order. */
  readonly replay: EventBatch.TradeBatch
  /** The range covering all of them: [first ts, last ts + 1). */
  readonly from: bigint
  readonly to: bigint
}

/**
 * Writes a catalog at `root` holding the real Binance USD-M BTCUSDT trades of 2024-08-08 from
 * the sample catalog (the largest real trades file), replayed back to back, each copy shifted
 * in time by the recording's span, until there are at least `minEvents` trades.
 */
export const writeTradeCatalog = async (root: string, minEvents: number): Promise<TradeCatalog> => {
  const { def, real } = await withCatalog(SAMPLE, (catalog) =>
    Effect.gen(function* () {
      const def = yield* catalog.instrument(INSTRUMENT)
      const day = Timestamp.dayStart("2024-08-08")
      const cursor = yield* catalog.cursor({
        instruments: [INSTRUMENT],
        kinds: ["trades"],
        from: day,
        to: day + Timestamp.NS_PER_DAY,
        withRecvTime: true,
        withTradeIds: true
      })
      return { def, real: yield* Effect.promise(() => readAll(cursor)) }
    })
  )
  const copies = Math.ceil(minEvents / real.length)
  const replay = replicate(real, copies)
  await withCatalog(root, (catalog) => Effect.zipRight(catalog.putInstruments([def]), catalog.writeTrades(INSTRUMENT, replay)))
  return { realLength: real.length, copies, replay, from: replay.ts[0]!, to: replay.ts[replay.length - 1]! + 1n }
}

/** The trade-driven benchmark's config: one MARKET order per `every` trades, sides alternating, over [from, to). */
export const tradeDrivenConfig = (root: string, from: bigint, to: bigint, every: number) => ({
  name: "bench-trade-driven",
  data: { catalog: root, from: Timestamp.toIso(from), to: Timestamp.toIso(to), kinds: ["trades"] },
  venues: [{ venue: "BINANCE-FUTURES", balances: { USDT: "100000000" }, instruments: [{ instrument: INSTRUMENT }] }],
  strategy: { type: "trade-driven", instrument: INSTRUMENT, quantity: "0.001", side: "alternate", every },
  equityCurve: { intervalMs: 60_000 }
})
