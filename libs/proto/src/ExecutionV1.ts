/**
 * The generated protobuf-es schemas and types of package `odum.execution.v1` (from
 * `proto/odum/execution/v1/*.proto`), gathered in one module so callers write
 * `ExecutionV1.OrderSchema` and never import from `gen/` paths.
 */
export * from "./gen/odum/execution/v1/order_pb.js"
export * from "./gen/odum/execution/v1/execution_result_pb.js"
export * from "./gen/odum/execution/v1/execution_service_pb.js"
