/** @odum/backtest: deterministic event-driven replay of catalog data through the execution core against simulated venues. */
export * as Backtest from "./Backtest.js"
export * as BacktestConfig from "./BacktestConfig.js"
export * as BacktestError from "./BacktestError.js"
export * as ResultFiles from "./ResultFiles.js"
export * as RunId from "./RunId.js"
export * as RunSummary from "./RunSummary.js"
