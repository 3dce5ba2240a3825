/**
 * The service's own settings, read through Effect `Config` (the environment by default).
 * Storage settings are @odum/ucs's (`UNIFIED_CLOUD_LOCAL_PATH`, the GCS variables) and are
 * read by `Storage.layerConfig`, not here.
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/** What the service needs to know beyond storage. */
export interface ServiceSettings {
  /** `BACKTEST_PORT` (default 8000; 0 picks a free port, as tests do). */
  readonly port: number
  /** `BACKTEST_HOST` (default all interfaces). */
  readonly host: Option.Option<string>
  /**
   * `BACKTEST_RESULTS_URI`: the results root every run writes under (`<root>/<runId>/`), any
   * UCS URI form. Default: the storage's results location (`results/` under the local root,
   * or the `EXECUTION_STORE_GCS_BUCKET`).
   */
  readonly resultsUri: Option.Option<string>
  /** `BACKTEST_CONFIG_DIR`: the folder `{ "configPath": ... }` requests are read from (default `config`). */
  readonly configDir: string
  /** `BACKTEST_MAX_CONCURRENT_RUNS` (default 1): runs beyond it wait in the queue. */
  readonly maxConcurrentRuns: number
}

/** The settings in force. */
export class ServiceConfig extends Context.Tag("@odum/backtest-service/ServiceConfig")<ServiceConfig, ServiceSettings>() {}

const nonEmpty = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Config.map(Option.filter((s) => s.trim() !== ""))
  )

/** Reads {@link ServiceSettings}. */
export const config: Config.Config<ServiceSettings> = Config.all({
  port: Config.integer("BACKTEST_PORT").pipe(
    Config.validate({ message: "BACKTEST_PORT must be a port number (0 to 65535)", validation: (n) => n >= 0 && n <= 65535 }),
    Config.withDefault(8000)
  ),
  host: nonEmpty("BACKTEST_HOST"),
  resultsUri: nonEmpty("BACKTEST_RESULTS_URI"),
  configDir: Config.string("BACKTEST_CONFIG_DIR").pipe(Config.withDefault("config")),
  maxConcurrentRuns: Config.integer("BACKTEST_MAX_CONCURRENT_RUNS").pipe(
    Config.validate({ message: "BACKTEST_MAX_CONCURRENT_RUNS must be at least 1", validation: (n) => n >= 1 }),
    Config.withDefault(1)
  )
})

/** The settings from `Config`. */
export const layerConfig = (settings: Config.Config<ServiceSettings> = config) => Layer.effect(ServiceConfig, settings)

/** Explicit settings (tests), defaults filled in. */
export const layer = (settings: Partial<ServiceSettings> = {}) =>
  Layer.succeed(ServiceConfig, {
    port: 8000,
    host: Option.none(),
    resultsUri: Option.none(),
    configDir: "config",
    maxConcurrentRuns: 1,
    ...settings
  })
