/**
 * Deribit v2 websocket sessions as cryptofeed records them:
 * `<url> <-> <ts>` (connect), `<url> <- <ts>: <json>` (sent), `<ts>: <json>` (received),
 * where `<ts>` is the local time in seconds with a fraction (becomes `tsRecv`, exactly).
 *
 * Mapping: `ticker.<name>.*` -> quotes (best bid/ask price and amount; an empty side is
 * 0/0), `book.<name>.*` -> book rows (`snapshot` replaces, `change` updates; actions
 * `new`/`change` set the amount, `delete` removes), `trades.<name>.*` -> trades
 * (`direction` is the taker side). Event time is the message's `timestamp` (ms). Names
 * become canonical ids through @odum/instrument-id. Book changes must chain
 * (`prev_change_id` = the previous `change_id`). Prices are what Deribit sends: option
 * prices are in the coin (BTC, ETH), not USD. JSON numbers become their shortest exact
 * decimal text.
 */
import { Deribit, InstrumentId } from "@odum/instrument-id"
import * as Either from "effect/Either"
import { ASK, BID, BUY, F_CLEAR, F_LAST, F_SNAPSHOT, SELL } from "../../MarketEvent.js"
import * as Timestamp from "../../Timestamp.js"
import { backwards, type LineParser, type ParseContext, type ParsedData, reject, RowsByInstrument } from "./types.js"

/** Whether the first line looks like this format. */
export const detect = (firstLine: string): boolean => /^wss:\/\/[^ ]*deribit[^ ]* <->? \d+(\.\d+)?/.test(firstLine)

const RECEIVED = /^(\d+(?:\.\d+)?): (.*)$/
const SENT = /^wss:\/\/\S+ <- (\d+(?:\.\d+)?): /
const CONNECT = /^wss:\/\/\S+ <-> (\d+(?:\.\d+)?)$/

type Level = readonly [string, number, number]
const isLevels = (u: unknown): u is ReadonlyArray<Level> =>
  Array.isArray(u) &&
  u.every((l) => Array.isArray(l) && l.length === 3 && typeof l[0] === "string" && typeof l[1] === "number" && typeof l[2] === "number")

