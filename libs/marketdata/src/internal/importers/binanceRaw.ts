/**
 * Binance USD-M raw websocket recordings as hftbacktest's collector writes them: one
 * message per line, `<local receive ns> <json>`. Stream messages are
 * `{"stream","data"}`; the REST depth snapshot is a bare `{"lastUpdateId","E","T","bids","asks"}`.
 *
 * Mapping: `trade` -> trades (`m` true means the buyer was the maker, so the taker
 * sold), `bookTicker` -> quotes, depth snapshot and `depthUpdate` diffs -> book rows.
 * Event time (`ts`) is the exchange's transaction time `T` for every message (the match
 * time, the same clock for all three streams); the line prefix becomes `tsRecv`. The
 * recorder's clock ran about 1.27 s behind the exchange (SOURCES.md), so `tsRecv` is
 * earlier than `ts` in these files: replay by `ts`.
 *
 * Book sync (Binance's rules for USD-M): diffs are held until the snapshot; diffs with
 * `u` < `lastUpdateId` are dropped (reported in the notes); the first diff applied must
 * have `U` <= `lastUpdateId` <= `u`; every later diff's `pu` must equal the previous `u`.
 * A break of these rules fails the import (the book could not be rebuilt).
 */
import { ASK, BID, BUY, F_CLEAR, F_LAST, F_SNAPSHOT, SELL } from "../../MarketEvent.js"
import * as Timestamp from "../../Timestamp.js"
import { backwards, type LineParser, type ParseContext, type ParsedData, reject, RowsByInstrument } from "./types.js"
import type { InstrumentRows } from "./rows.js"

/** Whether the first line looks like this format. */
export const detect = (firstLine: string): boolean => /^\d{16,20} \{"(stream|lastUpdateId)"/.test(firstLine)

type Levels = ReadonlyArray<readonly [string, string]>

interface Diff {
  readonly row: number
  readonly ts: bigint
  readonly tsRecv: bigint
  readonly U: number
  readonly u: number
  readonly pu: number
  readonly b: Levels
  readonly a: Levels
}

const isLevels = (u: unknown): u is Levels =>
  Array.isArray(u) && u.every((l) => Array.isArray(l) && l.length === 2 && typeof l[0] === "string" && typeof l[1] === "string")

const isInt = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u)

