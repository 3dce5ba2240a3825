/**
 * The service's layers: the API and its handlers, the run registry, storage (through
 * @odum/ucs `Storage.layerConfig`, so `UNIFIED_CLOUD_LOCAL_PATH` and the GCS variables
 * apply), the OpenAPI document at `/openapi.json`, Swagger UI at `/docs`, and the Node HTTP
 * server on `BACKTEST_PORT` (default 8000).
 */
import { createServer } from "node:http"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { BacktestApi } from "./Api.js"
import { HttpCompareLive } from "./compare/Http.js"
import { HttpHealthLive } from "./health/Http.js"
import { HttpRunsLive } from "./runs/Http.js"
import * as RunRegistry from "./runs/RunRegistry.js"
import * as RunResults from "./runs/RunResults.js"
import * as ServiceConfig from "./ServiceConfig.js"

/** The API with every group's handlers. */
export const ApiLive = HttpApiBuilder.api(BacktestApi).pipe(Layer.provide([HttpHealthLive, HttpRunsLive, HttpCompareLive]))

/** The Node HTTP server on the configured host and port. */
const NodeServerLive = Layer.unwrapEffect(
  Effect.map(ServiceConfig.ServiceConfig, (s) =>
    NodeHttpServer.layer(createServer, {
      port: s.port,
      ...Option.match(s.host, { onNone: () => ({}), onSome: (host) => ({ host }) })
    })
  )
)

/**
 * The whole service given its settings layer; it also outputs the `HttpServer` (whose
 * `address` tells the bound port when it is 0) and the registry.
 */
export const layerWith = <E>(settings: Layer.Layer<ServiceConfig.ServiceConfig, E>) =>
  HttpApiBuilder.serve(HttpMiddleware.logger).pipe(
    Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(HttpApiBuilder.middlewareCors()),
    Layer.provide(ApiLive),
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeServerLive),
    Layer.provideMerge(RunRegistry.layer),
    Layer.provideMerge(RunResults.layer),
    Layer.provideMerge(Storage.layerConfig()),
    Layer.provideMerge(settings),
    Layer.provide(NodeContext.layer)
  )

/** The service as configured by the environment. */
export const ServerLive = layerWith(ServiceConfig.layerConfig())
