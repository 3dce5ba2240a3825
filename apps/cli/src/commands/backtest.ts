/**
 * `odum backtest run --config <file> [--out <uri>] [--json]`: runs a backtest from a JSON
 * config file (see @odum/backtest's README for every field) and writes its results
 * through UCS under `<output>/<runId>/`.
 *
 * Locations: bare keys in the config (`"catalog": "sample-catalog"`) resolve against the
 * storage's default location (`UNIFIED_CLOUD_LOCAL_PATH`, default `data` in the working
 * directory, or the `UNIFIED_CLOUD_SERVICES_GCS_BUCKET` bucket with direct GCS); `./x`,
 * `../x` and `/abs` paths in the config are relative to the config file; `--out` takes a
 * `gs://` or `file://` URI or a local directory (relative to the working directory).
 * Without `--out` or `output.uri`, results go to the storage's results location
 * (`StorageConfig.resultsBaseUri`) under `backtests/`.
 *
 * Output: a progress bar on stdout while it runs, only when stdout is a terminal; then a
 * few lines saying what happened and where the files are, or with `--json` the run's
 * summary.json as one line of JSON (and nothing else on stdout). A refused config is bad
 * input (status 2) with one line on stderr naming every bad field; other failures
 * (unreadable data, storage) are status 1.
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Backtest, BacktestConfig, type BacktestError } from "@odum/backtest"
import { Timestamp } from "@odum/marketdata"
import { Storage, StorageConfig, StorageUri } from "@odum/ucs"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { pathToFileURL } from "node:url"

const configOption = Options.file("config", { exists: "yes" }).pipe(
  Options.withDescription("the backtest config (JSON), e.g. config/backtest.example.json")
)

const outOption = Options.text("out").pipe(
  Options.withDescription("results root: a gs:// or file:// URI or a local directory (default: the config's output.uri, else the storage's results location)"),
  Options.optional
)

const jsonOption = Options.boolean("json").pipe(Options.withDescription("print the run's summary as one line of JSON on stdout"))

const isUri = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s)

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

/** A refused config: report it in one line and fail as bad input (Cli.run takes a ValidationError as already reported, status 2). */
const refuse = (message: string) =>
  Effect.zipRight(
    Console.error(`odum: ${oneLine(message)}`),
    Effect.fail(ValidationError.invalidValue(HelpDoc.p(oneLine(message))))
  )

/** A terminal progress bar on stdout, redrawn at most every 100 ms. */
const progressBar = () => {
  let last = 0
  const draw = (p: Backtest.Progress, force: boolean) => {
    const now = Date.now()
    if (!force && now - last < 100) return
    last = now
    const width = 30
    const done = Math.round(p.fraction * width)
    const bar = `${"#".repeat(done)}${"-".repeat(width - done)}`
    process.stdout.write(`\r[${bar}] ${(p.fraction * 100).toFixed(1).padStart(5)}%  ${p.events.toLocaleString("en-US")} events  ${Timestamp.toIso(p.simTimeNs).slice(0, 19)}Z`)
  }
  return {
    update: (p: Backtest.Progress) => draw(p, false),
    finish: () => process.stdout.write("\r\u001b[2K")
  }
}

const storageLayer = (settings: StorageConfig.StorageSettings, uris: ReadonlyArray<string>) =>
  settings.useDirectGcs || uris.some((u) => u.startsWith("gs://"))
    ? Storage.layerGcs({
        ...Option.match(settings.marketDataBucket, { onNone: () => ({}), onSome: (bucket) => ({ bucket }) }),
        ...Option.match(settings.emulatorHost, { onNone: () => ({}), onSome: (apiEndpoint) => ({ apiEndpoint }) }),
        ...Option.match(settings.projectId, { onNone: () => ({}), onSome: (projectId) => ({ projectId }) }),
        ...Option.match(settings.credentialsFile, { onNone: () => ({}), onSome: (keyFilename) => ({ keyFilename }) })
      })
    : Storage.layerLocal({ root: settings.localRoot })

const amounts = (r: Readonly<Record<string, string>>): string =>
  Object.keys(r).length === 0 ? "none" : Object.entries(r).map(([c, a]) => `${a} ${c}`).join(", ")

/** `odum backtest run`. */
export const run = Command.make("run", { config: configOption, out: outOption, json: jsonOption }, ({ config: file, json, out }) =>
  Effect.gen(function* () {
    let text: string
    try {
      text = readFileSync(file, "utf8")
    } catch (e) {
      return yield* refuse(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`)
    }
    const decoded = BacktestConfig.decodeJson(text)
    if (decoded._tag === "Left") return yield* refuse(`${file}: ${decoded.left.message}`)
    let config = BacktestConfig.resolveLocalPaths(decoded.right, dirname(resolve(file)))
    if (Option.isSome(out)) config = BacktestConfig.withOutputUri(config, isUri(out.value) ? out.value : pathToFileURL(resolve(out.value)).href)

    const settings = yield* StorageConfig.config
    const defaultOutputUri = StorageUri.join(StorageConfig.make(settings).resultsBaseUri, "backtests")
    const bar = !json && process.stdout.isTTY === true ? progressBar() : undefined
    // This process runs one replay: V8's pretenuring off before it starts (see Backtest.tuneHeap).
    Backtest.tuneHeap()
    const completed = yield* Backtest.run(config, {
      defaultOutputUri,
      ...(bar === undefined ? {} : { onProgress: bar.update })
    }).pipe(
      Effect.ensuring(Effect.sync(() => bar?.finish())),
      Effect.provide(storageLayer(settings, [config.data.catalog, Backtest.outputUriOf(config, { defaultOutputUri })])),
      Effect.catchTag(
        "BacktestError",
        (e: BacktestError.BacktestError): Effect.Effect<never, BacktestError.BacktestError | ValidationError.ValidationError> =>
          e.reason === "InvalidConfig" ? refuse(`${file}: ${e.message}`) : Effect.fail(e)
      )
    )
    const s = completed.summary
    if (json) return yield* Console.log(JSON.stringify(s))
    const pnl = Object.entries(s.pnl)
      .map(([c, p]) => `${p.total} ${c} (realized ${p.realized}, unrealized ${p.unrealized})`)
      .join(", ")
    yield* Console.log(
      [
        `run ${s.runId}: ${s.eventCount.toLocaleString("en-US")} events, ${s.orderCount} orders (${s.deniedCount} denied), ${s.fillCount} fills`,
        `volume ${amounts(s.volume)}; fees ${amounts(s.fees)}; pnl ${pnl === "" ? "none" : pnl}`,
        `slippage ${s.slippage.bps ?? "-"} bps; fill ratio ${s.fillRatio ?? "-"}; ${Math.round(s.wallTimeMs)} ms, ${s.eventsPerSecond.toLocaleString("en-US")} events/s`,
        `results: ${completed.paths.root}`
      ].join("\n")
    )
  })
).pipe(Command.withDescription("Run a backtest from a JSON config and write its results (orders, fills, positions, equity, summary)."))

/** The `backtest` command group. */
export const backtest = Command.make("backtest").pipe(
  Command.withDescription("Backtests: deterministic replay of the tick-data catalog through the execution pipeline."),
  Command.withSubcommands([run])
)
