import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"

/** Storage settings, as read from the original design's environment variables. */
export interface StorageSettings {
  /** `UNIFIED_CLOUD_SERVICES_USE_DIRECT_GCS`: true sends bare keys to GCS; false (default) to the local root. */
  readonly useDirectGcs: boolean
  /** `UNIFIED_CLOUD_SERVICES_GCS_BUCKET`: the default bucket (market data); required when `useDirectGcs`. */
  readonly marketDataBucket: Option.Option<string>
  /** `EXECUTION_STORE_GCS_BUCKET`: the bucket for execution results. */
  readonly resultsBucket: Option.Option<string>
  /** `UNIFIED_CLOUD_LOCAL_PATH`: the local root for bare keys (default `data`, against the working directory). */
  readonly localRoot: string
  /** `GOOGLE_APPLICATION_CREDENTIALS`: path of a service-account key file (redacted: never logged). */
  readonly credentialsFile: Option.Option<Redacted.Redacted<string>>
  /** `STORAGE_EMULATOR_HOST`: a GCS emulator's URL (http:// assumed when no scheme); no credentials are sent to it. */
  readonly emulatorHost: Option.Option<string>
  /** `GOOGLE_CLOUD_PROJECT`: the project, when the credentials do not name one. */
  readonly projectId: Option.Option<string>
}

/** The settings plus the base URIs that follow from them, for code that places objects. */
export interface StorageConfigService extends StorageSettings {
  /** Where market data keys live: `""` (bare keys, resolved by the layer) in either mode. */
  readonly marketDataBaseUri: string
  /**
   * Where results go: `gs://<resultsBucket>/` with direct GCS and a results bucket, else the
   * bare prefix `<resultsBucket>/` (or `results/` without one) under the default location.
   */
  readonly resultsBaseUri: string
}

/** The storage settings in force, provided by `Storage.layerConfig`. */
export class StorageConfig extends Context.Tag("@odum/ucs/StorageConfig")<StorageConfig, StorageConfigService>() {}

const optionalString = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Config.map(Option.filter((s) => s.trim() !== ""))
  )

/** Reads {@link StorageSettings} from the configuration provider (the environment by default). */
export const config: Config.Config<StorageSettings> = Config.all({
  useDirectGcs: Config.withDefault(Config.boolean("UNIFIED_CLOUD_SERVICES_USE_DIRECT_GCS"), false),
  marketDataBucket: optionalString("UNIFIED_CLOUD_SERVICES_GCS_BUCKET"),
  resultsBucket: optionalString("EXECUTION_STORE_GCS_BUCKET"),
  localRoot: Config.withDefault(Config.string("UNIFIED_CLOUD_LOCAL_PATH"), "data"),
  credentialsFile: Config.option(Config.redacted("GOOGLE_APPLICATION_CREDENTIALS")),
  emulatorHost: optionalString("STORAGE_EMULATOR_HOST"),
  projectId: optionalString("GOOGLE_CLOUD_PROJECT")
}).pipe(
  Config.mapOrFail((s) =>
    s.useDirectGcs && Option.isNone(s.marketDataBucket)
      ? Either.left(
          ConfigError.MissingData(
            ["UNIFIED_CLOUD_SERVICES_GCS_BUCKET"],
            "UNIFIED_CLOUD_SERVICES_GCS_BUCKET is required when UNIFIED_CLOUD_SERVICES_USE_DIRECT_GCS is true"
          )
        )
      : Either.right(s)
  )
)

/** Adds the derived base URIs to settings. */
export const make = (s: StorageSettings): StorageConfigService => ({
  ...s,
  marketDataBaseUri: "",
  resultsBaseUri: Option.match(s.resultsBucket, {
    onNone: () => "results/",
    onSome: (b) => (s.useDirectGcs ? `gs://${b}/` : `${b}/`)
  })
})
