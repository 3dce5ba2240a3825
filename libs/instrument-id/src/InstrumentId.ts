/**
 * Canonical instrument ids: `[ASSET_CLASS:]VENUE:INSTRUMENT_TYPE:PAYLOAD[@QUALIFIER]`.
 *
 * `parse` is plain synchronous code meant for the order path: it scans the string once
 * with `indexOf`, slices each field once, and builds one key object and one `Either`.
 * The grammar is in this library's README.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as InstrumentIdError from "./InstrumentIdError.js"
import {
  InstrumentKey,
  type InstrumentType,
  InstrumentType as InstrumentTypeSchema,
  type OptionRight,
  type Qualifier,
  Qualifier as QualifierSchema
} from "./InstrumentKey.js"
import { formatKey } from "./internal/format.js"
import { MAX_ID_LENGTH } from "./internal/text.js"
import {
  knownAssetClasses,
  knownTypes,
  knownVenues,
  PAYLOAD_ARITY,
  PAYLOAD_SHAPE,
  validateFields
} from "./internal/validate.js"
import * as Venue from "./Venue.js"

type MutableKey = { -readonly [K in keyof InstrumentKey]: InstrumentKey[K] }

const syntax = (input: string, detail: string) =>
  InstrumentIdError.make("Syntax", input, detail, "expected [ASSET_CLASS:]VENUE:INSTRUMENT_TYPE:PAYLOAD[@QUALIFIER]")

// Start and end offsets of the payload's `-` separated parts; reused by every call
// (parse is synchronous and never re-entered).
const partStart = new Int32Array(8)
const partEnd = new Int32Array(8)

const TYPES: ReadonlyArray<InstrumentType> = InstrumentTypeSchema.literals
const VENUES: ReadonlyArray<Venue.Venue> = Venue.all
const ASSET_CLASSES: ReadonlyArray<Venue.AssetClass> = Venue.AssetClass.literals
const QUALIFIERS: ReadonlyArray<Qualifier> = QualifierSchema.literals

/**
 * The constant in `candidates` spelled by s[from, to), without slicing: the parser then
 * holds the interned constant, and an unknown name costs a few failed comparisons.
 */
const match = <A extends string>(s: string, from: number, to: number, candidates: ReadonlyArray<A>): A | undefined => {
  const length = to - from
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!
    if (candidate.length === length && s.startsWith(candidate, from)) return candidate
  }
  return undefined
}

const parseToKey = (s: string): InstrumentKey | InstrumentIdError.InstrumentIdError => {
  const length = s.length
  if (length === 0) return syntax(s, "empty instrument id")
  if (length > MAX_ID_LENGTH) return syntax(s, `instrument id longer than ${MAX_ID_LENGTH} characters`)
  const c1 = s.indexOf(":")
  const c2 = c1 < 0 ? -1 : s.indexOf(":", c1 + 1)
  if (c2 < 0) return syntax(s, "too few ':' separated parts")
  const c3 = s.indexOf(":", c2 + 1)
  if (c3 >= 0 && s.indexOf(":", c3 + 1) >= 0) return syntax(s, "too many ':' separated parts")

  let assetClass: Venue.AssetClass | undefined
  let venueStart = 0
  let venueEnd = c1
  let typeStart = c1 + 1
  let typeEnd = c2
  if (c3 >= 0) {
    assetClass = match(s, 0, c1, ASSET_CLASSES)
    if (assetClass === undefined) {
      return InstrumentIdError.make("UnknownAssetClass", s, `unknown asset class ${q(s.slice(0, c1))}`, knownAssetClasses)
    }
    venueStart = c1 + 1
    venueEnd = c2
    typeStart = c2 + 1
    typeEnd = c3
  }
  const payloadStart = typeEnd + 1
  const type = match(s, typeStart, typeEnd, TYPES)
  if (type === undefined) {
    return InstrumentIdError.make("UnknownType", s, `unknown instrument type ${q(s.slice(typeStart, typeEnd))}`, knownTypes)
  }
  const venue = match(s, venueStart, venueEnd, VENUES)
  if (venue === undefined) {
    return InstrumentIdError.make("UnknownVenue", s, `unknown venue ${q(s.slice(venueStart, venueEnd))}`, knownVenues)
  }
  const caps = Venue.capabilities[venue]

  const at = s.indexOf("@", payloadStart)
  const payloadEnd = at < 0 ? length : at
  if (at >= 0 && at === length - 1) {
    return InstrumentIdError.make("InvalidQualifier", s, "empty qualifier after '@'")
  }

  // Split the payload on '-': at most arity + 1 parts (the +1 is IB's exchange suffix).
  const arity = PAYLOAD_ARITY[type]
  const maxParts = caps.exchangeSuffix ? arity + 1 : arity
  let parts = 0
  let from = payloadStart
  for (;;) {
    const dash = s.indexOf("-", from)
    const end = dash < 0 || dash > payloadEnd ? payloadEnd : dash
    if (parts === maxParts) {
      parts++
      break
    }
    partStart[parts] = from
    partEnd[parts] = end
    parts++
    if (end === payloadEnd) break
    from = end + 1
  }
  if (parts < arity || parts > maxParts) {
    const shape = maxParts > arity ? `${PAYLOAD_SHAPE[type]}[-EXCHANGE]` : PAYLOAD_SHAPE[type]
    return InstrumentIdError.make(
      "InvalidPayload",
      s,
      `${type} payload ${q(s.slice(payloadStart, payloadEnd))} is not ${shape}`
    )
  }

  const key: MutableKey =
    assetClass === undefined
      ? { venue, type, base: part(s, 0), quote: part(s, 1) }
      : { assetClass, venue, type, base: part(s, 0), quote: part(s, 1) }
  if (arity === 3) {
    key.expiry = part(s, 2)
  } else if (arity === 5) {
    key.expiry = part(s, 3)
    key.strike = part(s, 2)
    key.right = part(s, 4) as OptionRight
  }
  if (parts > arity) key.exchange = part(s, arity)
  if (at >= 0) key.qualifier = (match(s, at + 1, length, QUALIFIERS) ?? s.slice(at + 1)) as Qualifier
  return validateFields(key, caps, s) ?? key
}

