/**
 * The bookkeeping every algorithm shares: children, filled and open lots, failures,
 * cancellation and completion. Subclasses decide when to spawn; this class guarantees
 * that children never exceed the parent (a spawn is never larger than what is free) and
 * that `complete` comes once, last, with no child working.
 */
import type { Action, ChildEnd, CompleteReason } from "../Action.js"
import { InvalidAlgoEvent } from "../AlgoError.js"
import type { CommonConfig } from "../AlgoParams.js"
import type { ExecutionAlgorithm, Snapshot, Status } from "../ExecutionAlgorithm.js"
import type { Grid } from "../Grid.js"
import type { MarketUpdate } from "../MarketUpdate.js"

/** One child order as the algorithm tracks it. */
export class Child {
  filled = 0
  ended = false
  cancelRequested = false
  constructor(
    readonly id: string,
    readonly lots: number
  ) {}
}

const badQuantity = (message: string) => new InvalidAlgoEvent({ reason: "InvalidQuantity", message })

/** Shared state machine; see the subclasses for when children are spawned. */
export abstract class AlgoCore implements ExecutionAlgorithm {
  abstract readonly name: "TWAP" | "VWAP" | "ICEBERG"
  abstract readonly config: CommonConfig & ExecutionAlgorithm["config"]
  /** The reused answer of every call. */
  protected readonly out: Array<Action> = []
  protected status: Status = "new"
  protected readonly parentLots: number
  protected readonly minLots: number
  protected filled = 0
  protected open = 0
  /** Lots ever spawned (a TWAP without catch-up plans against it). */
  protected spawnedLots = 0
  protected seq = 0
  protected working = 0
  protected failures = 0
  private stopReason: CompleteReason = "cancelled"
  private completeReason: CompleteReason | undefined = undefined
  /** Working children and children that ended unfilled (a late fill may still come); fully filled ones are dropped. */
  private readonly children = new Map<string, Child>()
  private readonly prefix: string

  constructor(protected readonly common: CommonConfig) {
    this.parentLots = common.parentLots
    this.minLots = common.minLots
    this.prefix = `${common.operationId}:c`
  }

  /** The instrument grid of the config. */
  get grid(): Grid {
    return this.common.grid
  }

  /** Called once by `start`, with status "running". */
  protected abstract begin(nowMs: number): void
  /** Called by `onTimer` while running. */
  protected abstract tick(nowMs: number): void
  /** A trade or quote while running. */
  protected market(_update: MarketUpdate): void {}
  /** A child filled `lots` while running; `completed` if that filled it entirely. */
  protected abstract afterFill(child: Child, completed: boolean): void
  /** A child ended while running, leaving `unfilled` lots free again (not called for our own cancels). */
  protected abstract afterRelease(child: Child, unfilled: number): void
  /** While running with something left to fill: complete if the algorithm can do no more. */
  protected abstract settle(): void

  start(nowMs: number): ReadonlyArray<Action> {
    this.out.length = 0
    if (this.status !== "new") return this.out
    checkTime(nowMs)
    this.status = "running"
    this.begin(nowMs)
    this.settleAll()
    return this.out
  }

  onTimer(nowMs: number): ReadonlyArray<Action> {
    this.out.length = 0
    if (this.status !== "running") return this.out
    checkTime(nowMs)
    this.tick(nowMs)
    this.settleAll()
    return this.out
  }

  onMarket(update: MarketUpdate): ReadonlyArray<Action> {
    this.out.length = 0
    if (this.status === "running") this.market(update)
    return this.out
  }

  onChildFill(childId: string, lots: number): ReadonlyArray<Action> {
    this.out.length = 0
    if (!Number.isSafeInteger(lots) || lots <= 0) throw badQuantity(`fill of ${lots} lots on ${childId}: expected a positive whole number of lots`)
    const child = this.children.get(childId)
    if (child === undefined) {
      throw this.isOurs(childId)
        ? new InvalidAlgoEvent({ reason: "Overfill", message: `fill of ${lots} lots on ${childId}, which is already filled` })
        : new InvalidAlgoEvent({ reason: "UnknownChild", message: `fill on ${childId}, which ${this.common.operationId} never spawned` })
    }
    const left = child.lots - child.filled
    if (lots > left) {
      throw new InvalidAlgoEvent({ reason: "Overfill", message: `fill of ${lots} lots on ${childId}, which has ${left} of ${child.lots} left` })
    }
    child.filled += lots
    this.filled += lots
    this.failures = 0
    let completed = false
    if (!child.ended) {
      this.open -= lots
      if (child.filled === child.lots) {
        completed = true
        child.ended = true
        this.working--
      }
    }
    if (child.filled === child.lots) this.children.delete(childId)
    if (this.status === "running") this.afterFill(child, completed)
    this.settleAll()
    return this.out
  }

