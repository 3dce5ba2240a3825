/**
 * Importers for real venue data into the catalog, with format detection by content
 * (and file name where content is not enough).
 *
 * Bad-row policy: every malformed row (bad numbers, timestamps going backwards within a
 * stream, unknown columns or messages, book sequence gaps) is reported with its row
 * number, and by default the import fails with an `ImportError` listing them and writes
 * nothing. With `skipBad`, malformed trade and quote rows are skipped instead and listed
 * in the report; book rows are never skipped, because a book rebuilt without one of its
 * updates is wrong from then on. Rows are never reordered: a stream must already be in
 * time order.
 */
import { InstrumentId } from "@odum/instrument-id"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { createReadStream } from "node:fs"
import { open, readFile } from "node:fs/promises"
import { basename } from "node:path"
import { createInterface } from "node:readline"
import { createGunzip } from "node:zlib"
import type { CatalogService, PutReport, WriteReport } from "./Catalog.js"
import type { EventBatch } from "./EventBatch.js"
import type { InstrumentDefinition } from "./Instrument.js"
import * as binanceRaw from "./internal/importers/binanceRaw.js"
import * as bybitOrderbook from "./internal/importers/bybitOrderbook.js"
import * as definitions from "./internal/importers/definitions.js"
import * as deribitWs from "./internal/importers/deribitWs.js"
import { Problems } from "./internal/importers/rows.js"
import * as tardis from "./internal/importers/tardis.js"
import type { InstrumentRef, LineParser, ParseContext, ParsedData, ParsedDefinitions } from "./internal/importers/types.js"
import { readZip } from "./internal/zip.js"
import { CatalogError, type ImportErrorReason, type ImportProblem, ImportError } from "./MarketDataError.js"

/** The formats the importers read. */
export type Format =
  /** Tardis.dev `trades` CSV. */
  | "tardis-trades"
  /** Tardis.dev `quotes` CSV. */
  | "tardis-quotes"
  /** hftbacktest's raw Binance USD-M websocket recording (`<ns> <json>` lines, usually gzipped). */
  | "binance-raw"
  /** Bybit order-book history (`orderbook.<depth>` JSON lines, usually zipped). */
  | "bybit-orderbook"
  /** cryptofeed's Deribit websocket recording. */
  | "deribit-ws"
  /** ccxt unified markets JSON (symbol -> market). */
  | "ccxt-markets"
  /** cryptofeed's recording of Bybit `GET /v2/public/symbols`. */
  | "bybit-v2-symbols"
  /** cryptofeed's recording of Deribit `public/get_instruments`. */
  | "deribit-instruments"
  /** QuantConnect LEAN's symbol-properties-database.csv. */
  | "lean-symbol-properties"

/** Options of an import. */
export interface ImportOptions {
  readonly catalog: CatalogService
  /** Skip malformed trade and quote rows (listed in the report) instead of failing. */
  readonly skipBad?: boolean
  /** Skip detection. */
  readonly format?: Format
  /** Definition sources: keep only these canonical ids. */
  readonly only?: ReadonlyArray<string>
  /** ccxt markets: the ccxt exchange id (default: the file name without `.json`). */
  readonly exchange?: string
}

/** What an import did. */
export interface ImportReport {
  readonly file: string
  readonly format: Format
  /** Facts counted while reading (rows, trades, buys, depth updates...). */
  readonly counts: Readonly<Record<string, number>>
  /** Things worth knowing: rows dropped by a documented venue rule, entries left out and why. */
  readonly notes: ReadonlyArray<string>
  /** Definitions added or merged (definition sources, and scale changes of data imports). */
  readonly definitions?: PutReport
  /** Day files written (data sources). */
  readonly written: ReadonlyArray<WriteReport>
  /** Rows skipped under `skipBad` (first 100). */
  readonly skipped: ReadonlyArray<ImportProblem>
  readonly skippedCount: number
}

