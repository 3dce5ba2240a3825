/**
 * Instrument definitions from four sources: ccxt's unified markets (binance.json),
 * Bybit's v2 `/v2/public/symbols` and Deribit's `public/get_instruments` as cryptofeed
 * records them (`<url> -> <ts>: <json>` lines), and QuantConnect LEAN's
 * symbol-properties table (CSV). Each becomes `InstrumentDefinition`s with canonical
 * ids; entries that have no canonical id are counted in the notes, never dropped
 * silently.
 */
import { Ccxt, Deribit, InstrumentId, InstrumentKey } from "@odum/instrument-id"
import * as Either from "effect/Either"
import type { InstrumentDefinition } from "../../Instrument.js"
import { minimalScales } from "../../Instrument.js"
import { normalizeDecimalText, numberToDecimalText } from "../units.js"
import { type LineParser, type ParseContext, type ParsedDefinitions, reject } from "./types.js"

type Key = InstrumentKey.InstrumentKey

const text = (v: unknown): string | undefined =>
  typeof v === "number" ? numberToDecimalText(v) : typeof v === "string" ? normalizeDecimalText(v) : undefined

/** Required decimal fields of a definition, already normalised. */
interface Core {
  readonly key: Key
  readonly venueSymbol: string
  readonly tickSize: string
  readonly lotSize: string
  readonly contractSize: string
  readonly sizeUnit: InstrumentDefinition["sizeUnit"]
}

type Extras = {
  readonly [K in "minSize" | "minNotional" | "makerFee" | "takerFee" | "expiry" | "strike" | "optionRight"]?: InstrumentDefinition[K] | undefined
}

const positive = (s: string | undefined): s is string => s !== undefined && !s.startsWith("-") && /[1-9]/.test(s)

/** Builds a definition; undefined when a size field is not a positive decimal. */
const define = (core: Core, extras: Extras, source: string): InstrumentDefinition | string => {
  if (!positive(core.tickSize)) return `tick size ${core.tickSize} is not a positive decimal`
  if (!positive(core.lotSize)) return `lot size ${core.lotSize} is not a positive decimal`
  if (!positive(core.contractSize)) return `contract size ${core.contractSize} is not a positive decimal`
  const settle = InstrumentKey.settlementCurrency(core.key)
  const clean = Object.fromEntries(Object.entries(extras).filter(([, v]) => v !== undefined)) as Partial<InstrumentDefinition>
  const base = {
    id: InstrumentId.format(core.key) as InstrumentDefinition["id"],
    venueSymbol: core.venueSymbol,
    base: core.key.base,
    quote: core.key.quote,
    ...(settle === undefined ? {} : { settle }),
    tickSize: core.tickSize,
    lotSize: core.lotSize,
    contractSize: core.contractSize,
    sizeUnit: core.sizeUnit,
    ...clean,
    sources: [source]
  }
  return { ...base, ...minimalScales(base) }
}

const iso = (ms: unknown): string | undefined =>
  typeof ms === "number" && Number.isSafeInteger(ms) ? new Date(ms).toISOString() : undefined

/** Collects definitions and counts what was left out and why. */
class Collector {
  readonly definitions: Array<InstrumentDefinition> = []
  readonly left = new Map<string, number>()
  constructor(
    readonly ctx: ParseContext,
    readonly only: ReadonlySet<string> | undefined
  ) {}
  leave(why: string): void {
    this.left.set(why, (this.left.get(why) ?? 0) + 1)
  }
  add(row: number, d: InstrumentDefinition | string): void {
    if (typeof d === "string") return reject(this.ctx, row, d)
    if (this.only !== undefined && !this.only.has(d.id)) return this.leave("not in the requested instruments")
    this.definitions.push(d)
  }
  finish(counts: Record<string, number>): ParsedDefinitions {
    const notes = [...this.left].map(([why, n]) => `left out ${n} entries: ${why}`)
    return { _tag: "Definitions", definitions: this.definitions, notes, counts: { ...counts, definitions: this.definitions.length } }
  }
}

// ---------------------------------------------------------------------------------------
// ccxt unified markets
// ---------------------------------------------------------------------------------------

