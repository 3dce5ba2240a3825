/**
 * The algorithm contract: a pure, synchronous state machine per parent order. The host
 * calls it with the time, market events and what happened to its children; it answers
 * with actions (spawn a child, cancel one, wake me at, done). It owns no timer and reads
 * no clock, so the same inputs give the same actions in a backtest and live.
 */
import * as Either from "effect/Either"
import type { Action, ChildEnd, CompleteReason } from "./Action.js"
import type { InvalidAlgoParams } from "./AlgoError.js"
import * as AlgoParams from "./AlgoParams.js"
import type { Grid } from "./Grid.js"
import { makeIceberg } from "./internal/Iceberg.js"
import { makeTwap, makeVwap } from "./internal/Scheduled.js"
import type { MarketUpdate } from "./MarketUpdate.js"

/** Where an algorithm is in its life. */
export type Status =
  /** Built, not started. */
  | "new"
  /** Working the order. */
  | "running"
  /** Cancelled or given up: waiting for its working children to end. */
  | "stopping"
  /** Emitted `complete`; answers nothing more. */
  | "done"

/** A read-only view of an algorithm's bookkeeping, for hosts, status pages and tests. */
export interface Snapshot {
  readonly name: "TWAP" | "VWAP" | "ICEBERG"
  readonly status: Status
  readonly parentLots: number
  /** Lots filled over all children (including late fills). */
  readonly filledLots: number
  /** Lots on working children not yet filled. */
  readonly openLots: number
  /** Children spawned and not yet ended or fully filled. */
  readonly workingChildren: number
  /** Children spawned so far (the n of the last child id). */
  readonly spawnedChildren: number
  /** Children in a row that ended without a fill. */
  readonly consecutiveFailures: number
  readonly completeReason: CompleteReason | undefined
}

/**
 * One algorithm working one parent order. Every method returns the actions to carry out,
 * in order, in an array the algorithm reuses: it is valid until the next call (copy it to
 * keep it). Methods throw `InvalidAlgoEvent` on an event they refuse, leaving the state
 * unchanged. After `complete` every method returns no actions.
 */
export interface ExecutionAlgorithm {
  readonly name: "TWAP" | "VWAP" | "ICEBERG"
  readonly config: AlgoParams.AlgoConfig
  /** Lots, ticks and volume units of this instrument, for converting actions to decimals. */
  readonly grid: Grid
  /** Starts working at `nowMs` (epoch ms): the first children and the first wake-up. A second call does nothing. */
  start(nowMs: number): ReadonlyArray<Action>
  /** The host's timer fired (at or after the last `schedule`). Always re-announces the next wake-up, if any. */
  onTimer(nowMs: number): ReadonlyArray<Action>
  /** A market event (trades feed a VWAP participation cap). */
  onMarket(update: MarketUpdate): ReadonlyArray<Action>
  /** A child traded `lots` lots. A fill that completes the child ends it. */
  onChildFill(childId: string, lots: number): ReadonlyArray<Action>
  /** A child ended without filling completely; its unfilled lots are free again. Repeats are ignored. */
  onChildDone(childId: string, end: ChildEnd): ReadonlyArray<Action>
  /** The parent is cancelled: cancel every working child, then complete once they have all ended. */
  cancel(): ReadonlyArray<Action>
  /** The bookkeeping as it stands. */
  snapshot(): Snapshot
}

/** Builds the pure core for a validated config. */
export const fromConfig = (config: AlgoParams.AlgoConfig): ExecutionAlgorithm => {
  switch (config.name) {
    case "TWAP":
      return makeTwap(config)
    case "VWAP":
      return makeVwap(config)
    case "ICEBERG":
      return makeIceberg(config)
  }
}

/**
 * Validates the parent's `execAlgorithm` (and the host's options) against the instrument
 * (a domain `InstrumentSpec` will do) and builds its algorithm. The host keeps one per
 * working algorithm order.
 */
export const make = (
  parent: AlgoParams.ParentOrder,
  spec: AlgoParams.InstrumentGrid,
  options?: AlgoParams.OptionsInput
): Either.Either<ExecutionAlgorithm, InvalidAlgoParams> => Either.map(AlgoParams.compile(parent, spec, options), fromConfig)
