/**
 * The rules every `InstrumentKey` obeys, whichever way it was made (parsed from an id,
 * built from a ccxt symbol, a Deribit name or an IB contract, or decoded by Schema).
 * Keeping them in one function is what makes every form convert to every other exactly.
 */
import * as InstrumentIdError from "../InstrumentIdError.js"
import type { InstrumentKey, InstrumentType } from "../InstrumentKey.js"
import * as Venue from "../Venue.js"
import { expiryProblem } from "./dates.js"
import { canonicalDecimal, isCode, NOT_CANONICAL, strikeProblem } from "./text.js"

/** Every instrument type, in the order errors list them. */
export const INSTRUMENT_TYPES = ["SPOT_PAIR", "PERPETUAL", "FUTURE", "OPTION", "EQUITY", "FUTURE_OPTION"] as const

/** Chains an on-chain venue may name as `@CHAIN`. */
export const CHAINS = ["ETHEREUM", "ARBITRUM", "BASE", "OPTIMISM", "POLYGON", "SOLANA", "BSC", "AVALANCHE"] as const

const TYPE_SET: ReadonlySet<string> = new Set(INSTRUMENT_TYPES)
const CHAIN_SET: ReadonlySet<string> = new Set(CHAINS)
const ASSET_CLASSES: ReadonlySet<string> = new Set(Venue.AssetClass.literals)

/** The number of `-` separated payload parts of each type, before any IB exchange suffix. */
export const PAYLOAD_ARITY: { readonly [T in InstrumentType]: number } = {
  SPOT_PAIR: 2,
  PERPETUAL: 2,
  FUTURE: 3,
  OPTION: 5,
  EQUITY: 2,
  FUTURE_OPTION: 5
}

/** How each type's payload is written, for error messages. */
export const PAYLOAD_SHAPE: { readonly [T in InstrumentType]: string } = {
  SPOT_PAIR: "BASE-QUOTE",
  PERPETUAL: "BASE-QUOTE",
  FUTURE: "BASE-QUOTE-YYYYMMDD",
  OPTION: "BASE-QUOTE-STRIKE-YYYYMMDD-C|P",
  EQUITY: "SYMBOL-CURRENCY",
  FUTURE_OPTION: "SYMBOL-CURRENCY-STRIKE-YYYYMMDD-C|P"
}

/**
 * IB exchange names that are routing destinations rather than listing exchanges. An id
 * never spells them: they are what `Ib.toIb` uses when the id names no exchange, so
 * writing them would give one instrument two ids.
 */
export const IB_ROUTING_DEFAULT: { readonly [T in InstrumentType]?: string } = {
  EQUITY: "SMART",
  OPTION: "SMART",
  SPOT_PAIR: "IDEALPRO"
}

/** The hint listing known values, appended to "unknown ..." errors. */
export const knownTypes = `known types: ${INSTRUMENT_TYPES.join(", ")}`
/** The hint listing known venues. */
export const knownVenues = `known venues: ${Venue.all.join(", ")}`
/** The hint listing known asset classes. */
export const knownAssetClasses = `known asset classes: ${Venue.AssetClass.literals.join(", ")}`

const isDerivativeWithSettlement = (type: InstrumentType): boolean => type === "PERPETUAL" || type === "FUTURE"

const hasStrike = (type: InstrumentType): boolean => type === "OPTION" || type === "FUTURE_OPTION"

/**
 * Checks a key against every rule; returns the first problem, or `undefined` when the key
 * is valid. `input` is the text the key came from, quoted in the message.
 */
export const validateKey = (key: InstrumentKey, input: string): InstrumentIdError.InstrumentIdError | undefined => {
  const { assetClass, type, venue } = key
  if (assetClass !== undefined && !ASSET_CLASSES.has(assetClass)) {
    return InstrumentIdError.make("UnknownAssetClass", input, `unknown asset class ${q(assetClass)}`, knownAssetClasses)
  }
  if (!TYPE_SET.has(type)) return InstrumentIdError.make("UnknownType", input, `unknown instrument type ${q(type)}`, knownTypes)
  if (!Venue.isVenue(venue)) return InstrumentIdError.make("UnknownVenue", input, `unknown venue ${q(venue)}`, knownVenues)
  return validateFields(key, Venue.capabilities[venue], input)
}

/**
 * `validateKey` once asset class, type and venue are known to be valid names (the
 * parser has already matched them): everything else, without re-checking them.
 */