interface CcxtMarketJson {
  readonly id?: unknown
  readonly symbol?: unknown
  readonly type?: unknown
  readonly inverse?: unknown
  readonly contractSize?: unknown
  readonly precision?: { readonly price?: unknown; readonly amount?: unknown }
  readonly limits?: { readonly amount?: { readonly min?: unknown }; readonly cost?: { readonly min?: unknown } }
  readonly maker?: unknown
  readonly taker?: unknown
  readonly expiry?: unknown
  readonly strike?: unknown
  readonly optionType?: unknown
  readonly info?: { readonly filters?: ReadonlyArray<Record<string, unknown>> }
}

/** Whether a parsed JSON document is a ccxt markets map (symbol -> market). */
export const isCcxtMarkets = (doc: unknown): doc is Record<string, CcxtMarketJson> =>
  typeof doc === "object" &&
  doc !== null &&
  !Array.isArray(doc) &&
  Object.values(doc).length > 0 &&
  Object.values(doc).every((m) => typeof m === "object" && m !== null && "symbol" in m && "id" in m && "type" in m)

/**
 * ccxt markets of one exchange. Tick and lot sizes come from the raw exchange filters
 * (`PRICE_FILTER.tickSize`, `LOT_SIZE.stepSize`: ccxt's `precision` disagrees with them
 * on Binance, see SOURCES.md), falling back to `precision` read as decimal places (the
 * mode ccxt's binance used for this snapshot) when a market has no filters.
 */
export const fromCcxtMarkets = (
  exchange: string,
  doc: Record<string, CcxtMarketJson>,
  ctx: ParseContext,
  only?: ReadonlySet<string>
): ParsedDefinitions => {
  const out = new Collector(ctx, only)
  let row = 0
  let fallback = 0
  for (const m of Object.values(doc)) {
    row++
    if (typeof m.symbol !== "string" || typeof m.id !== "string") {
      reject(ctx, row, "market without string id and symbol")
      continue
    }
    const key = Ccxt.fromCcxt(exchange, m.symbol)
    if (Either.isLeft(key)) {
      out.leave(`no canonical id (${key.left.message})`)
      continue
    }
    const filter = (type: string) => m.info?.filters?.find((f) => f.filterType === type)
    const places = (p: unknown) => (typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 18 ? (p === 0 ? "1" : `0.${"0".repeat(p - 1)}1`) : undefined)
    let tickSize = text(filter("PRICE_FILTER")?.tickSize)
    let lotSize = text(filter("LOT_SIZE")?.stepSize)
    const fromFilters = tickSize !== undefined && lotSize !== undefined
    tickSize ??= places(m.precision?.price)
    lotSize ??= places(m.precision?.amount)
    if (tickSize === undefined || lotSize === undefined) {
      // ccxt's static files hold stubs (symbol and type only); they cannot be traded or replayed.
      out.leave("stubs without tick or lot size (no exchange filters, no precision)")
      continue
    }
    if (!fromFilters) fallback++
    const inverse = m.inverse === true
    const minNotional = text(filter("MIN_NOTIONAL")?.notional ?? filter("MIN_NOTIONAL")?.minNotional ?? filter("NOTIONAL")?.minNotional)
    const right = m.optionType === "call" ? "C" : m.optionType === "put" ? "P" : undefined
    out.add(
      row,
      define(
        {
          key: key.right,
          venueSymbol: m.id,
          tickSize,
          lotSize,
          contractSize: text(m.contractSize) ?? "1",
          sizeUnit: inverse ? "contracts" : "base"
        },
        {
          minSize: text(filter("LOT_SIZE")?.minQty ?? m.limits?.amount?.min),
          minNotional: minNotional ?? text(m.limits?.cost?.min),
          makerFee: text(m.maker),
          takerFee: text(m.taker),
          expiry: iso(m.expiry),
          strike: text(m.strike),
          optionRight: right
        },
        ctx.source
      )
    )
  }
  const result = out.finish({ markets: row })
  return fallback > 0
    ? { ...result, notes: [...result.notes, `${fallback} markets had no exchange filters: tick/lot from ccxt precision (decimal places)`] }
    : result
}

// ---------------------------------------------------------------------------------------
// cryptofeed REST recordings
// ---------------------------------------------------------------------------------------

