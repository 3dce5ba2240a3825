/**
 * The health endpoint.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Schema from "effect/Schema"

/** What `GET /health` answers. */
export const Health = Schema.Struct({
  status: Schema.Literal("ok"),
  service: Schema.Literal("backtest"),
  version: Schema.String,
  /** Runs of this process by status. */
  runs: Schema.Struct({ queued: Schema.Int, running: Schema.Int }),
  maxConcurrentRuns: Schema.Int,
  resultsUri: Schema.String
}).annotations({ identifier: "Health" })
/** What `GET /health` answers. */
export type Health = typeof Health.Type

/** The health group. */
export class HealthApi extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Health).annotate(OpenApi.Summary, "Liveness, with the run queue's size"))
  .annotate(OpenApi.Title, "Health") {}
