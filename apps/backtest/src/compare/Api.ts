/**
 * The compare endpoint: two finished runs side by side.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { BacktestConfig } from "@odum/backtest"
import * as Schema from "effect/Schema"
import { RunNotFound, RunNotReady, StorageFailure } from "../ApiErrors.js"
import { Comparison } from "./Compare.js"

/** The compare group. */
export class CompareApi extends HttpApiGroup.make("compare")
  .add(
    HttpApiEndpoint.get("compare", "/compare")
      .setUrlParams(Schema.Struct({ a: BacktestConfig.RunId, b: BacktestConfig.RunId }))
      .addSuccess(Comparison)
      .addError(RunNotFound)
      .addError(RunNotReady)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "Compare two succeeded runs metric by metric, with exact differences b - a")
  )
  .annotate(OpenApi.Title, "Compare") {}
