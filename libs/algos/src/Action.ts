/**
 * What an execution algorithm asks its host to do. Every callback of an
 * `ExecutionAlgorithm` answers with a list of actions; the host (the execution core, the
 * backtest engine, or `AlgoDriver`) carries them out in order. Quantities are whole lots
 * and prices whole ticks of the instrument (`Grid` converts to exact decimals), so the
 * algorithms never round a decimal.
 */
import type { OrderType, Side } from "@odum/domain"

/** Send a new child order of the parent; the host records it in the OMS as a child, then routes it. */
export interface Spawn {
  readonly kind: "spawn"
  /** `${parentOperationId}:c${n}`, n = 1, 2, ... in spawn order: the same inputs give the same ids. */
  readonly childId: string
  readonly side: Side.Side
  readonly type: OrderType.OrderType
  readonly timeInForce: OrderType.TimeInForce
  /** Quantity in lots of the instrument, a positive safe integer. */
  readonly lots: number
  /** Limit price in ticks for a LIMIT child; undefined for MARKET. */
  readonly priceTicks: number | undefined
}

/** Ask the venue to cancel a working child; its end arrives later through `onChildDone` (or it fills first). */
export interface Cancel {
  readonly kind: "cancel"
  readonly childId: string
}

/**
 * Call `onTimer` at (or after) `atMs`. An algorithm has at most one pending wake-up: a new
 * schedule replaces the previous one. Waking it early or twice is harmless.
 */
export interface Schedule {
  readonly kind: "schedule"
  readonly atMs: number
}

/** Why an algorithm finished. */
export type CompleteReason =
  /** Every lot of the parent filled. */
  | "filled"
  /** The parent was cancelled (`cancel()`); its working children have all ended. */
  | "cancelled"
  /** Too many children in a row ended without a fill (rejected, expired); the rest was cancelled. */
  | "failed"
  /** A participation cap held the algorithm back until its horizon ended. */
  | "horizon"
  /** What is left is below the instrument's minimum quantity, so no child can carry it. */
  | "belowMinimum"

/** The algorithm is finished: no child is working and it will never spawn again. Always the last action it emits. */
export interface Complete {
  readonly kind: "complete"
  readonly reason: CompleteReason
  /** Lots filled over all children (late fills after the end are counted in `snapshot()` only). */
  readonly filledLots: number
}

/** One instruction to the host. */
export type Action = Spawn | Cancel | Schedule | Complete

/** How a child order ended without filling completely (a complete fill is seen through `onChildFill`). */
export type ChildEnd = "cancelled" | "rejected" | "expired"
