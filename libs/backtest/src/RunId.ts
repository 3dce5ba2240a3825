/**
 * Run ids. A run id names a run's results folder. Unless the config fixes one, it is
 * derived from the config alone: `<name>-<first 12 hex digits of the config hash>`, or
 * `run-<12 hex>` without a name. The same config therefore always writes to the same
 * place (a re-run replaces its results with identical bytes), and different configs
 * never collide in practice (48 bits of SHA-256).
 */
import * as BacktestConfig from "./BacktestConfig.js"

/** Hex digits of the config hash kept in a derived run id. */
export const HASH_DIGITS = 12

/** The run id of a config whose hash is `configHash`: its `runId`, or one derived from its name and hash. */
export const derive = (config: BacktestConfig.BacktestConfig, configHash: string): string =>
  config.runId ?? `${config.name ?? "run"}-${configHash.slice(0, HASH_DIGITS)}`

/** The run id of a config (hashing it). */
export const of = (config: BacktestConfig.BacktestConfig): string => derive(config, BacktestConfig.hash(config))
