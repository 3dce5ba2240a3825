/**
 * Bybit's order-book history files (v5 `orderbook.<depth>` websocket schema, one JSON
 * message per line): `snapshot` replaces the book, `delta` updates levels (size "0"
 * deletes). Event time is `ts` (ms, present on every message; `cts`, the matching
 * engine's time, is missing from older files). The files carry no receive time, so
 * `tsRecv` is 0. Bybit publishes 500-level books only for derivatives, so a symbol is
 * looked up as the venue's perpetual. Update ids `u` must run on by one between deltas;
 * a snapshot resets the sequence (Bybit re-sends one after a service restart).
 */
import { ASK, BID, F_CLEAR, F_LAST, F_SNAPSHOT } from "../../MarketEvent.js"
import * as Timestamp from "../../Timestamp.js"
import type { InstrumentRows } from "./rows.js"
import { backwards, type LineParser, type ParseContext, type ParsedData, reject, RowsByInstrument } from "./types.js"

/** Whether the first line looks like this format. */
export const detect = (firstLine: string): boolean => /^\{"topic":"orderbook\.\d+\./.test(firstLine)

type Levels = ReadonlyArray<readonly [string, string]>
const isLevels = (u: unknown): u is Levels =>
  Array.isArray(u) && u.every((l) => Array.isArray(l) && l.length === 2 && typeof l[0] === "string" && typeof l[1] === "string")

/** A parser for one history file. */
export const parser = (ctx: ParseContext): LineParser => {
  const byInstrument = new RowsByInstrument()
  const lastU = new Map<string, number>()
  const counts = { lines: 0, snapshots: 0, deltas: 0, levelUpdates: 0, snapshotLevels: 0 }
  return {
    line(text, row) {
      if (text === "") return
      counts.lines++
      let msg: Record<string, unknown>
      try {
        msg = JSON.parse(text) as Record<string, unknown>
      } catch {
        return reject(ctx, row, "the line is not valid JSON", false)
      }
      const data = msg.data as Record<string, unknown> | undefined
      if (typeof msg.topic !== "string" || !msg.topic.startsWith("orderbook.") || typeof data !== "object" || data === null) {
        return reject(ctx, row, "not an orderbook message", false)
      }
      const { s, b, a, u } = data
      const ts = msg.ts
      if (typeof s !== "string" || !isLevels(b) || !isLevels(a) || typeof u !== "number" || !Number.isSafeInteger(u)) {
        return reject(ctx, row, "orderbook data without s, u, or [price, size] lists", false)
      }
      if (typeof ts !== "number" || !Number.isSafeInteger(ts)) return reject(ctx, row, "missing ts (ms)", false)
      const rows: InstrumentRows = byInstrument.get({ _tag: "VenueSymbol", venue: "BYBIT", venueSymbol: s, type: "PERPETUAL" })
      const book = rows.book
      const at = Timestamp.fromMillis(ts)
      const back = backwards(book.lastTs, at, "book")
      if (back !== undefined) return reject(ctx, row, back, false)
      const snapshot = msg.type === "snapshot"
      if (!snapshot && msg.type !== "delta") return reject(ctx, row, `unknown message type ${JSON.stringify(msg.type)}`, false)
      if (!snapshot) {
        const prev = lastU.get(s)
        if (prev === undefined) return reject(ctx, row, "book sync: a delta before any snapshot", false)
        if (u !== prev + 1) return reject(ctx, row, `book sync: update id ${u} does not follow ${prev} (a gap)`, false)
      }
      lastU.set(s, u)
      const first = book.length
      const flags = snapshot ? F_SNAPSHOT : 0
      for (const [levels, side] of [[b, BID], [a, ASK]] as const) {
        for (const [p, q] of levels) {
          const problem = book.add(row, at, 0n, BigInt(u), flags, side, p, q)
          if (problem !== undefined) return reject(ctx, row, `level [${p}, ${q}]: ${problem}`, false)
        }
      }
      if (book.length > first) {
        if (snapshot) book.flags[first]! |= F_CLEAR
        book.flagLast(F_LAST)
      } else if (snapshot) book.addEmptySnapshot(row, at, 0n, BigInt(u))
      if (snapshot) {
        counts.snapshots++
        counts.snapshotLevels += b.length + a.length
      } else {
        counts.deltas++
        counts.levelUpdates += b.length + a.length
      }
    },
    finish(): ParsedData {
      return { _tag: "Data", instruments: byInstrument.entries(), notes: [], counts }
    }
  }
}