  onChildDone(childId: string, end: ChildEnd): ReadonlyArray<Action> {
    this.out.length = 0
    const child = this.children.get(childId)
    if (child === undefined) {
      if (this.isOurs(childId)) return this.out
      throw new InvalidAlgoEvent({ reason: "UnknownChild", message: `${end} for ${childId}, which ${this.common.operationId} never spawned` })
    }
    if (child.ended) return this.out
    child.ended = true
    this.working--
    const unfilled = child.lots - child.filled
    this.open -= unfilled
    if (child.filled === 0 && !child.cancelRequested) this.failures++
    if (this.status === "running") {
      if (this.failures >= this.common.maxConsecutiveFailures) this.stop("failed")
      else if (!child.cancelRequested) this.afterRelease(child, unfilled)
    }
    this.settleAll()
    return this.out
  }

  cancel(): ReadonlyArray<Action> {
    this.out.length = 0
    if (this.status === "new") {
      this.status = "stopping"
      this.settleAll()
    } else if (this.status === "running") {
      this.stop("cancelled")
      this.settleAll()
    }
    return this.out
  }

  snapshot(): Snapshot {
    return {
      name: this.name,
      status: this.status,
      parentLots: this.parentLots,
      filledLots: this.filled,
      openLots: this.open,
      workingChildren: this.working,
      spawnedChildren: this.seq,
      consecutiveFailures: this.failures,
      completeReason: this.completeReason
    }
  }

  /** Lots neither filled nor on a working child. */
  protected free(): number {
    return this.parentLots - this.filled - this.open
  }

  /** Sends a child of `lots` (callers keep it within `free()`). */
  protected spawn(lots: number): void {
    const childId = this.prefix + ++this.seq
    this.children.set(childId, new Child(childId, lots))
    this.working++
    this.open += lots
    this.spawnedLots += lots
    const c = this.common
    this.out.push({ kind: "spawn", childId, side: c.side, type: c.childType, timeInForce: c.childTimeInForce, lots, priceTicks: c.limitTicks })
  }

  /** Stops spawning and cancels every working child. */
  protected stop(reason: CompleteReason): void {
    this.status = "stopping"
    this.stopReason = reason
    for (const child of this.children.values()) {
      if (!child.ended && !child.cancelRequested) {
        child.cancelRequested = true
        this.out.push({ kind: "cancel", childId: child.id })
      }
    }
  }

  private settleAll(): void {
    if (this.status === "done" || this.status === "new") return
    if (this.filled >= this.parentLots) {
      // A late fill on an ended child can complete the parent while a re-sent child still works.
      if (this.working === 0) this.complete("filled")
      else if (this.status === "running") this.stop("filled")
    } else if (this.status === "stopping") {
      if (this.working === 0) this.complete(this.stopReason)
    } else {
      this.settle()
    }
  }

  /** Emits `complete`; after it the algorithm answers nothing. */
  protected complete(reason: CompleteReason): void {
    this.status = "done"
    this.completeReason = reason
    this.out.push({ kind: "complete", reason, filledLots: this.filled })
  }

  /** An id of the form we give children, with a sequence number we have used. */
  private isOurs(childId: string): boolean {
    if (!childId.startsWith(this.prefix)) return false
    const n = Number(childId.slice(this.prefix.length))
    return Number.isSafeInteger(n) && n >= 1 && n <= this.seq && String(n) === childId.slice(this.prefix.length)
  }
}

/** Throws InvalidAlgoEvent unless `nowMs` is a non-negative whole number of milliseconds. */
export const checkTime = (nowMs: number): void => {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
    throw new InvalidAlgoEvent({ reason: "InvalidTime", message: `time ${nowMs} is not a non-negative whole number of epoch milliseconds` })
  }
}
