/**
 * Deribit instrument names. Inverse (coin-settled, USD-quoted) instruments are named by
 * their base alone: `BTC-PERPETUAL`, `BTC-27DEC24`, `BTC-27DEC24-50000-C`. Linear ones
 * name base and quote: `ETH_USDC-PERPETUAL`, `XRP_USDC-30JUN23-0d625-C` (a `d` is the
 * decimal point of a strike). Spot pairs are `BTC_USDC`. Days have no leading zero
 * (`3JUN22`). Combos and other structured products are not covered.
 */
import * as Either from "effect/Either"
import * as InstrumentIdError from "./InstrumentIdError.js"
import type * as InstrumentKey from "./InstrumentKey.js"
import { fromDmmmyy, toDmmmyy } from "./internal/dates.js"
import { formatKey } from "./internal/format.js"
import { validateKey } from "./internal/validate.js"

/** An instrument as Deribit's JSON-RPC API names it. */
export interface DeribitInstrument {
  readonly instrument_name: string
}

type Key = InstrumentKey.InstrumentKey
type Result<A> = Either.Either<A, InstrumentIdError.InstrumentIdError>

/** Deribit's name for a DERIBIT instrument; other venues' instruments are not expressible. */
export const toDeribit = (key: Key): Result<DeribitInstrument> => {
  const notExpressible = (detail: string, hint?: string) =>
    Either.left(InstrumentIdError.make("NotExpressible", formatKey(key), detail, hint))
  if (key.venue !== "DERIBIT") return notExpressible(`venue ${key.venue} is not Deribit`)
  const linearHead = key.base + "_" + key.quote
  let name: string
  switch (key.type) {
    case "SPOT_PAIR":
      name = linearHead
      break
    case "PERPETUAL":
    case "FUTURE": {
      const inverse = key.qualifier === "INV"
      if (inverse && key.quote !== "USD") {
        return notExpressible(`Deribit inverse contracts are quoted in USD, not ${key.quote}`)
      }
      const head = inverse ? key.base : linearHead
      name = head + "-" + (key.type === "PERPETUAL" ? "PERPETUAL" : toDmmmyy(key.expiry!))
      break
    }
    case "OPTION": {
      // USD-quoted options are the coin-settled ones, named by their base alone.
      const head = key.quote === "USD" ? key.base : linearHead
      name = head + "-" + toDmmmyy(key.expiry!) + "-" + key.strike!.replace(".", "d") + "-" + key.right
      break
    }
    default:
      return notExpressible(`Deribit lists no ${key.type}`)
  }
  return Either.right({ instrument_name: name })
}

/** The canonical key of a Deribit instrument name. */
export const fromDeribit = (name: string): Result<Key> => {
  const bad = (detail: string) =>
    Either.left(
      InstrumentIdError.make(
        "InvalidVenueForm",
        name,
        detail,
        "expected BASE[_QUOTE]-PERPETUAL, BASE[_QUOTE]-DMMMYY, BASE[_QUOTE]-DMMMYY-STRIKE-C|P or BASE_QUOTE"
      )
    )
  const dash = name.indexOf("-")
  const head = dash < 0 ? name : name.slice(0, dash)
  const underscore = head.indexOf("_")
  const linear = underscore >= 0
  const base = linear ? head.slice(0, underscore) : head
  const quote = linear ? head.slice(underscore + 1) : "USD"
  let key: { -readonly [K in keyof Key]: Key[K] }
  if (dash < 0) {
    if (!linear) return bad("not a Deribit instrument name")
    key = { venue: "DERIBIT", type: "SPOT_PAIR", base, quote }
  } else {
    const parts = name.slice(dash + 1).split("-")
    if (parts.length === 1 && parts[0] === "PERPETUAL") {
      key = { venue: "DERIBIT", type: "PERPETUAL", base, quote }
      if (!linear) key.qualifier = "INV"
    } else if (parts.length === 1 || parts.length === 3) {
      const expiry = fromDmmmyy(parts[0]!)
      if (expiry === undefined) return bad(`expiry ${JSON.stringify(parts[0])} is not a Deribit date (DMMMYY)`)
      if (parts.length === 1) {
        key = { venue: "DERIBIT", type: "FUTURE", base, quote, expiry }
        if (!linear) key.qualifier = "INV"
      } else {
        const strikeText = parts[1]!
        const right = parts[2]
        if (strikeText.includes(".")) return bad(`strike ${JSON.stringify(strikeText)} must use "d" as its decimal point`)
        if (right !== "C" && right !== "P") return bad(`option right ${JSON.stringify(right)} must be C or P`)
        if (linear && quote === "USD") {
          return Either.left(
            InstrumentIdError.make("NotExpressible", name, "a linear USD-quoted option has no canonical id")
          )
        }
        key = { venue: "DERIBIT", type: "OPTION", base, quote, expiry, strike: strikeText.replace("d", "."), right }
      }
    } else {
      return bad("not a Deribit instrument name")
    }
  }
  const error = validateKey(key, name)
  return error === undefined ? Either.right(key) : Either.left(error)
}