const GZIP = [0x1f, 0x8b]
const ZIP = [0x50, 0x4b, 0x03, 0x04]
const startsWith = (b: Uint8Array, magic: ReadonlyArray<number>) => magic.every((m, i) => b[i] === m)

type Source =
  | { readonly _tag: "Lines"; readonly lines: () => AsyncIterable<string>; readonly first: string }
  | { readonly _tag: "Json"; readonly doc: unknown; readonly first: string }

const importError = (
  reason: ImportErrorReason,
  file: string,
  message: string,
  problems: ReadonlyArray<ImportProblem> = [],
  problemCount = problems.length,
  cause?: unknown
) => new ImportError({ reason, file, message, problems, problemCount, ...(cause === undefined ? {} : { cause }) })

async function* linesOf(stream: NodeJS.ReadableStream): AsyncIterable<string> {
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  for await (const line of rl) yield line
}

const firstLineOf = (text: string) => {
  const nl = text.indexOf("\n")
  return (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, "")
}

/** Opens a file as lines (plain, gzip or single-entry zip) or, for `.json`, a document. */
const openSource = async (path: string): Promise<Source | string> => {
  const handle = await open(path, "r")
  const head = new Uint8Array(65_536)
  let n: number
  try {
    n = (await handle.read(head, 0, head.length, 0)).bytesRead
  } finally {
    await handle.close()
  }
  const bytes = head.subarray(0, n)
  if (startsWith(bytes, ZIP)) {
    const entries = readZip(new Uint8Array(await readFile(path)))
    if (typeof entries === "string") return entries
    if (entries.length !== 1) return `the archive holds ${entries.length} entries; exactly one is supported`
    const text = new TextDecoder().decode(entries[0]!.data)
    return { _tag: "Lines", first: firstLineOf(text), lines: async function* () { yield* text.split(/\r?\n/) } }
  }
  if (startsWith(bytes, GZIP)) {
    let first = ""
    const raw = createReadStream(path)
    const peek = raw.pipe(createGunzip())
    for await (const line of linesOf(peek)) {
      first = line
      break
    }
    peek.destroy()
    raw.destroy()
    return { _tag: "Lines", first, lines: () => linesOf(createReadStream(path).pipe(createGunzip())) }
  }
  const text = new TextDecoder().decode(bytes)
  const first = firstLineOf(text)
  if (path.endsWith(".json") || /^\s*[{[]\s*$/.test(first)) {
    try {
      return { _tag: "Json", doc: JSON.parse(await readFile(path, "utf8")), first }
    } catch {
      // Not one JSON document: fall back to lines (JSON-lines formats start with `{` too).
    }
  }
  return { _tag: "Lines", first, lines: () => linesOf(createReadStream(path)) }
}

/** The format of a source from its first line, or from the whole document for JSON files. */
export const detect = (first: string, doc?: unknown): Format | undefined => {
  if (doc !== undefined) return definitions.isCcxtMarkets(doc) ? "ccxt-markets" : undefined
  const t = tardis.detect(first)
  if (t !== undefined) return t
  if (first.trim() === definitions.LEAN_HEADER) return "lean-symbol-properties"
  if (binanceRaw.detect(first)) return "binance-raw"
  if (bybitOrderbook.detect(first)) return "bybit-orderbook"
  if (deribitWs.detect(first)) return "deribit-ws"
  const url = definitions.recordedUrl(first)
  if (url !== undefined) {
    if (url.includes("deribit") && url.includes("get_instruments")) return "deribit-instruments"
    if (url.includes("bybit") && url.includes("/v2/public/symbols")) return "bybit-v2-symbols"
  }
  return undefined
}

const lineParser = (format: Format, ctx: ParseContext, only: ReadonlySet<string> | undefined): LineParser | undefined => {
  switch (format) {
    case "tardis-trades":
      return tardis.parser("trades", ctx)
    case "tardis-quotes":
      return tardis.parser("quotes", ctx)
    case "binance-raw":
      return binanceRaw.parser(ctx)
    case "bybit-orderbook":
      return bybitOrderbook.parser(ctx)
    case "deribit-ws":
      return deribitWs.parser(ctx)
    case "bybit-v2-symbols":
      return definitions.bybitV2(ctx, only)
    case "deribit-instruments":
      return definitions.deribitInstruments(ctx, only)
    case "lean-symbol-properties":
      return definitions.lean(ctx, only)
    case "ccxt-markets":
      return undefined
  }
}

const typeOf = (id: string): string => {
  const key = InstrumentId.parse(id)
  return Either.isRight(key) ? key.right.type : ""
}

/** Finds the definition a data file's instrument reference names. */
const resolve = (ref: InstrumentRef, defs: ReadonlyArray<InstrumentDefinition>): InstrumentDefinition | undefined => {
  if (ref._tag === "Id") return defs.find((d) => d.id === ref.id)
  const candidates = defs.filter((d) => d.venueSymbol === ref.venueSymbol)
  if (candidates.length <= 1) return candidates[0]
  const typed = candidates.filter((d) => ref.type === undefined || typeOf(d.id) === ref.type)
  return typed.length === 1 ? typed[0] : undefined
}

const refText = (ref: InstrumentRef) => (ref._tag === "Id" ? ref.id : `${ref.venue} symbol ${ref.venueSymbol}${ref.type === undefined ? "" : ` (${ref.type})`}`)

const run = <A>(f: () => Promise<A>, file: string): Effect.Effect<A, ImportError | CatalogError> =>
  Effect.tryPromise({
    try: f,
    catch: (e) =>
      e instanceof ImportError || e instanceof CatalogError
        ? e
        : importError("Io", file, `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, [], 0, e)
  })

const unwrap = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(Effect.either(effect)).then((e) => {
    if (Either.isLeft(e)) throw e.left
    return e.right
  })

const commitData = async (file: string, parsed: ParsedData, catalog: CatalogService): Promise<{ written: Array<WriteReport>; definitions?: PutReport }> => {
  const byVenue = new Map<string, ReadonlyArray<InstrumentDefinition>>()
  const defsOf = async (venue: string) => {
    let d = byVenue.get(venue)
    if (d === undefined) {
      d = await unwrap(catalog.instruments({ venue }))
      byVenue.set(venue, d)
    }
    return d
  }
  const resolved: Array<{ def: InstrumentDefinition; rows: (typeof parsed.instruments)[number]["rows"] }> = []
  const unknown: Array<string> = []
  for (const { ref, rows } of parsed.instruments) {
    const venue = ref._tag === "Id" ? (ref.id.split(":").length >= 4 ? ref.id.split(":")[1]! : ref.id.split(":")[0]!) : ref.venue
    const def = resolve(ref, await defsOf(venue))
    if (def === undefined) unknown.push(refText(ref))
    else resolved.push({ def, rows })
  }
  if (unknown.length > 0) {
    throw importError(
      "UnknownInstrument",
      file,
      `the catalog defines no instrument for ${unknown.join(", ")}; import its definitions first (binance.json, BYBIT.0, DERIBIT.0 or symbol-properties-database.csv)`
    )
  }
  // Grow scales so every value of the file is exact; this is the only change made before the data is written.
  const grown: Array<InstrumentDefinition> = []
  const plans: Array<{ def: InstrumentDefinition; batches: Array<EventBatch> }> = []
  for (const { def, rows } of resolved) {
    const kinds = [rows.trades, rows.quotes, rows.book].filter((r) => r.length > 0)
    const priceScale = Math.max(def.priceScale, ...kinds.map((r) => r.priceDecimals()))
    const sizeScale = Math.max(def.sizeScale, ...kinds.map((r) => r.sizeDecimals()))
    const scaled = priceScale === def.priceScale && sizeScale === def.sizeScale ? def : { ...def, priceScale, sizeScale }
    if (scaled !== def) grown.push(scaled)
    const batches: Array<EventBatch> = []
    for (const r of kinds) {
      const batch = r.toBatch(priceScale, sizeScale)
      if (batch === undefined) {
        throw importError("BadRows", file, `${def.id}: a price or size exceeds 2^53 units at scale ${priceScale}/${sizeScale}`)
      }
      batches.push(batch)
    }
    plans.push({ def: scaled, batches })
  }
  const definitionsReport = grown.length > 0 ? await unwrap(catalog.putInstruments(grown)) : undefined
  const written: Array<WriteReport> = []
  for (const { def, batches } of plans) {
    for (const b of batches) written.push(await unwrap(catalog.write(def.id, b)))
  }
  return definitionsReport === undefined ? { written } : { written, definitions: definitionsReport }
}

/**
 * Imports one file into the catalog: instrument definitions (ccxt markets, Bybit v2,
 * Deribit instruments, LEAN) or market data (Tardis trades/quotes, Binance raw feeds,
 * Bybit order-book history, Deribit websocket recordings). Data needs its instruments
 * defined in the catalog first.
 */
export const importFile = (path: string, options: ImportOptions): Effect.Effect<ImportReport, ImportError | CatalogError> =>
  run(async () => {
    const file = basename(path)
    const source = await openSource(path)
    if (typeof source === "string") throw importError("UnknownFormat", path, `${path}: ${source}`)
    const format = options.format ?? detect(source.first, source._tag === "Json" ? source.doc : undefined)
    if (format === undefined) {
      throw importError(
        "UnknownFormat",
        path,
        `${path}: unrecognised format (first line ${JSON.stringify(source.first.slice(0, 120))}); expected a Tardis CSV, a Binance raw feed, a Bybit order-book file, a Deribit recording, ccxt markets JSON, BYBIT/DERIBIT instrument recordings or LEAN's symbol properties`
      )
    }
    const ctx: ParseContext = { source: file, problems: new Problems(), skipBad: options.skipBad ?? false, skipped: new Problems() }
    const only = options.only === undefined ? undefined : new Set(options.only)
    let parsed: ParsedData | ParsedDefinitions
    if (format === "ccxt-markets") {
      if (source._tag !== "Json") throw importError("UnknownFormat", path, `${path}: ccxt markets must be one JSON document`)
      const exchange = options.exchange ?? file.replace(/\.json$/, "")
      if (!definitions.isCcxtMarkets(source.doc)) throw importError("BadRows", path, `${path}: not a ccxt markets document`)
      parsed = definitions.fromCcxtMarkets(exchange, source.doc, ctx, only)
    } else {
      if (source._tag !== "Lines") throw importError("UnknownFormat", path, `${path}: ${format} is a line format, not one JSON document`)
      const parser = lineParser(format, ctx, only)!
      let row = 0
      for await (const line of source.lines()) parser.line(line, ++row)
      parsed = parser.finish()
    }
    if (ctx.problems.count > 0) {
      const sync = ctx.problems.listed.some((p) => p.message.startsWith("book sync"))
      throw importError(
        sync ? "BookSync" : "BadRows",
        path,
        `${path}: ${ctx.problems.count} malformed row(s), nothing imported; first: row ${ctx.problems.listed[0]!.row}: ${ctx.problems.listed[0]!.message}`,
        ctx.problems.listed,
        ctx.problems.count
      )
    }
    const base = {
      file: path,
      format,
      counts: parsed.counts,
      notes: parsed.notes,
      skipped: ctx.skipped.listed,
      skippedCount: ctx.skipped.count
    }
    if (parsed._tag === "Definitions") {
      const report = await unwrap(options.catalog.putInstruments(parsed.definitions))
      return { ...base, definitions: report, written: [] }
    }
    const { written, definitions: defs } = await commitData(path, parsed, options.catalog)
    return defs === undefined ? { ...base, written } : { ...base, written, definitions: defs }
  }, path)
