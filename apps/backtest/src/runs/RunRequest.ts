/**
 * Turns the body of `POST /runs` into a checked config: either the config itself, or
 * `{ "configPath": "..." }` naming a JSON file under the service's config folder (the
 * repository's `config/`). Every problem becomes one `InvalidConfig` naming the field.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { BacktestConfig, type BacktestError } from "@odum/backtest"
import * as Effect from "effect/Effect"
import { InvalidConfig } from "../ApiErrors.js"
import { ServiceConfig } from "../ServiceConfig.js"

/** The engine's InvalidConfig as the API's: its message lists one `path: problem` per line. */
export const toInvalidConfig = (e: BacktestError.BacktestError): InvalidConfig => {
  const text = e.message.replace(/^Invalid backtest config:\s*/, "")
  const issues = text.startsWith("- ") ? text.slice(2).split("\n- ") : [text]
  return new InvalidConfig({ message: e.message, issues })
}

const refuse = (issue: string) => new InvalidConfig({ message: `Invalid backtest config: ${issue}`, issues: [issue] })

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** A path inside the config folder: relative, `/`-separated, no `.` or `..` segments, ending in `.json`. */
const SAFE_PATH = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*\.json$/

/** Reads and checks `configPath` under the config folder. */
const fromFile = (configPath: unknown) =>
  Effect.gen(function* () {
    if (typeof configPath !== "string" || !SAFE_PATH.test(configPath) || configPath.split("/").some((s) => s === "." || s === "..")) {
      return yield* refuse(`configPath: expected a relative path of a .json file under the config folder (e.g. "examples/sample.json"), got ${JSON.stringify(configPath)}`)
    }
    const { configDir } = yield* ServiceConfig
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = path.join(path.resolve(configDir), ...configPath.split("/"))
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((e) =>
        refuse(
          e._tag === "SystemError" && e.reason === "NotFound"
            ? `configPath: no file ${configPath} in the config folder`
            : `configPath: ${configPath} could not be read (${e.message})`
        )
      )
    )
    return yield* Effect.mapError(BacktestConfig.decodeJson(text), toInvalidConfig)
  })

/** The config a `POST /runs` body asks for. */
export const toConfig = (
  body: unknown
): Effect.Effect<BacktestConfig.BacktestConfig, InvalidConfig, ServiceConfig | FileSystem.FileSystem | Path.Path> => {
  if (isRecord(body) && "configPath" in body) {
    const extra = Object.keys(body).filter((k) => k !== "configPath")
    return extra.length > 0
      ? Effect.fail(refuse(`${extra[0]}: a { "configPath": ... } request has no other fields; put settings in the config file`))
      : fromFile(body["configPath"])
  }
  return Effect.mapError(BacktestConfig.decode(body), toInvalidConfig)
}