const RECORDED = /^(https:\/\/\S+) -> (\d+(?:\.\d+)?): (.*)$/

/** The URL of a cryptofeed REST recording's first line, if it is one. */
export const recordedUrl = (firstLine: string): string | undefined => RECORDED.exec(firstLine)?.[1]

/** Parses the `<url> -> <ts>: <json>` lines (the trailing `configuration:` line is ignored). */
const recorded = (
  ctx: ParseContext,
  each: (url: string, body: unknown, row: number) => void,
  finish: () => ParsedDefinitions
): LineParser => ({
  line(line, row) {
    if (line === "" || line.startsWith("configuration:")) return
    const m = RECORDED.exec(line)
    if (m === null) return reject(ctx, row, "not a `<url> -> <ts>: <json>` line", false)
    let body: unknown
    try {
      body = JSON.parse(m[3]!)
    } catch {
      return reject(ctx, row, "the response is not valid JSON", false)
    }
    each(m[1]!, body, row)
  },
  finish
})

/**
 * Bybit v2 symbols: `BTCUSDT` (quote USDT) is the linear perpetual, `BTCUSD` (quote USD)
 * the inverse one, sized in USD contracts. Dated inverse futures (`BTCUSDU21`) are left
 * out: the v2 listing does not give their expiry date.
 */
export const bybitV2 = (ctx: ParseContext, only?: ReadonlySet<string>): LineParser => {
  const out = new Collector(ctx, only)
  let symbols = 0
  return recorded(
    ctx,
    (url, body, row) => {
      const list = (body as { result?: unknown }).result
      if (!url.includes("/v2/public/symbols") || !Array.isArray(list)) return reject(ctx, row, `not a Bybit v2 symbols response (${url})`, false)
      for (const s of list as Array<Record<string, unknown>>) {
        symbols++
        const name = s.name
        const base = s.base_currency
        const quote = s.quote_currency
        if (typeof name !== "string" || typeof base !== "string" || typeof quote !== "string") {
          reject(ctx, row, "symbol without name, base_currency or quote_currency")
          continue
        }
        if (name !== base + quote) {
          out.leave("dated futures: the v2 listing gives no expiry date")
          continue
        }
        const inverse = quote === "USD"
        const keyE = InstrumentKey.make({ venue: "BYBIT", type: "PERPETUAL", base, quote, ...(inverse ? { qualifier: "INV" as const } : {}) })
        if (Either.isLeft(keyE)) {
          out.leave(`no canonical id (${keyE.left.message})`)
          continue
        }
        const pf = s.price_filter as Record<string, unknown> | undefined
        const lf = s.lot_size_filter as Record<string, unknown> | undefined
        out.add(
          row,
          define(
            {
              key: keyE.right,
              venueSymbol: name,
              tickSize: text(pf?.tick_size) ?? "",
              lotSize: text(lf?.qty_step) ?? "",
              contractSize: "1",
              sizeUnit: inverse ? "quote" : "base"
            },
            { minSize: text(lf?.min_trading_qty), makerFee: text(s.maker_fee), takerFee: text(s.taker_fee) },
            ctx.source
          )
        )
      }
    },
    () => out.finish({ symbols })
  )
}

/**
 * Deribit `public/get_instruments`: options, futures and perpetuals. Amounts step by
 * `min_trade_amount`; inverse (USD-quoted) futures and perpetuals are sized in USD,
 * options and linear (USDC) contracts in the base coin.
 */