export const validateFields = (
  key: InstrumentKey,
  caps: Venue.Capabilities,
  input: string
): InstrumentIdError.InstrumentIdError | undefined => {
  const { assetClass, type, venue } = key
  const ib = caps.exchangeSuffix
  if (!isCode(key.base)) return InstrumentIdError.make("InvalidCode", input, codeDetail(ib ? "symbol" : "base", key.base))
  if (!isCode(key.quote)) return InstrumentIdError.make("InvalidCode", input, codeDetail(ib ? "currency" : "quote", key.quote))
  if (key.base === key.quote) return InstrumentIdError.make("InvalidCode", input, `base and quote are both ${q(key.base)}`)

  const dated = type === "FUTURE" || hasStrike(type)
  if (dated) {
    if (key.expiry === undefined) return InstrumentIdError.make("InvalidPayload", input, `${type} needs an expiry`, `write ${PAYLOAD_SHAPE[type]}`)
    const problem = expiryProblem(key.expiry)
    if (problem !== undefined) return InstrumentIdError.make("InvalidExpiry", input, `expiry ${q(key.expiry)} ${problem}`)
  } else if (key.expiry !== undefined) {
    return InstrumentIdError.make("InvalidPayload", input, `${type} has no expiry`, `write ${PAYLOAD_SHAPE[type]}`)
  }
  if (hasStrike(type)) {
    if (key.strike === undefined) return InstrumentIdError.make("InvalidPayload", input, `${type} needs a strike`, `write ${PAYLOAD_SHAPE[type]}`)
    const problem = strikeProblem(key.strike)
    if (problem !== undefined) {
      const hint = problem === NOT_CANONICAL ? `write ${q(canonicalDecimal(key.strike))}` : undefined
      return InstrumentIdError.make("InvalidStrike", input, `strike ${q(key.strike)} ${problem}`, hint)
    }
    if (key.right === undefined) return InstrumentIdError.make("InvalidPayload", input, `${type} needs a right`, `write ${PAYLOAD_SHAPE[type]}`)
    if (key.right !== "C" && key.right !== "P") {
      return InstrumentIdError.make("InvalidRight", input, `option right ${q(key.right)} must be C or P`)
    }
  } else if (key.strike !== undefined || key.right !== undefined) {
    return InstrumentIdError.make("InvalidPayload", input, `${type} has no strike or right`, `write ${PAYLOAD_SHAPE[type]}`)
  }

  if (!caps.types.includes(type)) {
    return InstrumentIdError.make("Unsupported", input, `venue ${venue} does not list ${type}`, `it lists ${caps.types.join(", ")}`)
  }
  if (assetClass !== undefined && assetClass !== caps.assetClass) {
    return InstrumentIdError.make("Unsupported", input, `asset class ${assetClass} does not match venue ${venue}`, `${venue} is ${caps.assetClass}`)
  }

  if (key.exchange !== undefined) {
    if (!ib) return InstrumentIdError.make("Unsupported", input, `venue ${venue} takes no exchange suffix ${q(key.exchange)}`)
    if (!isCode(key.exchange)) return InstrumentIdError.make("InvalidCode", input, codeDetail("exchange", key.exchange))
    const routing = IB_ROUTING_DEFAULT[type]
    if (routing !== undefined && key.exchange === routing) {
      return InstrumentIdError.make("Unsupported", input, `exchange ${q(routing)} is IB's default routing for ${type}`, "leave the exchange off")
    }
  }

  const qualifier = key.qualifier
  const inverse = qualifier === "INV"
  if (qualifier !== undefined && !inverse) {
    if (!CHAIN_SET.has(qualifier)) {
      return InstrumentIdError.make(
        "InvalidQualifier",
        input,
        `unknown qualifier ${q("@" + qualifier)}`,
        `known: @INV (inverse, settled in the base coin) and chains @${CHAINS.join(", @")}`
      )
    }
    if (!(caps.chains as ReadonlyArray<string>).includes(qualifier)) {
      return InstrumentIdError.make("Unsupported", input, `venue ${venue} is not on-chain, so it takes no chain ${q("@" + qualifier)}`)
    }
  }
  if (isDerivativeWithSettlement(type)) {
    if (inverse && !caps.inverse) {
      return InstrumentIdError.make("Unsupported", input, `venue ${venue} lists no inverse ${type}`, `leave off "@INV"`)
    }
    if (!inverse && !caps.linear) {
      return InstrumentIdError.make("Unsupported", input, `venue ${venue} lists only inverse ${type}`, `add "@INV"`)
    }
  } else if (inverse) {
    return InstrumentIdError.make(
      "Unsupported",
      input,
      `"@INV" does not apply to ${type}`,
      type === "OPTION"
        ? "an option's settlement follows its quote: USD-quoted crypto options settle in the base coin"
        : "only PERPETUAL and FUTURE are inverse"
    )
  }
  return undefined
}

const q = (s: string): string => JSON.stringify(s)

const codeDetail = (what: string, value: string): string =>
  `${what} ${q(value)} must be 1-32 upper-case letters and digits (dots allowed inside)`
