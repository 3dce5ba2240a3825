/**
 * The execution service for the live app (and paper trading): the synchronous
 * `ExecutionCore` wrapped once at the edge, over Effect services: `OrderStore` (the OMS's
 * durable store), `VenueAdapters` (the adapter registry), `RiskEngine`, `Positions`, the
 * `SmartOrderRouter` when one is provided, and Effect's `Clock` (TestClock in tests).
 *
 * Write before send, with an outbox: the core runs with a venue gateway that only queues
 * requests. After each call into the core (one "step", serialised by one permit: the core
 * has one writer) the service writes every new journal entry and order row to the store,
 * and only once they are all durable does it hand the queued requests to the adapters and
 * publish the step's reports. A store that fails keeps everything queued: nothing reaches
 * a venue before its order is durable, and nothing is lost; the next step retries.
 *
 * Bounded memory: the core keeps every working order and at most `retainFinishedOrders`
 * finished ones (default `DEFAULT_RETAIN_FINISHED_ORDERS`); the outbox persists the record
 * each journal entry left, never an order read back from the core, so an order evicted in
 * the step that finished it is still written whole. The version the store holds is tracked
 * only for orders the core holds or the outbox still has to write. An order the core no
 * longer holds is answered from the outbox, else the store (`submit`'s idempotency,
 * `status`, `cancel`).
 *
 * Venue calls run outside the permit (a slow venue does not block other orders); their
 * answers come back as steps (an ack is an Accepted event; a rejection rejects; a
 * transport error leaves the order in flight). Each adapter's execution event stream is
 * consumed into the core for the service's lifetime. Algorithm wake-ups are slept on
 * Effect's Clock by one fiber.
 */
import { ExecutionEvent, type VenueAdapter, VenueAdapters, VenueError, type VenueOrderRequest } from "@odum/adapter-kit"
import type { AlgoParams } from "@odum/algos"
import { type ExecutionResult, type Ids, type InstrumentSpec, OrderStatus } from "@odum/domain"
import { ManagedOrder, OrderManager, type OrderJournal, OrderRequest, OrderStore } from "@odum/oms"
import { Positions } from "@odum/positions"
import { RiskEngine } from "@odum/risk"
import { SmartOrderRouter } from "@odum/router"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ExecutionCore from "./ExecutionCore.js"
import { ExecutionError, isExecutionError } from "./ExecutionError.js"
import type { ExecutionReport } from "./ExecutionReport.js"
import type { VenueGateway } from "./VenueGateway.js"

/** What the service offers. */
export interface Service {
  /**
   * Submits a decoded order request: risk, OMS (durable), algorithm or router, venue.
   * Succeeds with the order's result once the venue calls it caused have answered
   * (a denial is a DENIED result). Idempotent on the operation id, across restarts too.
   */
  readonly submit: (request: OrderRequest.OrderRequest) => Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError>
  /** `submit` for an untrusted request with decimals as strings. */
  readonly submitEncoded: (input: unknown) => Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError>
  /** Cancels an order (see `ExecutionCore.cancel`). */
  readonly cancel: (operationId: string) => Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError>
  /** An order's current result, from memory or else the store. */
  readonly status: (operationId: string) => Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError>
  /** Reports from the moment of subscription, each published once its journal entry is durable. */
  readonly reports: Stream.Stream<ExecutionReport>
  /** A subscription to the reports for the life of the scope (subscribe first, then act, to miss nothing). */
  readonly subscribe: Effect.Effect<Queue.Dequeue<ExecutionReport>, never, Scope.Scope>
  /**
   * The core, for synchronous reads (orders, algorithm snapshots); change orders only through
   * the service. It holds working orders and at most `retainFinishedOrders` finished ones.
   */
  readonly core: ExecutionCore.ExecutionCore
  /** What the service holds to persist orders, for monitoring and tests (see `Persistence`). */
  readonly persistence: () => Persistence
}

/**
 * The service's persistence bookkeeping. Bounded: `storedVersions` counts orders the core
 * holds or the outbox still has to write (an order's entry goes once it is durable and
 * evicted); the queues empty with every successful flush.
 */
export interface Persistence {
  /** Orders whose stored version the service tracks. */
  readonly storedVersions: number
  /** Orders with journal entries waiting for the store. */
  readonly queuedOrders: number
  /** Journal entries waiting for the store. */
  readonly queuedEntries: number
}

