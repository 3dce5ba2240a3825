/**
 * The persistence port of the OMS: orders of record, their journal and the fills kept for
 * reconciliation. Effect-returning because real stores do I/O (PostgreSQL); the in-memory
 * store (`layerMemory`, for backtests and tests) answers synchronously inside the Effect.
 *
 * The contract every store keeps (and `test/OrderStoreContract.ts` checks, for each store):
 * - `insert` is idempotent on the operation id: an existing row is returned, never
 *   overwritten, and its journal entries are not written again.
 * - `update` is optimistic: each row changes only if its stored version is the expected
 *   one; a batch and its journal entries are written all together or not at all.
 * - Journal entries are unique on (operationId, version) and read back in sequence order.
 * - Everything read back equals what was written (exact decimals, all fields).
 * - Queries return creation order, paged by an opaque cursor.
 * - Unmatched fills are idempotent on (venue, trade id).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { key as reportKey, type UnmatchedFill } from "./FillReport.js"
import type { ManagedOrder } from "./ManagedOrder.js"
import { OrderStoreError } from "./OmsError.js"
import type { OrderJournalEntry } from "./OrderJournal.js"
import { limitOf, matches, type OrderQuery } from "./OrderQuery.js"

/** The result of `insert`. */
export interface InsertResult {
  /** The stored order: the one given, or the one already stored under its operation id. */
  readonly order: ManagedOrder
  /** False if the operation id was already stored (nothing was written). */
  readonly inserted: boolean
}

/** One row of an `update` batch. */
export interface OrderUpdate {
  /** The new record (its `version` is above `expectedVersion`). */
  readonly order: ManagedOrder
  /** The version the store must hold for the write to happen. */
  readonly expectedVersion: number
}

/** One page of a query. */
export interface OrderPage {
  readonly orders: ReadonlyArray<ManagedOrder>
  /** Pass it back for the next page; undefined when there is none. */
  readonly cursor: string | undefined
}

/** Which journal entries to read. */
export interface JournalQuery {
  /** Entries with `sequence >= fromSequence`. */
  readonly fromSequence?: number | undefined
  /** Only this order's entries. */
  readonly operationId?: string | undefined
  /** At most this many entries (default: all). */
  readonly limit?: number | undefined
}

/** What a store does; see the module comment for the contract. */
export interface OrderStoreService {
  /** Stores a new order with its journal entries; returns the existing order if the operation id is stored. */
  readonly insert: (
    order: ManagedOrder,
    journal: ReadonlyArray<OrderJournalEntry>
  ) => Effect.Effect<InsertResult, OrderStoreError>
  /** Writes a batch of changed orders and their journal entries, all or nothing (VersionConflict, NotFound, JournalConflict). */
  readonly update: (
    updates: ReadonlyArray<OrderUpdate>,
    journal: ReadonlyArray<OrderJournalEntry>
  ) => Effect.Effect<void, OrderStoreError>
  /** The order stored under an operation id. */
  readonly get: (operationId: string) => Effect.Effect<Option.Option<ManagedOrder>, OrderStoreError>
  /** The order with this client order id. */
  readonly getByClientOrderId: (clientOrderId: string) => Effect.Effect<Option.Option<ManagedOrder>, OrderStoreError>
  /** The order a venue knows by its own id. */
  readonly getByVenueOrderId: (
    venue: string,
    venueOrderId: string
  ) => Effect.Effect<Option.Option<ManagedOrder>, OrderStoreError>
  /** One page of the orders matching `query`, in creation order, after `cursor`. */
  readonly query: (query: OrderQuery, cursor?: string) => Effect.Effect<OrderPage, OrderStoreError>
  /** Journal entries in sequence order. */
  readonly readJournal: (query?: JournalQuery) => Effect.Effect<ReadonlyArray<OrderJournalEntry>, OrderStoreError>
  /** The highest journal sequence stored (0 when empty), so a restarted manager continues after it. */
  readonly lastSequence: Effect.Effect<number, OrderStoreError>
  /** Keeps a fill for reconciliation; `recorded` is false if its (venue, trade id) is already kept. */
  readonly recordUnmatchedFill: (fill: UnmatchedFill) => Effect.Effect<{ readonly recorded: boolean }, OrderStoreError>
  /** Fills kept for reconciliation, in the order recorded. */
  readonly listUnmatchedFills: Effect.Effect<ReadonlyArray<UnmatchedFill>, OrderStoreError>
}

/** The order store service. */
export class OrderStore extends Context.Tag("@odum/oms/OrderStore")<OrderStore, OrderStoreService>() {}

interface Row {
  readonly seq: number
  order: ManagedOrder
}

const journalKey = (operationId: string, version: number): string => `${operationId}#${version}`

/**
 * An in-memory store. Records are immutable, so it keeps the values it is given; every
 * method runs as one synchronous step, which makes each call atomic.
 */
