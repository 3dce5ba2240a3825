/**
 * The tick-data catalog: Parquet files in UCS, one per instrument, kind and UTC day,
 * with instrument definitions beside them.
 *
 * ```
 * <root>/instruments/<VENUE>.json
 * <root>/data/<kind>/<VENUE>/<escaped canonical id>/<YYYY-MM-DD>.parquet
 * ```
 *
 * Reads are lazy: a file's footer first (one ranged read), then one ranged read per row
 * group that the query's time range touches (row groups are skipped by their ts
 * min/max statistics, files by their day), decoded into columnar batches and merged by
 * `MergedCursor`.
 */
import { Storage } from "@odum/ucs"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { BatchOf, BookBatch, EventBatch, QuoteBatch, TradeBatch } from "./EventBatch.js"
import * as Instrument from "./Instrument.js"
import type { InstrumentDefinition } from "./Instrument.js"
import * as BatchOps from "./internal/batchOps.js"
import { LevelBook } from "./internal/book.js"
import * as Parquet from "./internal/parquet.js"
import type { ObjectStore } from "./internal/store.js"
import { fromStorage } from "./internal/store.js"
import { CatalogError } from "./MarketDataError.js"
import { MergedCursor, type BatchSource } from "./MergedCursor.js"
import type { Kind, MarketEvent } from "./MarketEvent.js"
import { isKind, kinds as allKinds } from "./MarketEvent.js"
import * as Timestamp from "./Timestamp.js"

/** What to read: instruments (canonical ids), kinds, and a time range [from, to) in ns. */
export interface Query {
  readonly instruments: ReadonlyArray<string>
  /** Default: every kind, in the order trades, quotes, book (also the tie-break order). */
  readonly kinds?: ReadonlyArray<Kind>
  /** Inclusive start, ns since the epoch. */
  readonly from?: bigint
  /** Exclusive end, ns since the epoch. */
  readonly to?: bigint
  /**
   * Decode local receive times (`tsRecv`); default false, when `tsRecv` reads 0n. Like
   * trade ids, few replays need them, and their INT64 column decodes slowly.
   */
  readonly withRecvTime?: boolean
  /** Decode trade ids (`tradeId`); default false, when `tradeId` is empty. */
  readonly withTradeIds?: boolean
}

/** One day file. */
export interface DayFile {
  readonly day: string
  readonly rows: number
  readonly bytes: number
  /** Earliest and latest ts in the file. */
  readonly first: bigint
  readonly last: bigint
}

/** What the catalog holds for one instrument and kind. */
export interface Holding {
  readonly instrument: string
  readonly kind: Kind
  readonly rows: number
  readonly days: ReadonlyArray<DayFile>
}

/** What one write did, per day file. */
export interface WriteReport {
  readonly instrument: string
  readonly kind: Kind
  readonly rows: number
  readonly days: ReadonlyArray<{
    readonly day: string
    readonly rows: number
    /** created: new file; appended/prepended: rows added around an existing file's range; unchanged: identical rows were already stored. */
    readonly status: "created" | "appended" | "prepended" | "unchanged"
  }>
}

/** Counts of an instruments-store update. */
export interface PutReport {
  readonly added: number
  readonly updated: number
  readonly unchanged: number
}

/** The catalog's operations. */
export interface CatalogService {
  /** The root URI (or path) the catalog lives under. */
  readonly root: string
  /** Definitions in the instruments store, sorted by id; optionally of one venue. */
  readonly instruments: (options?: { readonly venue?: string }) => Effect.Effect<ReadonlyArray<InstrumentDefinition>, CatalogError>
  /** One definition; fails with UnknownInstrument when absent. */
  readonly instrument: (id: string) => Effect.Effect<InstrumentDefinition, CatalogError>
  /** Adds or merges definitions (see `Instrument.merge`). */
  readonly putInstruments: (defs: ReadonlyArray<InstrumentDefinition>) => Effect.Effect<PutReport, CatalogError>
  /**
   * Stores rows of one instrument (units at its definition's current scales, rows in
   * time order), split into day files. A day file that exists is extended only when the
   * new rows lie wholly before or after it, or left alone when it already holds exactly
   * these rows; any other overlap fails with `Overlap` and nothing is written.
   */
  readonly write: (instrument: string, batch: EventBatch) => Effect.Effect<WriteReport, CatalogError>
  /** `write` for trades. */
  readonly writeTrades: (instrument: string, batch: TradeBatch) => Effect.Effect<WriteReport, CatalogError>
  /** `write` for quotes. */
  readonly writeQuotes: (instrument: string, batch: QuoteBatch) => Effect.Effect<WriteReport, CatalogError>
  /** `write` for book level updates. */
  readonly writeBook: (instrument: string, batch: BookBatch) => Effect.Effect<WriteReport, CatalogError>
  /** Every instrument and kind with data, its days and row counts (reads each file's footer). */
  readonly list: () => Effect.Effect<ReadonlyArray<Holding>, CatalogError>
  /** A merged cursor over the query (the hot-path API; see `MergedCursor`). */
  readonly cursor: (query: Query) => Effect.Effect<MergedCursor, CatalogError>
  /**
   * The query's events as a pull-based Stream of plain objects, in cursor order
   * (convenient; allocates per event, so replays use `cursor`).
   */
  readonly read: (query: Query) => Stream.Stream<MarketEvent, CatalogError>
}