export const deribitInstruments = (ctx: ParseContext, only?: ReadonlySet<string>): LineParser => {
  const out = new Collector(ctx, only)
  let instruments = 0
  return recorded(
    ctx,
    (url, body, row) => {
      const list = (body as { result?: unknown }).result
      if (!url.includes("get_instruments") || !Array.isArray(list)) return reject(ctx, row, `not a Deribit get_instruments response (${url})`, false)
      for (const i of list as Array<Record<string, unknown>>) {
        instruments++
        const name = i.instrument_name
        if (typeof name !== "string") {
          reject(ctx, row, "instrument without instrument_name")
          continue
        }
        const key = Deribit.fromDeribit(name)
        if (Either.isLeft(key)) {
          out.leave(`no canonical id (${key.left.message})`)
          continue
        }
        const k = key.right
        const inverse = k.qualifier === "INV"
        const lot = text(i.min_trade_amount) ?? ""
        out.add(
          row,
          define(
            {
              key: k,
              venueSymbol: name,
              tickSize: text(i.tick_size) ?? "",
              lotSize: lot,
              contractSize: text(i.contract_size) ?? "",
              sizeUnit: inverse ? "quote" : "base"
            },
            {
              minSize: lot,
              makerFee: text(i.maker_commission),
              takerFee: text(i.taker_commission),
              expiry: k.type === "PERPETUAL" ? undefined : iso(i.expiration_timestamp),
              strike: k.type === "OPTION" ? text(i.strike) : undefined,
              optionRight: k.right
            },
            ctx.source
          )
        )
      }
    },
    () => out.finish({ instruments })
  )
}

// ---------------------------------------------------------------------------------------
// QuantConnect LEAN symbol properties
// ---------------------------------------------------------------------------------------

/** The LEAN table's header. */
export const LEAN_HEADER =
  "market,symbol,type,description,quote_currency,contract_multiplier,minimum_price_variation,lot_size,market_ticker,minimum_order_size,price_magnifier,strike_multiplier"

const LINEAR_QUOTES = new Set(["USDT", "USDC", "BUSD", "FDUSD", "USD1"])

/**
 * LEAN's table (no fees). Only Binance and Bybit crypto rows have catalog venues; other
 * markets are counted and left out. Binance spot `minimum_order_size` is a notional in
 * the quote currency, elsewhere a base quantity (SOURCES.md).
 */
export const lean = (ctx: ParseContext, only?: ReadonlySet<string>): LineParser => {
  const out = new Collector(ctx, only)
  let rows = 0
  let header = false
  return {
    line(line, row) {
      if (!header) {
        if (line.trim() !== LEAN_HEADER) return reject(ctx, row, `header is not LEAN's: ${JSON.stringify(line)}`, false)
        header = true
        return
      }
      if (line.trim() === "" || line.startsWith("#")) return
      rows++
      const f = line.split(",")
      if (f.length < 8 || f.length > 12) return reject(ctx, row, `expected 8 to 12 fields, found ${f.length}`)
      const [market, symbol, type, , quote, multiplier, tick, lot, ticker, minOrder] = f as [string, string, string, string, string, string, string, string, string?, string?]
      if ((market !== "binance" && market !== "bybit") || (type !== "crypto" && type !== "cryptofuture")) {
        return out.leave("markets or types with no catalog venue")
      }
      if (!symbol.endsWith(quote) || symbol.length === quote.length) return out.leave("symbol does not end with its quote currency")
      const base = symbol.slice(0, symbol.length - quote.length)
      const spot = type === "crypto"
      const linear = LINEAR_QUOTES.has(quote)
      if (!spot && !linear && quote !== "USD") return out.leave("futures settled in neither base nor a stablecoin")
      const venue = market === "bybit" ? "BYBIT" : spot ? "BINANCE-SPOT" : linear ? "BINANCE-FUTURES" : "BINANCE-COINM"
      const keyE = InstrumentKey.make({
        venue,
        type: spot ? "SPOT_PAIR" : "PERPETUAL",
        base,
        quote,
        ...(!spot && !linear ? { qualifier: "INV" as const } : {})
      })
      if (Either.isLeft(keyE)) return out.leave(`no canonical id (${keyE.left.message})`)
      const minimum = minOrder === undefined || minOrder === "" ? undefined : normalizeDecimalText(minOrder)
      const notional = market === "binance" && spot
      out.add(
        row,
        define(
          {
            key: keyE.right,
            venueSymbol: ticker !== undefined && ticker !== "" ? ticker : symbol,
            tickSize: normalizeDecimalText(tick) ?? tick,
            lotSize: normalizeDecimalText(lot) ?? lot,
            contractSize: normalizeDecimalText(multiplier) ?? multiplier,
            sizeUnit: spot || linear ? "base" : venue === "BYBIT" ? "quote" : "contracts"
          },
          notional ? { minNotional: minimum } : { minSize: minimum },
          ctx.source
        )
      )
    },
    finish: () => out.finish({ rows })
  }
}
