/**
 * `odum data ...`: the tick-data catalog from the command line. Without `--catalog` the
 * bundled sample catalog (`data/sample-catalog/` of this repository, found from this
 * file's location, not the working directory) is used. `--catalog` takes a directory
 * (relative to the working directory), a `file://` URI or a `gs://bucket/prefix` URI
 * (GCS settings from the environment, as UCS's `StorageConfig` reads them).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { InstrumentId } from "@odum/instrument-id"
import { Catalog, Importers, MarketEvent, Timestamp } from "@odum/marketdata"
import { Storage, StorageConfig } from "@odum/ucs"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The bundled sample catalog: from src/commands/ in a checkout, from dist/ in a bundle. */
const sampleCatalog = (): string => {
  const candidates = ["../../../../data/sample-catalog", "../../../data/sample-catalog"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url))
  )
  return candidates.find((p) => existsSync(resolve(p, "instruments"))) ?? candidates[0]!
}

const catalogOption = Options.text("catalog").pipe(
  Options.withDescription("catalog root: a directory, file:// or gs:// URI (default: the bundled sample catalog)"),
  Options.optional
)

const rootOf = (catalog: Option.Option<string>): string =>
  Option.match(catalog, {
    onNone: sampleCatalog,
    onSome: (c) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(c) ? c : resolve(c))
  })

/** Storage for a root: GCS for gs:// (settings from the environment), the local filesystem otherwise. */
const storageFor = (root: string) =>
  root.startsWith("gs://")
    ? Layer.unwrapEffect(
        Effect.map(StorageConfig.config, (s) =>
          Storage.layerGcs({
            ...Option.match(s.emulatorHost, { onNone: () => ({}), onSome: (apiEndpoint) => ({ apiEndpoint }) }),
            ...Option.match(s.projectId, { onNone: () => ({}), onSome: (projectId) => ({ projectId }) }),
            ...Option.match(s.credentialsFile, { onNone: () => ({}), onSome: (keyFilename) => ({ keyFilename }) })
          })
        )
      )
    : Storage.layerLocal({ root: process.cwd() })

/** Runs `f` with the catalog at `--catalog` (or the sample). */
const withCatalog = <A, E>(catalog: Option.Option<string>, f: (c: Catalog.CatalogService) => Effect.Effect<A, E>) => {
  const root = rootOf(catalog)
  const layer = Catalog.layer({ root }).pipe(Layer.provide(storageFor(root)), Layer.provide(NodeContext.layer))
  return Effect.provide(Effect.flatMap(Catalog.Catalog, f), layer)
}

const file = Args.text({ name: "file" }).pipe(Args.withDescription("the file to import (format detected from its content)"))

/** `odum data import <file>`: imports definitions or market data into the catalog. */
export const importCommand = Command.make(
  "import",
  {
    file,
    catalog: catalogOption,
    skipBad: Options.boolean("skip-bad").pipe(
      Options.withDescription("skip malformed trade and quote rows (listed) instead of failing the import")
    )
  },
  ({ file, catalog, skipBad }) =>
    withCatalog(catalog, (c) =>
      Effect.gen(function* () {
        const report = yield* Importers.importFile(resolve(file), { catalog: c, skipBad })
        const counts = Object.entries(report.counts)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ")
        yield* Console.log(`${report.file}: ${report.format} ${counts}`)
        if (report.definitions !== undefined) {
          const d = report.definitions
          yield* Console.log(`instruments: ${d.added} added, ${d.updated} updated, ${d.unchanged} unchanged`)
        }
        for (const w of report.written) {
          yield* Console.log(`wrote ${w.instrument} ${w.kind} ${w.rows} rows: ${w.days.map((d) => `${d.day} ${d.status}`).join(", ")}`)
        }
        for (const s of report.skipped) yield* Console.log(`skipped row ${s.row}: ${s.message}`)
        if (report.skippedCount > report.skipped.length) yield* Console.log(`skipped ${report.skippedCount} rows in all`)
        for (const n of report.notes) yield* Console.log(`note: ${n}`)
      })
    )
).pipe(Command.withDescription("Import a data or instrument-definitions file into the catalog."))

/** `odum data ls`: what the catalog holds. */
export const ls = Command.make("ls", { catalog: catalogOption }, ({ catalog }) =>
  withCatalog(catalog, (c) =>
    Effect.gen(function* () {
      for (const h of yield* c.list()) {
        const first = h.days[0]!
        const last = h.days[h.days.length - 1]!
        yield* Console.log(
          `${h.instrument}\t${h.kind}\t${h.rows} rows\t${h.days.length} day(s)\t${Timestamp.toIso(first.first)} .. ${Timestamp.toIso(last.last)}`
        )
      }
    })
  )
).pipe(Command.withDescription("List instruments and kinds in the catalog with their row counts and time spans."))

const describeEvent = (json: Record<string, unknown>): string =>
  Object.entries(json)
    .filter(([k]) => k !== "ts")
    .map(([k, v]) => (k === "time" || k === "kind" || k === "instrument" ? String(v) : `${k}=${Array.isArray(v) ? v.join("|") : String(v)}`))
    .join(" ")

/** `odum data head <id>`: the first events of an instrument, all kinds merged in time order. */
export const head = Command.make(
  "head",
  {
    id: Args.text({ name: "canonical-id" }).pipe(Args.withDescription("e.g. BINANCE-FUTURES:PERPETUAL:BTC-USDT")),
    catalog: catalogOption,
    limit: Options.integer("limit").pipe(Options.withDescription("how many events (default 10)"), Options.withDefault(10)),
    json: Options.boolean("json").pipe(Options.withDescription("one JSON object per line, prices and sizes as exact decimal strings"))
  },
  ({ id, catalog, limit, json }) =>
    withCatalog(catalog, (c) =>
      Effect.gen(function* () {
        yield* InstrumentId.parse(id)
        const cursor = yield* c.cursor({ instruments: [id], withRecvTime: true, withTradeIds: true })
        let n = 0
        while (n < limit) {
          if (cursor.next()) {
            const e = MarketEvent.toJson(cursor.event())
            yield* Console.log(json ? JSON.stringify(e) : describeEvent(e))
            n++
          } else if (cursor.done) break
          else yield* Effect.tryPromise({ try: () => cursor.load(), catch: (e) => e })
        }
      })
    )
).pipe(Command.withDescription("Print the first events of an instrument (trades, quotes and book updates in time order)."))

/** The `data` command group. */
export const data = Command.make("data").pipe(
  Command.withDescription("The tick-data catalog: import files, list what it holds, print events."),
  Command.withSubcommands([importCommand, ls, head])
)