/** The catalog service. */
export class Catalog extends Context.Tag("@odum/marketdata/Catalog")<Catalog, CatalogService>() {}

const fail = (reason: CatalogError["reason"], message: string, cause?: unknown) =>
  new CatalogError(cause === undefined ? { reason, message } : { reason, message, cause })

const storageFailure = (what: string) => (cause: unknown) =>
  cause instanceof CatalogError
    ? cause
    : fail("Storage", `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, cause)

const attempt = <A>(what: string, f: () => Promise<A>): Effect.Effect<A, CatalogError> =>
  Effect.tryPromise({ try: f, catch: storageFailure(what) })

const instrumentsKey = (venue: string) => `instruments/${venue}.json`

/** Key of the day file of an instrument and kind. */
export const dayFileKey = (instrument: string, kind: Kind, day: string): string =>
  `data/${kind}/${Instrument.venueOf(instrument)}/${Instrument.escapeId(instrument)}/${day}.parquet`

const dataPrefix = (instrument: string, kind: Kind) =>
  `data/${kind}/${Instrument.venueOf(instrument)}/${Instrument.escapeId(instrument)}/`

const DAY_FILE = /^data\/([a-z]+)\/([^/]+)\/([^/]+)\/(\d{4}-\d{2}-\d{2})\.parquet$/

const decodeVenueFile = Schema.decodeUnknownEither(Schema.parseJson(Instrument.VenueDefinitions))
const encodeVenueFile = Schema.encodeSync(Instrument.VenueDefinitions)

const dayEnd = (day: string): bigint => Timestamp.dayStart(day) + Timestamp.NS_PER_DAY

/** Options of a catalog. */
export interface Options {
  /** Root URI (`file:///...`, `gs://bucket/prefix`), absolute path, or key relative to the storage's root. */
  readonly root: string
  /** Rows per Parquet row group of written files (default 131,072). */
  readonly rowGroupSize?: number
}