const part = (s: string, i: number): string => s.slice(partStart[i], partEnd[i])

const q = (s: string): string => JSON.stringify(s)

/** How many distinct valid ids `parse` remembers before it starts over. */
export const CACHE_SIZE = 4096

// Orders name few instruments many times: remembering the answer makes a repeated parse
// one Map lookup and no allocation. Keys are frozen because every caller shares them.
const cache = new Map<string, Either.Either<InstrumentKey, InstrumentIdError.InstrumentIdError>>()

/**
 * Parses a canonical id; the error's message names the offending part. Valid ids are
 * remembered (up to `CACHE_SIZE`), and the keys returned are frozen.
 */
export const parse = (s: string): Either.Either<InstrumentKey, InstrumentIdError.InstrumentIdError> => {
  const hit = cache.get(s)
  if (hit !== undefined) return hit
  const result = parseToKey(s)
  if (result instanceof InstrumentIdError.InstrumentIdError) return Either.left(result)
  const right = Either.right<InstrumentKey>(Object.freeze(result))
  if (cache.size >= CACHE_SIZE) cache.clear()
  cache.set(s, right)
  return right
}

/** Parses without the cache: always builds a fresh key (the benchmark's cold path). */
export const parseUncached = (s: string): Either.Either<InstrumentKey, InstrumentIdError.InstrumentIdError> => {
  const result = parseToKey(s)
  return result instanceof InstrumentIdError.InstrumentIdError ? Either.left(result) : Either.right(result)
}

/** Parses an id known to be valid (constants, tests); throws the `InstrumentIdError` otherwise. */
export const unsafeParse = (s: string): InstrumentKey => {
  const result = parse(s)
  if (Either.isLeft(result)) throw result.left
  return result.right
}

/** Whether `s` is a valid canonical id. */
export const isValid = (s: string): boolean => !(parseToKey(s) instanceof InstrumentIdError.InstrumentIdError)

/** Writes a key as its canonical id; `format(parse(s))` is `s` for every valid id. */
export const format = (key: InstrumentKey): string => formatKey(key)

/** A canonical id string decoded to its `InstrumentKey` (and encoded back by `format`). */
export const InstrumentIdFromString: Schema.Schema<InstrumentKey, string> = Schema.transformOrFail(
  Schema.String,
  Schema.typeSchema(InstrumentKey),
  {
    strict: true,
    decode: (s, _options, ast) => {
      const result = parseToKey(s)
      return result instanceof InstrumentIdError.InstrumentIdError
        ? ParseResult.fail(new ParseResult.Type(ast, s, result.message))
        : ParseResult.succeed(result)
    },
    encode: (key) => ParseResult.succeed(formatKey(key))
  }
).annotations({ identifier: "InstrumentIdFromString" })

/** A string checked to be a valid canonical id, for records that keep the id as text. */
export const InstrumentIdString = Schema.String.pipe(
  Schema.filter((s) => {
    const result = parseToKey(s)
    return result instanceof InstrumentIdError.InstrumentIdError ? result.message : true
  }),
  Schema.brand("@odum/instrument-id/InstrumentId")
).annotations({ identifier: "InstrumentIdString" })

/** A string checked to be a valid canonical id. */
export type InstrumentIdString = typeof InstrumentIdString.Type