/** A parser for one recording (one or more symbols; the snapshot must be unambiguous). */
export const parser = (ctx: ParseContext): LineParser => {
  const byInstrument = new RowsByInstrument()
  const rowsOf = (symbol: string): InstrumentRows =>
    byInstrument.get({ _tag: "VenueSymbol", venue: "BINANCE-FUTURES", venueSymbol: symbol, type: "PERPETUAL" })
  const symbols = new Set<string>()
  const counts = {
    lines: 0,
    depthUpdates: 0,
    levelUpdates: 0,
    snapshotLevels: 0,
    bookTickers: 0,
    trades: 0,
    buys: 0,
    sells: 0,
    droppedDiffs: 0,
    appliedDiffs: 0,
    tradeIdGaps: 0,
    nonMarketTrades: 0
  }
  const pending: Array<Diff> = []
  let lastUpdateId: number | undefined
  let synced = false
  let prevU = 0
  let snapshotSymbol: string | undefined
  let lastTradeId: number | undefined

  const emitLevels = (book: InstrumentRows["book"], d: { row: number; ts: bigint; tsRecv: bigint }, seq: number, levels: Levels, side: 1 | -1, flags: number): boolean => {
    for (const [p, q] of levels) {
      const problem = book.add(d.row, d.ts, d.tsRecv, BigInt(seq), flags, side, p, q)
      if (problem !== undefined) {
        reject(ctx, d.row, `depth level [${p}, ${q}]: ${problem}`, false)
        return false
      }
    }
    return true
  }

  const applyDiff = (d: Diff): void => {
    if (lastUpdateId === undefined || snapshotSymbol === undefined) return
    if (!synced) {
      if (d.u < lastUpdateId) {
        counts.droppedDiffs++
        return
      }
      if (!(d.U <= lastUpdateId && lastUpdateId <= d.u)) {
        reject(ctx, d.row, `book sync: the first diff after the snapshot has U=${d.U}, u=${d.u}, which does not cover lastUpdateId ${lastUpdateId}`, false)
        synced = true
        prevU = d.u
        return
      }
      synced = true
    } else if (d.pu !== prevU) {
      reject(ctx, d.row, `book sync: diff pu=${d.pu} does not follow the previous u=${prevU} (a gap in the depth stream)`, false)
    }
    prevU = d.u
    counts.appliedDiffs++
    const book = rowsOf(snapshotSymbol).book
    const back = backwards(book.lastTs, d.ts, "book")
    if (back !== undefined) return reject(ctx, d.row, back, false)
    if (emitLevels(book, d, d.u, d.b, BID, 0) && emitLevels(book, d, d.u, d.a, ASK, 0)) {
      if (d.b.length + d.a.length > 0) book.flagLast(F_LAST)
    }
  }

  return {
    line(text, row) {
      if (text === "") return
      counts.lines++
      const sp = text.indexOf(" ")
      const prefix = sp > 0 ? text.slice(0, sp) : ""
      if (!/^\d{1,19}$/.test(prefix)) return reject(ctx, row, "line does not start with a local receive time in ns", false)
      const tsRecv = BigInt(prefix)
      let msg: Record<string, unknown>
      try {
        msg = JSON.parse(text.slice(sp + 1)) as Record<string, unknown>
      } catch {
        return reject(ctx, row, "the message is not valid JSON", false)
      }
      if (typeof msg.stream !== "string") {
        // The REST depth snapshot.
        const { lastUpdateId: L, T, bids, asks } = msg
        if (!isInt(L) || !isInt(T) || !isLevels(bids) || !isLevels(asks)) {
          return reject(ctx, row, "unknown message: neither a stream message nor a depth snapshot", false)
        }
        if (lastUpdateId !== undefined) return reject(ctx, row, "a second depth snapshot (only one per recording is supported)", false)
        if (symbols.size > 1) return reject(ctx, row, `the snapshot names no symbol and the file holds several (${[...symbols].join(", ")})`, false)
        snapshotSymbol = [...symbols][0]
        if (snapshotSymbol === undefined) return reject(ctx, row, "a depth snapshot before any stream message names the symbol", false)
        lastUpdateId = L
        const book = rowsOf(snapshotSymbol).book
        const at = { row, ts: Timestamp.fromMillis(T), tsRecv }
        const first = book.length
        if (!emitLevels(book, at, L, bids, BID, F_SNAPSHOT) || !emitLevels(book, at, L, asks, ASK, F_SNAPSHOT)) return
        if (book.length > first) {
          book.flags[first]! |= F_CLEAR
          book.flagLast(F_LAST)
        } else book.addEmptySnapshot(row, at.ts, tsRecv, BigInt(L))
        counts.snapshotLevels += bids.length + asks.length
        for (const d of pending.splice(0)) applyDiff(d)
        return
      }
      const data = msg.data as Record<string, unknown> | undefined
      const stream = msg.stream
      const at = stream.indexOf("@")
      const symbol = stream.slice(0, at).toUpperCase()
      if (typeof data !== "object" || data === null || at <= 0) return reject(ctx, row, `stream message ${JSON.stringify(stream)} has no data`, false)
      if (data.s !== symbol) return reject(ctx, row, `data.s ${JSON.stringify(data.s)} does not match stream ${stream}`, false)
      symbols.add(symbol)
      const T = data.T
      if (!isInt(T)) return reject(ctx, row, "missing transaction time T", data.e !== "depthUpdate")
      const ts = Timestamp.fromMillis(T)
      switch (data.e) {
        case "trade": {
          const rows = rowsOf(symbol).trades
          const back = backwards(rows.lastTs, ts, "trade")
          if (back !== undefined) return reject(ctx, row, back)
          if (typeof data.m !== "boolean" || !isInt(data.t)) return reject(ctx, row, "trade without boolean m or integer t")
          const aggressor = data.m ? SELL : BUY
          const problem = rows.add(row, ts, tsRecv, data.p as string, data.q as string, aggressor, String(data.t))
          if (problem !== undefined) return reject(ctx, row, problem)
          if (lastTradeId !== undefined && data.t !== lastTradeId + 1) counts.tradeIdGaps++
          lastTradeId = data.t
          if (data.X !== "MARKET") counts.nonMarketTrades++
          counts.trades++
          if (aggressor === BUY) counts.buys++
          else counts.sells++
          return
        }
        case "bookTicker": {
          const rows = rowsOf(symbol).quotes
          const back = backwards(rows.lastTs, ts, "quote")
          if (back !== undefined) return reject(ctx, row, back)
          const problem = rows.add(row, ts, tsRecv, data.b as string, data.B as string, data.a as string, data.A as string)
          if (problem !== undefined) return reject(ctx, row, problem)
          counts.bookTickers++
          return
        }
        case "depthUpdate": {
          const { U, u, pu, b, a } = data
          if (!isInt(U) || !isInt(u) || !isLevels(b) || !isLevels(a)) return reject(ctx, row, "depthUpdate without integer U/u or [price, qty] lists", false)
          if (!isInt(pu)) return reject(ctx, row, "depthUpdate without pu: not a USD-M futures feed (spot depth sync is not supported)", false)
          counts.depthUpdates++
          counts.levelUpdates += b.length + a.length
          const d: Diff = { row, ts, tsRecv, U, u, pu, b, a }
          if (lastUpdateId === undefined) pending.push(d)
          else if (symbol !== snapshotSymbol) reject(ctx, row, `depth of ${symbol} but the snapshot is of ${snapshotSymbol}`, false)
          else applyDiff(d)
          return
        }
        default:
          return reject(ctx, row, `unknown event type ${JSON.stringify(data.e)}`, false)
      }
    },
    finish(): ParsedData {
      if (pending.length > 0) {
        ctx.problems.add(pending[0]!.row, `book sync: ${pending.length} depth diffs but no depth snapshot, so the book cannot be rebuilt`)
      }
      const notes: Array<string> = []
      if (counts.droppedDiffs > 0) {
        notes.push(`dropped ${counts.droppedDiffs} depth diffs older than the snapshot (u < lastUpdateId, Binance sync rule 1)`)
      }
      if (counts.tradeIdGaps > 0) notes.push(`${counts.tradeIdGaps} gaps in trade ids`)
      return { _tag: "Data", instruments: byInstrument.entries(), notes, counts }
    }
  }
}
