/** The generated protobuf-es schemas and types of `odum.execution.v1`. */
export * as ExecutionV1 from "./ExecutionV1.js"
/** The domain shape of a strategy's order request (a proto Order, decoded). */
export * as OrderRequest from "./OrderRequest.js"
/** The domain shape of one streamed execution report. */
export * as ExecutionReport from "./ExecutionReport.js"
/** Order and request messages <-> domain, with validation, and their bytes. */
export * as OrderCodec from "./OrderCodec.js"
/** Fill, ExecutionResult and ExecutionReport <-> domain, and their bytes. */
export * as ResultCodec from "./ResultCodec.js"
/** The error every decode fails with. */
export * as ProtoDecodeError from "./ProtoDecodeError.js"
