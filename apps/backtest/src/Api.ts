/**
 * The backtest service's HTTP API: one definition serves the handlers, the OpenAPI
 * document (`/openapi.json`) and the Swagger UI (`/docs`).
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as OpenApi from "@effect/platform/OpenApi"
import { CompareApi } from "./compare/Api.js"
import { HealthApi } from "./health/Api.js"
import { RunsApi } from "./runs/Api.js"

/** The whole API. */
export class BacktestApi extends HttpApi.make("backtest")
  .add(HealthApi)
  .add(RunsApi)
  .add(CompareApi)
  .annotate(OpenApi.Title, "Odum backtest service")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(
    OpenApi.Description,
    "Runs backtests of the Odum execution pipeline on replayed market data and serves their results."
  ) {}