/** The execution service. */
export class Execution extends Context.Tag("@odum/execution/Execution")<Execution, Service>() {}

/** How the service is built. */
export interface Options {
  /** Instruments orders may name. */
  readonly instruments: Iterable<InstrumentSpec.InstrumentSpec>
  /** The algorithms' host options (randomisation, child time in force, ...); `false` refuses algorithm orders. */
  readonly algorithms?: AlgoParams.OptionsInput | false | undefined
  /** Keeps the risk engine's book in step (the `InMemoryRiskBook` the RiskBook layer provides). */
  readonly riskBook?: ExecutionCore.RiskBookUpdates | undefined
  /**
   * How many finished orders (whole finished trees) the core keeps in memory; default
   * `DEFAULT_RETAIN_FINISHED_ORDERS`. Working orders are always kept; a finished order leaves
   * memory once the store holds it (the outbox writes the record its journal entry left), and
   * is then answered from the store. `Infinity` keeps every order (memory grows with every
   * order). A non-negative integer or `Infinity`; anything else is a RangeError.
   */
  readonly retainFinishedOrders?: number | undefined
}

/**
 * The default `retainFinishedOrders`: 10,000 finished orders (about 15 MB of records), enough
 * for recent orders to answer from memory and for any one call's children (an algorithm's
 * slices, a route's) to finish together; older ones are answered from the store.
 */
export const DEFAULT_RETAIN_FINISHED_ORDERS = 10_000

/** A venue request waiting in the outbox. */
type Command =
  | { readonly _tag: "submit"; readonly venue: string; readonly order: VenueOrderRequest.VenueOrderRequest }
  | { readonly _tag: "cancel"; readonly venue: string; readonly clientOrderId: Ids.ClientOrderId }

const storeError = (cause: unknown): ExecutionError =>
  new ExecutionError({
    reason: "StoreUnavailable",
    message: `The order store did not take the write; the changes stay queued and nothing is sent until it does: ${
      (cause as { message?: string }).message ?? String(cause)
    }`,
    cause
  })

const registryRejection = (venue: string, message: string): VenueError.VenueRejection =>
  new VenueError.VenueRejection({ reason: "Other", venue, message })