/** A catalog over an `ObjectStore` (any storage reachable by keys under one root). */
export const makeFromStore = (store: ObjectStore, options: Omit<Options, "root"> = {}): CatalogService => {
  const rowGroupSize = options.rowGroupSize ?? Parquet.ROW_GROUP_SIZE
  const venueCache = new Map<string, ReadonlyArray<InstrumentDefinition>>()
  const infoCache = new Map<string, Parquet.FileInfo>()

  const loadVenue = async (venue: string): Promise<ReadonlyArray<InstrumentDefinition>> => {
    const cached = venueCache.get(venue)
    if (cached !== undefined) return cached
    const key = instrumentsKey(venue)
    if (!(await store.exists(key))) {
      venueCache.set(venue, [])
      return []
    }
    const text = new TextDecoder().decode(await store.read(key))
    const decoded = decodeVenueFile(text)
    if (decoded._tag === "Left") {
      throw fail("CorruptFile", `${store.uri(key)} is not a valid instruments file: ${decoded.left.message}`)
    }
    venueCache.set(venue, decoded.right.instruments)
    return decoded.right.instruments
  }

  const listVenues = async (): Promise<ReadonlyArray<string>> =>
    (await store.list("instruments/"))
      .map((o) => /^instruments\/([^/]+)\.json$/.exec(o.key)?.[1])
      .filter((v): v is string => v !== undefined)

  const getInstrument = async (id: string): Promise<InstrumentDefinition> => {
    const defs = await loadVenue(Instrument.venueOf(id))
    const d = defs.find((x) => x.id === id)
    if (d === undefined) {
      throw fail("UnknownInstrument", `instrument ${id} is not defined in the catalog at ${store.root}; import its definitions first`)
    }
    return d
  }

  const readInfo = async (key: string, knownSize?: number): Promise<Parquet.FileInfo> => {
    const size = knownSize ?? (await store.size(key))
    const cacheKey = `${key}#${size}`
    const cached = infoCache.get(cacheKey)
    if (cached !== undefined) return cached
    const corrupt = (why: string) => fail("CorruptFile", `${store.uri(key)}: ${why}`)
    let tailStart = Math.max(0, size - Parquet.FOOTER_GUESS)
    let tail = await store.readRange(key, tailStart, size)
    const length = Parquet.footerLength(tail)
    if (typeof length === "string") throw corrupt(length)
    if (length > size) throw corrupt("footer length exceeds the file size")
    if (length > tail.length) {
      tailStart = size - length
      tail = await store.readRange(key, tailStart, size)
    }
    const info = Parquet.fileInfo(tail, size)
    if (typeof info === "string") throw corrupt(info)
    infoCache.set(cacheKey, info)
    return info
  }

  const readWholeFile = async (key: string, def: InstrumentDefinition): Promise<EventBatch> => {
    const info = await readInfo(key)
    let out: EventBatch | undefined
    for (const rg of info.rowGroups) {
      const span = await store.readRange(key, rg.byteStart, rg.byteEnd)
      const batch = await decode(key, info, rg, span, def)
      out = out === undefined ? batch : BatchOps.concat(out, batch)
    }
    if (out === undefined) throw fail("CorruptFile", `${store.uri(key)} has no rows`)
    return out
  }

  const decode = async (
    key: string,
    info: Parquet.FileInfo,
    rg: Parquet.RowGroupInfo,
    span: Uint8Array,
    def: InstrumentDefinition,
    optional: Parquet.OptionalColumns = Parquet.ALL_COLUMNS
  ): Promise<EventBatch> => {
    if (info.priceScale > def.priceScale || info.sizeScale > def.sizeScale) {
      throw fail(
        "CorruptFile",
        `${store.uri(key)} was written at scales ${info.priceScale}/${info.sizeScale}, finer than ${def.id}'s ${def.priceScale}/${def.sizeScale}`
      )
    }
    try {
      return await Parquet.decodeRowGroup(info, rg, span, def, optional)
    } catch (e) {
      throw fail("CorruptFile", `${store.uri(key)} row group ${rg.index}: ${e instanceof Error ? e.message : String(e)}`, e)
    }
  }

  const dayFiles = async (instrument: string, kind: Kind): Promise<ReadonlyArray<{ key: string; day: string; size: number }>> =>
    (await store.list(dataPrefix(instrument, kind)))
      .map((o) => {
        const m = DAY_FILE.exec(o.key)
        return m === null ? undefined : { key: o.key, day: m[4]!, size: o.size }
      })
      .filter((x): x is { key: string; day: string; size: number } => x !== undefined)
      .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))

  const write = (instrument: string, batch: EventBatch): Effect.Effect<WriteReport, CatalogError> =>
    attempt(`write ${batch.kind} of ${instrument}`, async () => {
      const def = await getInstrument(instrument)
      const problem = BatchOps.validate(batch)
      if (problem !== undefined) throw fail("InvalidInput", `${batch.kind} of ${instrument}: ${problem}`)
      const days = BatchOps.splitByDay(batch, Timestamp.dayOf, dayEnd)
      const book = new LevelBook()
      const plan: Array<{ key: string; day: string; rows: number; data?: EventBatch; status: WriteReport["days"][number]["status"] }> = []
      for (const [day, rowsOfDay] of days) {
        const rows =
          rowsOfDay.kind === "book" ? BatchOps.withLeadingSnapshot(rowsOfDay, book) : rowsOfDay
        const key = dayFileKey(instrument, batch.kind, day)
        if (!(await store.exists(key))) {
          plan.push({ key, day, rows: rowsOfDay.length, data: rows, status: "created" })
          continue
        }
        const existing = await readWholeFile(key, def)
        const first = existing.ts[0]!
        const last = existing.ts[existing.length - 1]!
        if (BatchOps.equals(existing, rows)) {
          plan.push({ key, day, rows: rowsOfDay.length, status: "unchanged" })
        } else if (rows.ts[0]! > last) {
          plan.push({ key, day, rows: rowsOfDay.length, data: BatchOps.concat(existing, rows), status: "appended" })
        } else if (rows.ts[rows.length - 1]! < first) {
          plan.push({ key, day, rows: rowsOfDay.length, data: BatchOps.concat(rows, existing), status: "prepended" })
        } else {
          throw fail(
            "Overlap",
            `${store.uri(key)} already holds other ${batch.kind} rows between ${Timestamp.toIso(first)} and ${Timestamp.toIso(last)}; the new rows overlap that range`
          )
        }
      }
      for (const p of plan) {
        if (p.data === undefined) continue
        const bytes = Parquet.encode(
          p.data,
          { kind: batch.kind, instrument, priceScale: def.priceScale, sizeScale: def.sizeScale },
          rowGroupSize
        )
        await store.write(p.key, bytes)
        for (const k of [...infoCache.keys()]) if (k.startsWith(`${p.key}#`)) infoCache.delete(k)
      }
      return {
        instrument,
        kind: batch.kind,
        rows: batch.length,
        days: plan.map(({ day, rows, status }) => ({ day, rows, status }))
      }
    })

  const putInstruments = (defs: ReadonlyArray<InstrumentDefinition>): Effect.Effect<PutReport, CatalogError> =>
    attempt("update the instruments store", async () => {
      const byVenue = new Map<string, Array<InstrumentDefinition>>()
      for (const d of defs) {
        const v = Instrument.venueOf(d.id)
        const list = byVenue.get(v) ?? []
        list.push(d)
        byVenue.set(v, list)
      }
      let added = 0
      let updated = 0
      let unchanged = 0
      for (const [venue, updates] of byVenue) {
        const current = new Map((await loadVenue(venue)).map((d) => [d.id, d]))
        for (const u of updates) {
          const old = current.get(u.id)
          if (old === undefined) {
            current.set(u.id, u)
            added++
          } else {
            const merged = Instrument.merge(old, u)
            if (JSON.stringify(merged) === JSON.stringify(old)) unchanged++
            else {
              current.set(u.id, merged)
              updated++
            }
          }
        }
        const instruments = [...current.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        const doc = encodeVenueFile({ version: 1, venue, instruments })
        await store.write(instrumentsKey(venue), `${JSON.stringify(doc, null, 1)}\n`)
        venueCache.set(venue, instruments)
      }
      return { added, updated, unchanged }
    })

  const list = (): Effect.Effect<ReadonlyArray<Holding>, CatalogError> =>
    attempt("list the catalog", async () => {
      const groups = new Map<string, { instrument: string; kind: Kind; days: Array<DayFile> }>()
      for (const o of await store.list("data/")) {
        const m = DAY_FILE.exec(o.key)
        if (m === null || !isKind(m[1])) continue
        const kind = m[1]
        const instrument = Instrument.unescapeId(m[3]!)
        const info = await readInfo(o.key, o.size)
        const first = info.rowGroups[0]?.tsMin ?? 0n
        const last = info.rowGroups.reduce((mx, rg) => (rg.tsMax > mx ? rg.tsMax : mx), first)
        const id = `${instrument}\u0000${kind}`
        const g = groups.get(id) ?? { instrument, kind, days: [] }
        g.days.push({ day: m[4]!, rows: info.rows, bytes: o.size, first, last })
        groups.set(id, g)
      }
      return [...groups.values()]
        .map((g) => ({ ...g, rows: g.days.reduce((n, d) => n + d.rows, 0) }))
        .sort((a, b) =>
          a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : allKinds.indexOf(a.kind) - allKinds.indexOf(b.kind)
        )
    })

  const makeSource = (
    def: InstrumentDefinition,
    instrument: number,
    kind: Kind,
    files: ReadonlyArray<{ key: string; day: string; size: number }>,
    from: bigint,
    to: bigint,
    optional: Parquet.OptionalColumns
  ): BatchSource => {
    let fileIndex = 0
    let info: Parquet.FileInfo | undefined
    let rgIndex = 0
    const next = async (): Promise<EventBatch | null> => {
      for (;;) {
        const file = files[fileIndex]
        if (file === undefined) return null
        if (info === undefined) {
          info = await readInfo(file.key, file.size).catch((e: unknown) => {
            throw storageFailure(`read ${store.uri(file.key)}`)(e)
          })
          if (info.kind !== kind || info.instrument !== def.id) {
            throw fail("CorruptFile", `${store.uri(file.key)} holds ${info.kind} of ${info.instrument}, not ${kind} of ${def.id}`)
          }
          rgIndex = 0
        }
        const rg = info.rowGroups[rgIndex++]
        if (rg === undefined) {
          fileIndex++
          info = undefined
          continue
        }
        if (rg.tsMin >= to) return null
        if (rg.tsMax < from) continue
        const span = await store.readRange(file.key, rg.byteStart, rg.byteEnd).catch((e: unknown) => {
          throw storageFailure(`read ${store.uri(file.key)}`)(e)
        })
        const batch = await decode(file.key, info, rg, span, def, optional)
        const start = from > rg.tsMin ? BatchOps.lowerBound(batch.ts, from) : 0
        const end = to <= rg.tsMax ? BatchOps.lowerBound(batch.ts, to) : batch.length
        if (end > start) return BatchOps.slice(batch, start, end)
      }
    }
    return { kind, instrument, next }
  }

  const cursor = (query: Query): Effect.Effect<MergedCursor, CatalogError> =>
    attempt("open a cursor", async () => {
      const kinds = query.kinds ?? allKinds
      const from = query.from ?? -(2n ** 63n)
      const to = query.to ?? 2n ** 63n - 1n
      for (const k of kinds) if (!isKind(k)) throw fail("InvalidInput", `unknown kind ${JSON.stringify(k)}`)
      if (new Set(query.instruments).size !== query.instruments.length) {
        throw fail("InvalidInput", "an instrument is listed twice in the query")
      }
      if (to <= from) throw fail("InvalidInput", "the query's `to` is not after its `from`")
      const defs = await Promise.all(query.instruments.map(getInstrument))
      const optional = { recvTime: query.withRecvTime ?? false, tradeIds: query.withTradeIds ?? false }
      const firstDay = query.from === undefined ? "" : Timestamp.dayOf(from)
      const lastDay = query.to === undefined ? "9999-12-31" : Timestamp.dayOf(to - 1n)
      const sources: Array<BatchSource> = []
      for (const kind of kinds) {
        for (const [i, def] of defs.entries()) {
          const files = (await dayFiles(def.id, kind)).filter((f) => f.day >= firstDay && f.day <= lastDay)
          if (files.length > 0) sources.push(makeSource(def, i, kind, files, from, to, optional))
        }
      }
      const c = new MergedCursor(defs, sources)
      await c.load()
      return c
    })

  const read = (query: Query): Stream.Stream<MarketEvent, CatalogError> =>
    Stream.unwrap(
      Effect.map(cursor(query), (c) =>
        Stream.repeatEffectChunkOption(
          Effect.suspend(() => {
            const out: Array<MarketEvent> = []
            while (out.length < 4096 && c.next()) out.push(c.event())
            if (out.length > 0) return Effect.succeed(Chunk.unsafeFromArray(out))
            if (c.done) return Effect.fail(Option.none())
            return attempt("read the next row group", () => c.load()).pipe(
              Effect.mapError(Option.some),
              Effect.as(Chunk.empty<MarketEvent>())
            )
          })
        )
      )
    )

  return {
    root: store.root,
    instruments: (options) =>
      attempt("read the instruments store", async () => {
        const venues = options?.venue !== undefined ? [options.venue] : await listVenues()
        const all = (await Promise.all(venues.map(loadVenue))).flat()
        return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      }),
    instrument: (id) => attempt(`look up ${id}`, () => getInstrument(id)),
    putInstruments,
    write,
    writeTrades: write,
    writeQuotes: write,
    writeBook: write,
    list,
    cursor,
    read
  }
}

/** A catalog over a UCS `Storage`, rooted at a URI (`file:///...`, `gs://bucket/prefix`) or path. */
export const make = (options: Options): Effect.Effect<CatalogService, never, Storage.Storage> =>
  Effect.map(Storage.Storage, (storage) => makeFromStore(fromStorage(storage, options.root), options))

/** The Catalog service over the Storage in context. */
export const layer = (options: Options): Layer.Layer<Catalog, never, Storage.Storage> =>
  Layer.effect(Catalog, make(options))

/** Narrows a batch to a kind (for callers holding an `EventBatch`). */
export const isBatchOf = <K extends Kind>(batch: EventBatch, kind: K): batch is BatchOf<K> => batch.kind === kind
