/** @odum/execution: the execution core (submit, cancel, status, reports) over risk, OMS, router, algorithms, venues and positions. */
export * as Execution from "./Execution.js"
export * as ExecutionClock from "./ExecutionClock.js"
export * as ExecutionCore from "./ExecutionCore.js"
export * as ExecutionError from "./ExecutionError.js"
export * as ExecutionReport from "./ExecutionReport.js"
export * as VenueGateway from "./VenueGateway.js"
