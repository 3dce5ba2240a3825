/**
 * Tardis.dev normalised CSVs (`trades` and `quotes`). Timestamps are µs since the epoch:
 * `timestamp` (exchange time) becomes `ts`, `local_timestamp` becomes `tsRecv`. Trades'
 * `side` is the taker side (`buy`, `sell`, or `unknown`). The `exchange` column names
 * the venue (Tardis ids such as `binance-futures`); `symbol` is the venue's symbol.
 */
import { BUY, NO_AGGRESSOR, SELL } from "../../MarketEvent.js"
import * as Timestamp from "../../Timestamp.js"
import { backwards, type LineParser, type ParseContext, type ParsedData, reject, RowsByInstrument } from "./types.js"

/** Tardis exchange ids to catalog venues (and the instrument type their symbols name). */
const VENUES: Record<string, { venue: string; type?: string }> = {
  "binance-futures": { venue: "BINANCE-FUTURES" },
  "binance-delivery": { venue: "BINANCE-COINM" },
  binance: { venue: "BINANCE-SPOT", type: "SPOT_PAIR" },
  bybit: { venue: "BYBIT", type: "PERPETUAL" },
  "bybit-spot": { venue: "BYBIT", type: "SPOT_PAIR" },
  deribit: { venue: "DERIBIT" },
  okex: { venue: "OKX", type: "SPOT_PAIR" },
  "okex-swap": { venue: "OKX", type: "PERPETUAL" },
  "okex-futures": { venue: "OKX", type: "FUTURE" }
}

/** Column sets of the two formats; the header must name exactly these (in any order). */
export const TRADES_COLUMNS = ["exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price", "amount"]
/** Quotes columns. */
export const QUOTES_COLUMNS = ["exchange", "symbol", "timestamp", "local_timestamp", "ask_amount", "ask_price", "bid_price", "bid_amount"]

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((x) => b.includes(x))

/** Whether a CSV header line is a Tardis trades or quotes header. */
export const detect = (header: string): "tardis-trades" | "tardis-quotes" | undefined => {
  const cols = header.trim().split(",")
  if (sameSet(cols, TRADES_COLUMNS)) return "tardis-trades"
  if (sameSet(cols, QUOTES_COLUMNS)) return "tardis-quotes"
  return undefined
}

const micros = (text: string | undefined): bigint | undefined =>
  text !== undefined && /^\d{1,17}$/.test(text) ? BigInt(text) * Timestamp.NS_PER_US : undefined

/** A parser for one Tardis CSV of the given kind. */
export const parser = (kind: "trades" | "quotes", ctx: ParseContext): LineParser => {
  const expected = kind === "trades" ? TRADES_COLUMNS : QUOTES_COLUMNS
  const byInstrument = new RowsByInstrument()
  let index: Record<string, number> | undefined
  let rows = 0
  const counts = { rows: 0, buys: 0, sells: 0 }
  return {
    line(text, row) {
      if (index === undefined) {
        const cols = text.trim().split(",")
        const unknown = cols.filter((c) => !expected.includes(c))
        const missing = expected.filter((c) => !cols.includes(c))
        if (unknown.length > 0 || missing.length > 0) {
          ctx.problems.add(
            row,
            `header ${JSON.stringify(text)}: ${unknown.length > 0 ? `unknown columns ${unknown.join(", ")}` : ""}${unknown.length > 0 && missing.length > 0 ? "; " : ""}${missing.length > 0 ? `missing columns ${missing.join(", ")}` : ""}`
          )
          index = {}
          return
        }
        index = Object.fromEntries(cols.map((c, i) => [c, i]))
        return
      }
      if (Object.keys(index).length === 0) return // the header was refused; nothing else can be read
      if (text === "") return
      rows++
      const f = text.split(",")
      if (f.length !== expected.length) {
        reject(ctx, row, `expected ${expected.length} fields, found ${f.length}`)
        return
      }
      const get = (c: string) => f[index![c]!]!
      const venue = VENUES[get("exchange")]
      if (venue === undefined) {
        reject(ctx, row, `unknown Tardis exchange ${JSON.stringify(get("exchange"))}`)
        return
      }
      const ts = micros(get("timestamp"))
      const tsRecv = micros(get("local_timestamp"))
      if (ts === undefined || tsRecv === undefined) {
        reject(ctx, row, `timestamp ${JSON.stringify(get("timestamp"))} / local_timestamp ${JSON.stringify(get("local_timestamp"))} is not an integer of µs`)
        return
      }
      const symbol = get("symbol")
      const ref = { _tag: "VenueSymbol", venue: venue.venue, venueSymbol: symbol, ...(venue.type === undefined ? {} : { type: venue.type }) } as const
      const target = byInstrument.get(ref)
      if (kind === "trades") {
        const back = backwards(target.trades.lastTs, ts, "trade")
        if (back !== undefined) return reject(ctx, row, back)
        const side = get("side")
        const aggressor = side === "buy" ? BUY : side === "sell" ? SELL : side === "unknown" ? NO_AGGRESSOR : undefined
        if (aggressor === undefined) return reject(ctx, row, `side ${JSON.stringify(side)} is not buy, sell or unknown`)
        const id = get("id")
        if (id === "") return reject(ctx, row, "empty trade id")
        const problem = target.trades.add(row, ts, tsRecv, get("price"), get("amount"), aggressor, id)
        if (problem !== undefined) return reject(ctx, row, problem)
        counts.rows++
        if (aggressor === BUY) counts.buys++
        else if (aggressor === SELL) counts.sells++
      } else {
        const back = backwards(target.quotes.lastTs, ts, "quote")
        if (back !== undefined) return reject(ctx, row, back)
        // Tardis leaves a side blank when the book has no level there: store it as 0 / 0.
        const orZero = (s: string) => (s === "" ? "0" : s)
        const bidPrice = get("bid_price")
        const bidSize = get("bid_amount")
        const askPrice = get("ask_price")
        const askSize = get("ask_amount")
        if ((bidPrice === "") !== (bidSize === "") || (askPrice === "") !== (askSize === "")) {
          return reject(ctx, row, "a side has a price without a size (or a size without a price)")
        }
        const problem = target.quotes.add(row, ts, tsRecv, orZero(bidPrice), orZero(bidSize), orZero(askPrice), orZero(askSize))
        if (problem !== undefined) return reject(ctx, row, problem)
        counts.rows++
      }
    },
    finish(): ParsedData {
      if (index === undefined) ctx.problems.add(1, "empty file: no header")
      const c: Record<string, number> = kind === "trades" ? { ...counts, lines: rows } : { rows: counts.rows, lines: rows }
      return { _tag: "Data", instruments: byInstrument.entries(), notes: [], counts: c }
    }
  }
}