/** Builds the service; its fibers (event streams, timers) live as long as the scope. */
export const make = (
  options: Options
): Effect.Effect<Service, never, OrderStore.OrderStore | VenueAdapters.VenueAdapters | RiskEngine.RiskEngine | Positions.Positions | Scope.Scope> =>
  Effect.gen(function* () {
    const store = yield* OrderStore.OrderStore
    const adapters = yield* VenueAdapters.VenueAdapters
    const risk = yield* RiskEngine.RiskEngine
    const positions = yield* Positions.Positions
    const router = yield* Effect.serviceOption(SmartOrderRouter.SmartOrderRouter)
    const clock = yield* Effect.clock
    const pubsub = yield* PubSub.unbounded<ExecutionReport>()
    const permit = yield* Effect.makeSemaphore(1)
    const kick = yield* Queue.sliding<void>(1)

    const retain = options.retainFinishedOrders ?? DEFAULT_RETAIN_FINISHED_ORDERS
    if (!(retain === Infinity || (Number.isSafeInteger(retain) && retain >= 0))) {
      throw new RangeError(`Execution: retainFinishedOrders must be a non-negative integer or Infinity, got ${String(retain)}`)
    }

    // The outbox: filled by the core during a step, drained by `flush`.
    const journal: Array<OrderJournal.OrderJournalEntry> = []
    /** The record the last queued journal entry of each order left: what `persist` writes. */
    const latest = new Map<string, ManagedOrder.ManagedOrder>()
    const commands: Array<Command> = []
    const fills: Array<{ readonly fill: Parameters<ExecutionCore.PositionPort["apply"]>[0]; readonly strategyId: Ids.StrategyId }> = []
    const reports: Array<ExecutionReport> = []
    const anomalies: Array<ExecutionCore.Anomaly> = []
    /**
     * The version of each order the store holds (absent: not stored yet, or stored and no
     * longer held by the core: such an order never changes again). Kept for orders the core
     * holds or the outbox has to write, so it is bounded as the core is.
     */
    const persisted = new Map<string, number>()
    /**
     * Submits under way, by operation id, with a count of evictions of that id since: a submit
     * decides between the core and the store outside the permit, and an order evicted
     * meanwhile must not be created again by the core (it would be sent twice).
     */
    const submitting = new Map<string, { submits: number; evictions: number }>()

    const gateway: VenueGateway = {
      submit: (venue, order) => {
        commands.push({ _tag: "submit", venue, order })
        return undefined
      },
      cancel: (venue, clientOrderId) => {
        commands.push({ _tag: "cancel", venue, clientOrderId })
        return undefined
      }
    }
    const algorithmOptions = options.algorithms
    const core = ExecutionCore.make({
      instruments: new Map(Array.from(options.instruments, (s) => [s.canonicalId, s] as const)),
      clock: { nowMs: () => clock.unsafeCurrentTimeMillis(), nowNs: () => clock.unsafeCurrentTimeNanos() },
      risk: risk.core,
      riskBook: options.riskBook,
      positions: {
        apply: (fill, strategyId) => {
          fills.push({ fill, strategyId })
          return undefined
        }
      },
      router: Option.isNone(router)
        ? undefined
        : {
            // The router's service wraps a synchronous decision; running it here costs no I/O.
            route: (request) => Either.merge(Effect.runSync(Effect.either(router.value.route(request))))
          },
      algorithms: algorithmOptions === false ? undefined : ExecutionCore.algorithms(algorithmOptions),
      venues: gateway,
      reports: { onReport: (r) => reports.push(r) },
      anomalies: { onAnomaly: (a) => anomalies.push(a) },
      journal: (entry, record) => {
        journal.push(entry)
        latest.set(entry.operationId, record)
      },
      retainFinishedOrders: retain,
      onOrderEvicted: (m) => {
        const id = m.order.operationId
        // Durable already: forget its version. Still queued: `persist` forgets it once written.
        if (!latest.has(id)) persisted.delete(id)
        const s = submitting.get(id)
        if (s !== undefined) s.evictions++
      }
    })

    /** Writes the queued journal entries and rows, order by order in the order they changed. */
    const persist = Effect.gen(function* () {
      while (journal.length > 0) {
        const id = journal[0]!.operationId
        const entries = journal.filter((e) => e.operationId === id)
        // The record the last entry left (the core may have evicted the order since).
        const m = latest.get(id)!
        const known = persisted.get(id)
        if (known === undefined) {
          const r = yield* store.insert(m, entries)
          if (!r.inserted) {
            // Written by an earlier attempt whose answer was lost: add what it lacks.
            const rest = entries.filter((e) => e.version > r.order.version)
            if (rest.length > 0) yield* store.update([{ order: m, expectedVersion: r.order.version }], rest)
          }
        } else {
          yield* store.update([{ order: m, expectedVersion: known }], entries).pipe(
            Effect.catchIf(
              (e) => e.reason === "VersionConflict" || e.reason === "JournalConflict",
              (e) =>
                // An earlier write whose answer was lost ("Unavailable") may have landed: continue from what the store holds.
                Effect.flatMap(store.get(id), (stored) => {
                  if (Option.isNone(stored) || stored.value.version < known) return Effect.fail(e)
                  const rest = entries.filter((x) => x.version > stored.value.version)
                  return rest.length === 0 ? Effect.void : store.update([{ order: m, expectedVersion: stored.value.version }], rest)
                })
            )
          )
        }
        // Durable now; an order the core no longer holds (finished and evicted) never changes again.
        if (core.order(id) === undefined) persisted.delete(id)
        else persisted.set(id, m.version)
        latest.delete(id)
        let w = 0
        for (const e of journal) if (e.operationId !== id) journal[w++] = e
        journal.length = w
      }
    })

    /** After a step: persist, then publish reports, positions and anomalies, and take the venue requests. */
    const flush = Effect.gen(function* () {
      const written = yield* Effect.either(persist)
      if (Either.isLeft(written)) return yield* Effect.fail(storeError(written.left))
      if (reports.length > 0) yield* PubSub.publishAll(pubsub, reports.splice(0))
      for (const { fill, strategyId } of fills.splice(0)) {
        yield* Effect.catchAll(positions.applyFill(fill, strategyId), (e) =>
          Effect.logWarning(`positions refused fill ${fill.venue}|${fill.tradeId}: ${e.message}`)
        )
      }
      for (const a of anomalies.splice(0)) yield* Effect.logWarning(`${a.kind}${a.operationId === undefined ? "" : ` ${a.operationId}`}: ${a.message}`)
      yield* Queue.offer(kick, undefined)
      return commands.splice(0)
    })

    /** One call into the core under the permit, then its flush; returns the core's answer and the venue requests to run. */
    const step = <A>(f: () => A): Effect.Effect<readonly [A, ReadonlyArray<Command>], ExecutionError> =>
      permit.withPermits(1)(
        Effect.suspend(() => {
          const a = f()
          return Effect.map(flush, (batch) => [a, batch] as const)
        })
      )

    const adapterOf = (venue: string): Effect.Effect<VenueAdapter.VenueAdapter, VenueError.VenueRejection> =>
      Effect.mapError(adapters.get(venue), (e) => registryRejection(venue, e.message))

    /** Runs venue requests in the order they were queued; each answer is a step, whose own requests run next. */
    const run = (batch: ReadonlyArray<Command>): Effect.Effect<void> =>
      Effect.forEach(
        batch,
        (c) =>
          Effect.gen(function* () {
            const next =
              c._tag === "submit"
                ? yield* Effect.either(Effect.flatMap(adapterOf(c.venue), (a) => a.submit(c.order))).pipe(
                    Effect.flatMap((answer) =>
                      step(() =>
                        Either.isLeft(answer)
                          ? core.onVenueError("submit", c.order.clientOrderId, answer.left)
                          : core.onExecution({
                              _tag: "Accepted",
                              venue: c.venue as Ids.Venue,
                              canonicalId: c.order.canonicalId,
                              clientOrderId: answer.right.clientOrderId,
                              venueOrderId: answer.right.venueOrderId,
                              ts: answer.right.ts
                            })
                      )
                    )
                  )
                : yield* Effect.either(Effect.flatMap(adapterOf(c.venue), (a) => a.cancel(c.clientOrderId))).pipe(
                    Effect.flatMap((answer) =>
                      step(() => (Either.isLeft(answer) ? core.onVenueError("cancel", c.clientOrderId, answer.left) : undefined))
                    )
                  )
            yield* run(next[1])
          }).pipe(Effect.catchAll((e) => Effect.logWarning(e.message))),
        { discard: true }
      )

    /** A step whose venue requests are run before it answers. */
    const call = <A>(f: () => A): Effect.Effect<A, ExecutionError> =>
      Effect.flatMap(step(f), ([a, batch]) => Effect.as(run(batch), a))

    const fromStore = (operationId: string) =>
      Effect.mapError(store.get(operationId), storeError)

    /** Sent back by a submit's step when its order was evicted after the submit looked (see `submitting`). */
    const LOOK_AGAIN: unique symbol = Symbol("look again")

    /**
     * The record of an order the core does not hold (finished and evicted, or of an earlier
     * run): from the store, once the outbox has written it if it is still queued (so the
     * answer is durable; a store still down is `StoreUnavailable`, as for any step).
     */
    const recordOf = (operationId: string): Effect.Effect<Option.Option<ManagedOrder.ManagedOrder>, ExecutionError> =>
      Effect.suspend(() =>
        latest.has(operationId) ? Effect.zipRight(call(() => undefined), fromStore(operationId)) : fromStore(operationId)
      )

    /** The idempotency rule against a record the core does not hold: its result, or DuplicateOperation; nothing is sent. */
    const answerStored = (
      stored: ManagedOrder.ManagedOrder,
      request: OrderRequest.OrderRequest
    ): Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError> => {
      const differences = OrderManager.requestDifferences(stored.order, request).filter((d) => !(d === "venue" && request.venue === undefined))
      if (differences.length > 0) {
        return Effect.fail(
          new ExecutionError({
            reason: "DuplicateOperation",
            operationId: request.operationId,
            message: `Operation ${request.operationId} already exists with a different ${differences.join(", ")}; the first order stands`
          })
        )
      }
      return Effect.succeed(ManagedOrder.toExecutionResult(stored))
    }

    const submitOnce = (
      request: OrderRequest.OrderRequest,
      watch: { readonly evictions: number }
    ): Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError> =>
      Effect.gen(function* () {
        const id = request.operationId
        for (;;) {
          const evictions = watch.evictions
          if (core.order(id) === undefined) {
            // Finished and evicted, or known to the store from an earlier run: the same idempotency rule, and nothing is sent.
            const stored = yield* recordOf(id)
            if (Option.isSome(stored)) return yield* answerStored(stored.value, request)
          }
          // Evicted since it was looked for: look again (the core would take it for a new order).
          const result = yield* call(() => (watch.evictions === evictions ? core.submit(request) : LOOK_AGAIN))
          if (result === LOOK_AGAIN) continue
          if (isExecutionError(result)) return yield* result
          return yield* status(id)
        }
      })

    const submit = (request: OrderRequest.OrderRequest): Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError> =>
      Effect.suspend(() => {
        const id = request.operationId
        let watch = submitting.get(id)
        if (watch === undefined) submitting.set(id, (watch = { submits: 0, evictions: 0 }))
        watch.submits++
        const w = watch
        return Effect.ensuring(
          submitOnce(request, w),
          Effect.sync(() => {
            if (--w.submits === 0) submitting.delete(id)
          })
        )
      })

    /** An order's result: the core's, else the outbox's last record (the core evicted it), else the store's. */
    const status = (operationId: string): Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError> =>
      Effect.suspend(() => {
        const r = core.status(operationId)
        if (!isExecutionError(r)) return Effect.succeed(r)
        const queued = latest.get(operationId)
        if (queued !== undefined) return Effect.succeed(ManagedOrder.toExecutionResult(queued))
        return Effect.flatMap(fromStore(operationId), (found) =>
          Option.isSome(found) ? Effect.succeed(ManagedOrder.toExecutionResult(found.value)) : Effect.fail(r)
        )
      })

    /** Cancels through the core; a finished order it no longer holds is answered as it is (nothing to cancel). */
    const cancel = (operationId: string): Effect.Effect<ExecutionResult.ExecutionResult, ExecutionError> =>
      Effect.flatMap(
        call(() => core.cancel(operationId)),
        (r) => {
          if (!isExecutionError(r)) return status(operationId)
          if (r.reason !== "OrderNotFound") return Effect.fail(r)
          return Effect.flatMap(status(operationId), (found) => (OrderStatus.isTerminal(found.status) ? Effect.succeed(found) : Effect.fail(r)))
        }
      )

    // Each venue's execution events feed the core for the service's lifetime; a dropped stream reconnects.
    for (const venue of adapters.venues) {
      const adapter = adapters.unsafeGet(venue)
      if (adapter === undefined) continue
      yield* Stream.runForEach(adapter.executionEvents, (event: ExecutionEvent.ExecutionEvent) =>
        call(() => core.onExecution(event)).pipe(Effect.catchAll((e) => Effect.logWarning(e.message)))
      ).pipe(
        Effect.tapError((e) => Effect.logWarning(`execution events of ${venue} ended: ${e.message}; resubscribing`)),
        Effect.retry(Schedule.exponential(Duration.millis(100)).pipe(Schedule.union(Schedule.spaced(Duration.seconds(10))))),
        Effect.forkScoped
      )
    }

    // Algorithm wake-ups: sleep until the earliest, or until a step may have changed it.
    yield* Effect.gen(function* () {
      for (;;) {
        const next = core.nextWakeupMs()
        if (next === undefined) {
          yield* Queue.take(kick)
          continue
        }
        const delay = next - clock.unsafeCurrentTimeMillis()
        if (delay > 0) {
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(delay)), Queue.take(kick))
          continue
        }
        yield* call(() => core.onTime()).pipe(Effect.catchAll((e) => Effect.logWarning(e.message)))
      }
    }).pipe(Effect.forkScoped)

    return {
      submit,
      submitEncoded: (input: unknown) =>
        Effect.flatMap(
          Effect.mapError(OrderRequest.decode(input), (e) => new ExecutionError({ reason: "InvalidRequest", message: e.message, cause: e })),
          submit
        ),
      cancel,
      status,
      reports: Stream.fromPubSub(pubsub),
      subscribe: PubSub.subscribe(pubsub),
      core,
      persistence: () => ({ storedVersions: persisted.size, queuedOrders: latest.size, queuedEntries: journal.length })
    } satisfies Service
  })

/** The service over the OrderStore, VenueAdapters, RiskEngine and Positions in context (and the SmartOrderRouter, if any). */
export const layer = (
  options: Options
): Layer.Layer<Execution, never, OrderStore.OrderStore | VenueAdapters.VenueAdapters | RiskEngine.RiskEngine | Positions.Positions> =>
  Layer.scoped(Execution, make(options))