/** A parser for one recording. */
export const parser = (ctx: ParseContext): LineParser => {
  const byInstrument = new RowsByInstrument()
  const lastChange = new Map<string, bigint>()
  const ids = new Map<string, string | undefined>()
  const counts = { lines: 0, connects: 0, sent: 0, responses: 0, tickers: 0, bookSnapshots: 0, bookChanges: 0, trades: 0 }
  const idOf = (name: string): string | undefined => {
    if (!ids.has(name)) {
      const key = Deribit.fromDeribit(name)
      ids.set(name, Either.isRight(key) ? InstrumentId.format(key.right) : undefined)
    }
    return ids.get(name)
  }
  return {
    line(text, row) {
      if (text === "") return
      counts.lines++
      if (CONNECT.test(text)) {
        counts.connects++
        return
      }
      if (SENT.test(text)) {
        counts.sent++
        return
      }
      const m = RECEIVED.exec(text)
      if (m === null) return reject(ctx, row, "not a connect, sent or received line", false)
      const tsRecv = Timestamp.fromSecondsText(m[1]!)
      if (tsRecv === undefined) return reject(ctx, row, `local time ${m[1]} has more than 9 decimals`, false)
      let msg: Record<string, unknown>
      try {
        msg = JSON.parse(m[2]!) as Record<string, unknown>
      } catch {
        return reject(ctx, row, "the message is not valid JSON", false)
      }
      if (msg.method !== "subscription") {
        if ("result" in msg || "error" in msg) {
          counts.responses++
          return
        }
        return reject(ctx, row, `unknown message ${JSON.stringify(msg.method)}`, false)
      }
      const params = msg.params as { channel?: unknown; data?: unknown } | undefined
      const channel = typeof params?.channel === "string" ? params.channel : ""
      const [topic, name] = channel.split(".")
      if (name === undefined) return reject(ctx, row, `subscription without a channel`, false)
      const id = idOf(name)
      if (id === undefined) return reject(ctx, row, `Deribit instrument ${JSON.stringify(name)} has no canonical id`, topic !== "book")
      const rows = byInstrument.get({ _tag: "Id", id })
      const data = params?.data as Record<string, unknown>
      switch (topic) {
        case "ticker": {
          const t = data.timestamp
          if (typeof t !== "number" || !Number.isSafeInteger(t)) return reject(ctx, row, "ticker without timestamp")
          const ts = Timestamp.fromMillis(t)
          const back = backwards(rows.quotes.lastTs, ts, "quote")
          if (back !== undefined) return reject(ctx, row, back)
          const v = (x: unknown) => (x === null || x === undefined ? 0 : (x as number))
          const problem = rows.quotes.add(
            row,
            ts,
            tsRecv,
            v(data.best_bid_price),
            v(data.best_bid_amount),
            v(data.best_ask_price),
            v(data.best_ask_amount)
          )
          if (problem !== undefined) return reject(ctx, row, problem)
          counts.tickers++
          return
        }
        case "book": {
          const { type, timestamp, change_id, prev_change_id, bids, asks } = data
          if (typeof timestamp !== "number" || typeof change_id !== "number" || !isLevels(bids) || !isLevels(asks)) {
            return reject(ctx, row, "book message without timestamp, change_id or [action, price, amount] lists", false)
          }
          const snapshot = type === "snapshot"
          if (!snapshot && type !== "change") return reject(ctx, row, `unknown book type ${JSON.stringify(type)}`, false)
          const seq = BigInt(change_id)
          if (!snapshot) {
            const prev = lastChange.get(id)
            if (prev === undefined) return reject(ctx, row, `book sync: a change of ${name} before its snapshot`, false)
            if (typeof prev_change_id !== "number" || BigInt(prev_change_id) !== prev) {
              return reject(ctx, row, `book sync: ${name} prev_change_id ${String(prev_change_id)} is not the previous change_id ${prev}`, false)
            }
          }
          lastChange.set(id, seq)
          const ts = Timestamp.fromMillis(timestamp)
          const book = rows.book
          const back = backwards(book.lastTs, ts, "book")
          if (back !== undefined) return reject(ctx, row, back, false)
          const first = book.length
          for (const [levels, side] of [[bids, BID], [asks, ASK]] as const) {
            for (const [action, price, amount] of levels) {
              if (action !== "new" && action !== "change" && action !== "delete") {
                return reject(ctx, row, `unknown level action ${JSON.stringify(action)}`, false)
              }
              if (snapshot && action !== "new") return reject(ctx, row, `snapshot level with action ${action}`, false)
              const problem = book.add(row, ts, tsRecv, seq, snapshot ? F_SNAPSHOT : 0, side, price, action === "delete" ? 0 : amount)
              if (problem !== undefined) return reject(ctx, row, problem, false)
            }
          }
          if (book.length > first) {
            if (snapshot) book.flags[first]! |= F_CLEAR
            book.flagLast(F_LAST)
          } else if (snapshot) book.addEmptySnapshot(row, ts, tsRecv, seq)
          if (snapshot) counts.bookSnapshots++
          else counts.bookChanges++
          return
        }
        case "trades": {
          if (!Array.isArray(data)) return reject(ctx, row, "trades message whose data is not a list")
          for (const t of data as Array<Record<string, unknown>>) {
            const time = t.timestamp
            if (typeof time !== "number" || !Number.isSafeInteger(time)) return reject(ctx, row, "trade without timestamp")
            const ts = Timestamp.fromMillis(time)
            const back = backwards(rows.trades.lastTs, ts, "trade")
            if (back !== undefined) return reject(ctx, row, back)
            const aggressor = t.direction === "buy" ? BUY : t.direction === "sell" ? SELL : undefined
            if (aggressor === undefined) return reject(ctx, row, `trade direction ${JSON.stringify(t.direction)}`)
            const problem = rows.trades.add(row, ts, tsRecv, t.price as number, t.amount as number, aggressor, String(t.trade_id))
            if (problem !== undefined) return reject(ctx, row, problem)
            counts.trades++
          }
          return
        }
        default:
          return reject(ctx, row, `unknown channel ${JSON.stringify(channel)}`, false)
      }
    },
    finish(): ParsedData {
      return { _tag: "Data", instruments: byInstrument.entries(), notes: [], counts }
    }
  }
}
