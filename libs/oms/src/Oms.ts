/**
 * The durable OMS: the order manager wrapped with an OrderStore at the edge.
 *
 * Write before you send: `submit` returns an order only once the store holds it in
 * PENDING, so a crash after the venue saw it can always be reconciled, and a retry with
 * the same operation id (even after a restart) returns the stored order instead of a new
 * one. Every later change is planned by the manager, written to the store (row and journal
 * together), and only then committed to the manager: both see the same changes in the same
 * order, and a failed write changes neither. Calls are serialised by one permit, the
 * single-writer rule the manager's plans rely on.
 *
 * Memory: `retainTerminal` bounds the finished orders the manager keeps (see
 * `OrderManagerOptions`). The manager evicts only when it commits, i.e. after the store
 * holds the change, and the store answers for anything evicted: `get` falls back to it, a
 * late event or fill reloads the order (and its ancestors) first, and `submit` of an
 * evicted operation id meets the store's idempotent `insert`.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { FillReport } from "./FillReport.js"
import type { ManagedOrder } from "./ManagedOrder.js"
import { DuplicateOperation, type InvalidFillReport, type InvalidOrderRequest, type JournalCorrupt, OrderStoreError } from "./OmsError.js"
import type { LifecycleEvent } from "./OrderJournal.js"
import * as OrderManager from "./OrderManager.js"
import type { OrderQuery } from "./OrderQuery.js"
import * as OrderRequest from "./OrderRequest.js"
import { OrderStore, type OrderPage, type OrderStoreService } from "./OrderStore.js"

/** How the OMS is built (`retainTerminal` and `onEvict` bound its manager's memory, store first). */
export interface OmsOptions extends OrderManager.OrderManagerOptions {
  /** Load the store's unfinished orders when the layer is built (default true). */
  readonly recoverOnStart?: boolean | undefined
}

/** What a recovery loaded. */
export interface RecoverySummary {
  /** Orders now in memory (unfinished ones, plus the parents they need). */
  readonly orders: number
  /** Fills waiting for reconciliation. */
  readonly unmatched: number
  /** The journal sequence new entries continue after. */
  readonly sequence: number
}

/** The durable OMS. */
export interface OmsService {
  /** Records an order durably in PENDING, then returns it for sending; idempotent on the operation id. */
  readonly submit: (
    request: OrderRequest.OrderRequest
  ) => Effect.Effect<OrderManager.CreateResult, OrderManager.CreateError | OrderStoreError>
  /** `submit` for an untrusted, encoded request (decimals as strings): decoding errors are InvalidOrderRequest. */
  readonly submitEncoded: (
    input: unknown
  ) => Effect.Effect<OrderManager.CreateResult, OrderManager.CreateError | OrderStoreError>
  /** Applies a lifecycle event (store first, then memory). */
  readonly apply: (
    operationId: string,
    event: LifecycleEvent
  ) => Effect.Effect<ManagedOrder, OrderManager.ApplyError | OrderStoreError>
  /** Records a venue's fill; unmatched fills are stored for reconciliation. */
  readonly recordFill: (report: FillReport) => Effect.Effect<OrderManager.FillOutcome, InvalidFillReport | OrderStoreError>
  /** The order under an operation id, from memory or else the store. */
  readonly get: (operationId: string) => Effect.Effect<Option.Option<ManagedOrder>, OrderStoreError>
  /** A page of matching orders from the store (every order, finished ones included). */
  readonly query: (query: OrderQuery, cursor?: string) => Effect.Effect<OrderPage, OrderStoreError>
  /** Replaces the in-memory state with the store's unfinished orders, unmatched fills and journal position. */
  readonly recover: Effect.Effect<RecoverySummary, OrderStoreError>
  /** Replaces the in-memory state by replaying the store's whole journal (every order, exactly). */
  readonly recoverFromJournal: Effect.Effect<RecoverySummary, OrderStoreError | JournalCorrupt>
  /** The in-memory manager, for synchronous reads on the hot path (do not mutate it around the OMS). */
  readonly manager: () => OrderManager.OrderManager
}

/** The durable OMS service. */
export class Oms extends Context.Tag("@odum/oms/Oms")<Oms, OmsService>() {}

/**
 * Adds `m` to `manager` after any ancestors it lacks (read from the store), so a child
 * always finds its parents in memory.
 */
const loadChain = (
  store: OrderStoreService,
  manager: OrderManager.OrderManager,
  m: ManagedOrder
): Effect.Effect<void, OrderStoreError> =>
  Effect.gen(function* () {
    if (manager.get(m.order.operationId) !== undefined) return
    const chain: Array<ManagedOrder> = [m]
    let parentId = m.order.parentOperationId
    while (parentId !== undefined && manager.get(parentId) === undefined) {
      const parent = yield* store.get(parentId)
      if (Option.isNone(parent)) {
        return yield* new OrderStoreError({
          reason: "Corrupt",
          operationId: m.order.operationId,
          message: `Order ${chain[chain.length - 1]!.order.operationId} names parent ${parentId}, which the store does not hold`
        })
      }
      chain.push(parent.value)
      parentId = parent.value.order.parentOperationId
    }
    for (let i = chain.length - 1; i >= 0; i--) manager.load(chain[i]!)
  })

