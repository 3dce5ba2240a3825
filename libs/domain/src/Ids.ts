/**
 * Identifier types. Each is a branded string schema, so an operation id can never be
 * passed where a venue order id is expected; `X.make(s)` validates, `Schema.decodeUnknown(X)`
 * decodes at a boundary.
 */
import { hash } from "node:crypto"
import * as Schema from "effect/Schema"

/** Printable ASCII without spaces: ids end up in URLs, logs, SQL and venue requests. */
const printable = /^[\x21-\x7E]+$/

/** The caller's id for one order request; unique per order, the key of idempotency. */
export const OperationId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(256),
  Schema.pattern(printable, { message: () => "an operation id is printable ASCII without spaces" }),
  Schema.brand("OperationId"),
  Schema.annotations({ identifier: "OperationId" })
)
/** The caller's id for one order request. */
export type OperationId = typeof OperationId.Type

/**
 * The id we give a venue for an order. Ours are `clientOrderIdFor(operationId)`; the
 * schema also admits ids of external orders found during reconciliation, so it is the
 * union of venue alphabets (Binance: `[.A-Z:/a-z0-9_-]`), up to Deribit's 64 characters.
 */
export const ClientOrderId = Schema.String.pipe(
  Schema.pattern(/^[.A-Za-z0-9:/_-]{1,64}$/, {
    message: () => "a client order id is 1-64 characters of letters, digits and . : / _ -"
  }),
  Schema.brand("ClientOrderId"),
  Schema.annotations({ identifier: "ClientOrderId" })
)
/** The id we give a venue for an order. */
export type ClientOrderId = typeof ClientOrderId.Type

/** The id a venue assigns to an order (IB's integer ids are kept as their decimal string). */
export const VenueOrderId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(printable),
  Schema.brand("VenueOrderId"),
  Schema.annotations({ identifier: "VenueOrderId" })
)
/** The id a venue assigns to an order. */
export type VenueOrderId = typeof VenueOrderId.Type

/** The strategy (or account partition) an order belongs to. */
export const StrategyId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(printable),
  Schema.brand("StrategyId"),
  Schema.annotations({ identifier: "StrategyId" })
)
/** The strategy an order belongs to. */
export type StrategyId = typeof StrategyId.Type

/** A venue's id for one execution (trade); with the venue, it de-duplicates fills. */
export const TradeId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(printable),
  Schema.brand("TradeId"),
  Schema.annotations({ identifier: "TradeId" })
)
/** A venue's id for one execution. */
export type TradeId = typeof TradeId.Type

/** A venue code as in canonical instrument ids: upper-case words joined by "-" or "_", e.g. "BINANCE-SPOT". */
export const Venue = Schema.String.pipe(
  Schema.pattern(/^[A-Z0-9]+(?:[-_][A-Z0-9]+)*$/, {
    message: () => 'a venue code is upper-case letters and digits joined by "-" or "_", like "BINANCE-SPOT"'
  }),
  Schema.maxLength(32),
  Schema.brand("Venue"),
  Schema.annotations({ identifier: "Venue" })
)
/** A venue code. */
export type Venue = typeof Venue.Type

/** Prefix of every client order id we derive, so our orders are recognisable on a venue. */
export const CLIENT_ORDER_ID_PREFIX = "od"

/** Length of a derived client order id: OKX's clOrdId limit (1-32 alphanumerics) is the tightest. */
export const CLIENT_ORDER_ID_LENGTH = 32

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"

/**
 * The client order id of an operation: "od" + the first 30 base32 characters (150 bits)
 * of SHA-256 over the operation id's UTF-8 bytes. Deterministic, so a retry or a restart
 * sends the same id and the venue refuses a duplicate; 32 lower-case alphanumerics, so it
 * fits OKX (1-32 alphanumeric), Binance and Bybit (<= 36), Deribit labels (<= 64) and IB
 * order refs alike.
 */
export const clientOrderIdFor = (operationId: string): ClientOrderId => {
  // One-shot `hash` (Node >= 20.12) to hex: a string result skips the Buffer (about three
  // times faster than "buffer"). The id is built as one flat string from char codes, not by
  // 30 concatenations: a rope of 30 cons strings is garbage, and flattening it when the id
  // is first used as a Map key costs more than the hash.
  const hex = hash("sha256", operationId, "hex")
  const codes = ID_CODES
  // Five hex digits are 20 bits, four base32 digits: 7 groups give 28 digits...
  for (let g = 0; g < 7; g++) {
    const v = parseInt(hex.slice(g * 5, g * 5 + 5), 16)
    const k = 2 + g * 4
    codes[k] = BASE32_CODES[v >>> 15]!
    codes[k + 1] = BASE32_CODES[(v >>> 10) & 31]!
    codes[k + 2] = BASE32_CODES[(v >>> 5) & 31]!
    codes[k + 3] = BASE32_CODES[v & 31]!
  }
  // ...and the top 10 of the next 12 bits the last two.
  const v = parseInt(hex.slice(35, 38), 16)
  codes[30] = BASE32_CODES[v >>> 7]!
  codes[31] = BASE32_CODES[(v >>> 2) & 31]!
  return String.fromCharCode.apply(null, codes) as ClientOrderId
}

const BASE32_CODES: ReadonlyArray<number> = Array.from(BASE32, (c) => c.charCodeAt(0))
/** Scratch for the id's char codes: "od" then 30 base32 digits (single-threaded, never escapes). */
const ID_CODES: Array<number> = Array.from(CLIENT_ORDER_ID_PREFIX.padEnd(CLIENT_ORDER_ID_LENGTH, "a"), (c) => c.charCodeAt(0))
