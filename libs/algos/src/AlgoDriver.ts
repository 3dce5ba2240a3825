/**
 * The Effect edge: runs one algorithm against Effect's `Clock` (so `TestClock` drives it
 * in tests) and a `ChildOrderGateway`. It sleeps until the algorithm's next wake-up or
 * the next event in its inbox, whichever comes first. The execution core and the backtest
 * engine host the pure core directly; this driver is for tests and simple hosts.
 */
import type { Decimal } from "@odum/domain"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type { Action, ChildEnd, CompleteReason } from "./Action.js"
import { InvalidAlgoEvent } from "./AlgoError.js"
import * as ChildOrderGateway from "./ChildOrderGateway.js"
import type { ExecutionAlgorithm } from "./ExecutionAlgorithm.js"
import * as Grid from "./Grid.js"
import type { MarketUpdate } from "./MarketUpdate.js"

/** What the host tells a running algorithm. */
export type Event = Data.TaggedEnum<{
  /** A child traded `quantity` (on the lot grid). */
  ChildFill: { readonly childId: string; readonly quantity: Decimal.Decimal }
  /** A child ended without filling completely. */
  ChildDone: { readonly childId: string; readonly end: ChildEnd }
  /** A market event, in the algorithm's units (see `MarketUpdate`). */
  Market: { readonly update: MarketUpdate }
  /** The parent was cancelled. */
  CancelParent: {}
}>

/** Constructors of `Event`: `Event.ChildFill({ childId, quantity })`, ... */
export const Event = Data.taggedEnum<Event>()

/** How a run ended. */
export interface Outcome {
  readonly reason: CompleteReason
  readonly filledQuantity: Decimal.Decimal
  readonly childrenSpawned: number
}

/** Runs a pure call, turning a refused event into a typed failure (anything else is a defect). */
const call = (f: () => ReadonlyArray<Action>): Effect.Effect<ReadonlyArray<Action>, InvalidAlgoEvent> =>
  Effect.suspend(() => {
    try {
      // Copy: the algorithm reuses its answer array, and dispatching may call it again.
      return Effect.succeed(f().slice())
    } catch (error) {
      return error instanceof InvalidAlgoEvent ? Effect.fail(error) : Effect.die(error)
    }
  })

/**
 * Runs `algo` until it completes, reading events from `inbox`. Starts it (or, if it was
 * started before, e.g. by a run that failed on a refused event, resumes it with
 * `onTimer`). Spawns go to the gateway; a submit that fails with `Rejected` is fed back
 * as a rejected child. Fails with `InvalidAlgoEvent` on an event the algorithm refuses
 * (its state unchanged, so another `run` can resume it).
 */
export const run = (
  algo: ExecutionAlgorithm,
  inbox: Queue.Dequeue<Event>
): Effect.Effect<Outcome, InvalidAlgoEvent, ChildOrderGateway.ChildOrderGateway> =>
  Effect.gen(function* () {
    const gateway = yield* ChildOrderGateway.ChildOrderGateway
    let nextAt: number | undefined = undefined
    let outcome: Outcome | undefined = undefined

    const dispatch = (actions: ReadonlyArray<Action>): Effect.Effect<void, InvalidAlgoEvent> =>
      Effect.gen(function* () {
        for (const action of actions) {
          switch (action.kind) {
            case "spawn": {
              const sent = yield* Effect.either(gateway.submit(ChildOrderGateway.fromSpawn(algo, action)))
              if (sent._tag === "Left") {
                if (sent.left.reason === "Rejected") yield* dispatch(yield* call(() => algo.onChildDone(action.childId, "rejected")))
                else yield* Effect.logWarning(`child ${action.childId} in flight with an unknown outcome: ${sent.left.message}`)
              }
              break
            }
            case "cancel": {
              const asked = yield* Effect.either(gateway.cancel(action.childId))
              if (asked._tag === "Left") yield* Effect.logWarning(`cancel of child ${action.childId} failed: ${asked.left.message}`)
              break
            }
            case "schedule":
              nextAt = action.atMs
              break
            case "complete":
              outcome = {
                reason: action.reason,
                filledQuantity: Grid.quantityOf(algo.grid, action.filledLots),
                childrenSpawned: algo.snapshot().spawnedChildren
              }
              break
          }
        }
      })

    const handle = (event: Event): ReadonlyArray<Action> => {
      switch (event._tag) {
        case "ChildFill":
          return algo.onChildFill(event.childId, Grid.lotsOf(algo.grid, event.quantity))
        case "ChildDone":
          return algo.onChildDone(event.childId, event.end)
        case "Market":
          return algo.onMarket(event.update)
        case "CancelParent":
          return algo.cancel()
      }
    }

    const begin = yield* Clock.currentTimeMillis
    yield* dispatch(yield* call(() => (algo.snapshot().status === "new" ? algo.start(begin) : algo.onTimer(begin))))
    while (outcome === undefined) {
      const before = yield* Clock.currentTimeMillis
      const at: number | undefined = nextAt
      const event: Option.Option<Event> =
        at === undefined
          ? Option.some(yield* Queue.take(inbox))
          : at <= before
            ? Option.none()
            : yield* Queue.take(inbox).pipe(Effect.timeoutOption(Duration.millis(at - before)))
      const now = yield* Clock.currentTimeMillis
      if (Option.isNone(event)) {
        nextAt = undefined
        yield* dispatch(yield* call(() => algo.onTimer(now)))
      } else {
        const e = event.value
        yield* dispatch(yield* call(() => handle(e)))
      }
    }
    return outcome as Outcome
  })