/** Builds the OMS on the OrderStore in context, with an empty manager (see `recover`). */
export const make = (options: OmsOptions): Effect.Effect<OmsService, never, OrderStore> =>
  Effect.gen(function* () {
    const store = yield* OrderStore
    const lock = yield* Effect.makeSemaphore(1)
    const serial = lock.withPermits(1)
    let manager = OrderManager.make(options)

    const ensureLoaded = (operationId: string): Effect.Effect<void, OrderStoreError> =>
      manager.get(operationId) !== undefined
        ? Effect.void
        : Effect.flatMap(store.get(operationId), (found) =>
            Option.isSome(found) ? loadChain(store, manager, found.value) : Effect.void
          )

    const findInStore = (report: FillReport): Effect.Effect<Option.Option<ManagedOrder>, OrderStoreError> =>
      Effect.gen(function* () {
        if (report.operationId !== undefined) {
          const m = yield* store.get(report.operationId)
          if (Option.isSome(m)) return m
        }
        if (report.clientOrderId !== undefined) {
          const m = yield* store.getByClientOrderId(report.clientOrderId)
          if (Option.isSome(m)) return m
        }
        if (report.venueOrderId !== undefined) return yield* store.getByVenueOrderId(report.venue, report.venueOrderId)
        return Option.none()
      })

    const writeChanges = (plan: OrderManager.Plan<unknown>): Effect.Effect<void, OrderStoreError> =>
      plan.changes.length === 0
        ? Effect.void
        : store.update(
            plan.changes.map((c) => ({ order: c.after, expectedVersion: c.before?.version ?? 0 })),
            plan.entries
          )

    const submit = (request: OrderRequest.OrderRequest) =>
      serial(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (request.parentOperationId !== undefined) yield* ensureLoaded(request.parentOperationId)
          const plan = yield* manager.planCreate(request, now)
          if (!plan.result.created) return plan.result
          const stored = yield* store.insert(plan.result.order, plan.entries)
          if (stored.inserted) return manager.commit(plan)
          // Known to the store but not in memory (e.g. finished before a restart): the same
          // idempotency rule as in memory, and nothing to send.
          const differences = OrderManager.requestDifferences(stored.order.order, request)
          if (differences.length === 0) return { order: stored.order, created: false }
          return yield* new DuplicateOperation({
            operationId: request.operationId,
            existing: stored.order,
            differences,
            message: `Operation ${request.operationId} already exists with a different ${differences.join(", ")}`
          })
        })
      )

    const apply = (operationId: string, event: LifecycleEvent) =>
      serial(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          yield* ensureLoaded(operationId)
          const plan = yield* manager.planApply(operationId, event, now)
          yield* writeChanges(plan)
          return manager.commit(plan)
        })
      )

    const recordFill = (report: FillReport) =>
      serial(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          let plan = yield* manager.planFill(report, now)
          if (plan.result._tag === "Unmatched" && plan.result.unmatched.reason === "UnknownOrder") {
            // Memory may lack a finished order (evicted, or finished before a restart): a late or
            // replayed fill may be for one.
            const found = yield* findInStore(report)
            if (Option.isSome(found)) {
              yield* loadChain(store, manager, found.value)
              plan = yield* manager.planFill(report, now)
            }
          }
          yield* writeChanges(plan)
          if (plan.unmatched !== undefined) yield* store.recordUnmatchedFill(plan.unmatched)
          return manager.commit(plan)
        })
      )

    const summary = (m: OrderManager.OrderManager): RecoverySummary => ({
      orders: m.size,
      unmatched: m.unmatchedFills().length,
      sequence: m.sequence
    })

    const recover = serial(
      Effect.gen(function* () {
        const fresh = OrderManager.make(options)
        let cursor: string | undefined
        do {
          const page: OrderPage = yield* store.query({ nonTerminal: true }, cursor)
          for (const m of page.orders) yield* loadChain(store, fresh, m)
          cursor = page.cursor
        } while (cursor !== undefined)
        for (const u of yield* store.listUnmatchedFills) fresh.loadUnmatched(u)
        fresh.resumeAfter(yield* store.lastSequence)
        manager = fresh
        return summary(fresh)
      })
    )

    const recoverFromJournal = serial(
      Effect.gen(function* () {
        const entries = yield* store.readJournal()
        const unmatched = yield* store.listUnmatchedFills
        const rebuilt = yield* OrderManager.rebuild(entries, options, unmatched)
        rebuilt.resumeAfter(yield* store.lastSequence)
        manager = rebuilt
        return summary(rebuilt)
      })
    )

    return {
      submit,
      submitEncoded: (input: unknown) =>
        Effect.flatMap(OrderRequest.decode(input) as Effect.Effect<OrderRequest.OrderRequest, InvalidOrderRequest>, submit),
      apply,
      recordFill,
      get: (operationId: string) => {
        const m = manager.get(operationId)
        return m !== undefined ? Effect.succeed(Option.some(m)) : store.get(operationId)
      },
      query: (query: OrderQuery, cursor?: string) => store.query(query, cursor),
      recover,
      recoverFromJournal,
      manager: () => manager
    }
  })

/** The OMS over the OrderStore in context; recovers the store's unfinished orders first unless told not to. */
export const layer = (options: OmsOptions): Layer.Layer<Oms, OrderStoreError, OrderStore> =>
  Layer.effect(
    Oms,
    Effect.gen(function* () {
      const oms = yield* make(options)
      if (options.recoverOnStart !== false) yield* oms.recover
      return oms
    })
  )