export const makeMemory = (): OrderStoreService => {
  const rows = new Map<string, Row>()
  const byClientOrderId = new Map<string, string>()
  const byVenueOrderId = new Map<string, string>()
  const journal: Array<OrderJournalEntry> = []
  const journalKeys = new Set<string>()
  let journalSorted = true
  let maxSequence = 0
  const unmatched = new Map<string, UnmatchedFill>()
  let nextSeq = 1

  const fail = (reason: OrderStoreError["reason"], message: string, operationId?: string) =>
    Effect.fail(new OrderStoreError({ reason, message, ...(operationId === undefined ? {} : { operationId }) }))

  /** The first journal entry that cannot be appended, or undefined. */
  const journalConflict = (entries: ReadonlyArray<OrderJournalEntry>): OrderJournalEntry | undefined => {
    const seen = new Set<string>()
    for (const e of entries) {
      const k = journalKey(e.operationId, e.version)
      if (journalKeys.has(k) || seen.has(k)) return e
      seen.add(k)
    }
    return undefined
  }

  const appendJournal = (entries: ReadonlyArray<OrderJournalEntry>): void => {
    for (const e of entries) {
      if (e.sequence < maxSequence) journalSorted = false
      if (e.sequence > maxSequence) maxSequence = e.sequence
      journal.push(e)
      journalKeys.add(journalKey(e.operationId, e.version))
    }
  }

  const indexIds = (m: ManagedOrder): void => {
    const o = m.order
    byClientOrderId.set(o.clientOrderId, o.operationId)
    if (o.venue !== undefined && o.venueOrderId !== undefined) byVenueOrderId.set(`${o.venue}|${o.venueOrderId}`, o.operationId)
  }

  const byId = (id: string | undefined): Option.Option<ManagedOrder> => {
    const row = id === undefined ? undefined : rows.get(id)
    return row === undefined ? Option.none() : Option.some(row.order)
  }

  return {
    insert: (order, entries) =>
      Effect.suspend((): Effect.Effect<InsertResult, OrderStoreError> => {
        const id = order.order.operationId
        const existing = rows.get(id)
        if (existing !== undefined) return Effect.succeed({ order: existing.order, inserted: false })
        const conflict = journalConflict(entries)
        if (conflict !== undefined) {
          return fail("JournalConflict", `Journal entry ${conflict.operationId} v${conflict.version} is already stored`, id)
        }
        rows.set(id, { seq: nextSeq++, order })
        indexIds(order)
        appendJournal(entries)
        return Effect.succeed({ order, inserted: true })
      }),

    update: (updates, entries) =>
      Effect.suspend((): Effect.Effect<void, OrderStoreError> => {
        const staged = new Map<string, number>()
        for (const u of updates) {
          const id = u.order.order.operationId
          const row = rows.get(id)
          if (row === undefined) return fail("NotFound", `No stored order ${id}`, id)
          const current = staged.get(id) ?? row.order.version
          if (current !== u.expectedVersion || u.order.version <= u.expectedVersion) {
            return fail(
              "VersionConflict",
              `Order ${id} is at version ${current}; the update expected ${u.expectedVersion} and brings ${u.order.version}`,
              id
            )
          }
          staged.set(id, u.order.version)
        }
        const conflict = journalConflict(entries)
        if (conflict !== undefined) {
          return fail("JournalConflict", `Journal entry ${conflict.operationId} v${conflict.version} is already stored`, conflict.operationId)
        }
        for (const u of updates) {
          rows.get(u.order.order.operationId)!.order = u.order
          indexIds(u.order)
        }
        appendJournal(entries)
        return Effect.void
      }),

    get: (operationId) => Effect.sync(() => byId(operationId)),
    getByClientOrderId: (clientOrderId) => Effect.sync(() => byId(byClientOrderId.get(clientOrderId))),
    getByVenueOrderId: (venue, venueOrderId) => Effect.sync(() => byId(byVenueOrderId.get(`${venue}|${venueOrderId}`))),

    query: (query, cursor) =>
      Effect.suspend((): Effect.Effect<OrderPage, OrderStoreError> => {
        let after = 0
        if (cursor !== undefined) {
          if (!/^[0-9]{1,15}$/.test(cursor)) return fail("InvalidCursor", `Not a cursor of this store: ${JSON.stringify(cursor)}`)
          after = Number(cursor)
        }
        const limit = limitOf(query)
        const orders: Array<ManagedOrder> = []
        let last = 0
        for (const row of rows.values()) {
          if (row.seq <= after || !matches(query, row.order)) continue
          if (orders.length === limit) return Effect.succeed({ orders, cursor: String(last) })
          orders.push(row.order)
          last = row.seq
        }
        return Effect.succeed({ orders, cursor: undefined })
      }),

    readJournal: (query = {}) =>
      Effect.sync(() => {
        if (!journalSorted) {
          journal.sort((a, b) => a.sequence - b.sequence)
          journalSorted = true
        }
        const from = query.fromSequence ?? 0
        const limit = query.limit ?? Number.MAX_SAFE_INTEGER
        const out: Array<OrderJournalEntry> = []
        for (const e of journal) {
          if (out.length >= limit) break
          if (e.sequence >= from && (query.operationId === undefined || e.operationId === query.operationId)) out.push(e)
        }
        return out
      }),

    lastSequence: Effect.sync(() => maxSequence),

    recordUnmatchedFill: (fill) =>
      Effect.sync(() => {
        const k = reportKey(fill.report)
        if (unmatched.has(k)) return { recorded: false }
        unmatched.set(k, fill)
        return { recorded: true }
      }),

    listUnmatchedFills: Effect.sync(() => Array.from(unmatched.values()))
  }
}

/** A fresh in-memory store (backtests, tests). */
export const layerMemory: Layer.Layer<OrderStore> = Layer.sync(OrderStore, makeMemory)
