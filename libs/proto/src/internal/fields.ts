/**
 * Field-level conversion shared by the codecs: each reader takes the raw proto value,
 * returns the domain value or `undefined`, and records a FieldIssue naming the proto field
 * (snake_case, as the client wrote it) when the value breaks the contract. Collecting
 * instead of failing fast lets one error list every problem of a message.
 */
import { create, type DescEnum, type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf"
import { type Duration, DurationSchema, type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt"
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { FieldIssue, invalidFields, malformedBytes, type ProtoDecodeError } from "../ProtoDecodeError.js"

/** The issues found so far in one message. */
export class Issues {
  readonly list: Array<FieldIssue> = []
  add(field: string, value: string, problem: string): void {
    this.list.push(new FieldIssue({ field, value, problem }))
  }
}

const MAX_SHOWN = 80

/** A received value as the error shows it: strings quoted and cut short, so a huge field cannot flood a log. */
export const show = (v: string | number | bigint | boolean): string =>
  typeof v === "string" ? JSON.stringify(v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}...` : v) : String(v)

/** Shown for a field that is not set at all. */
export const ABSENT = "(not set)"

const REQUIRED = "required, but missing or empty"

/** The first message of a schema failure: the rule the value broke, as the domain schema words it. */
const schemaProblem = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? ParseResult.TreeFormatter.formatErrorSync(error)

/** A decoder for a string-encoded domain schema (ids, canonical instrument ids), made once per schema. */
export const stringDecoder = <A>(schema: Schema.Schema<A, string>) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (issues: Issues, field: string, raw: string): A | undefined => {
    if (raw === "") {
      issues.add(field, show(raw), REQUIRED)
      return undefined
    }
    const r = decode(raw)
    if (Either.isRight(r)) return r.right
    issues.add(field, show(raw), schemaProblem(r.left))
    return undefined
  }
}

/** Which decimals a field admits. */
export type Sign = "positive" | "nonNegative" | "any"

/** An exact decimal string (`-?digits[.digits]`), checked for sign. */
export const decimal = (issues: Issues, field: string, raw: string, sign: Sign): Decimal.Decimal | undefined => {
  if (raw === "") {
    issues.add(field, show(raw), `${REQUIRED} (an exact decimal string such as "0.5")`)
    return undefined
  }
  const r = Decimal.fromString(raw)
  if (Either.isLeft(r)) {
    issues.add(field, show(raw), `not an exact decimal: ${r.left.message}`)
    return undefined
  }
  const d = r.right
  if (sign === "positive" && !Decimal.isPositive(d)) {
    issues.add(field, show(raw), "must be greater than zero")
    return undefined
  }
  if (sign === "nonNegative" && Decimal.isNegative(d)) {
    issues.add(field, show(raw), "must not be negative")
    return undefined
  }
  return d
}

/** A domain literal <-> proto enum number table, with the enum's descriptor for messages. */
export interface EnumTable<D extends string, P extends number> {
  readonly desc: DescEnum
  readonly toProto: Readonly<Record<D, P>>
  readonly fromProto: ReadonlyMap<number, D>
}

/** Builds the table; `toProto` must name every domain literal (the compiler checks it). */
export const enumTable = <D extends string, P extends number>(
  desc: DescEnum,
  toProto: Readonly<Record<D, P>>
): EnumTable<D, P> => ({
  desc,
  toProto,
  fromProto: new Map(Object.entries(toProto).map(([d, p]) => [p as number, d as D]))
})

/** A required enum: the zero value (UNSPECIFIED) and numbers outside the table are refused by name. */
export const enumValue = <D extends string>(
  issues: Issues,
  field: string,
  table: EnumTable<D, number>,
  raw: number
): D | undefined => {
  const d = table.fromProto.get(raw)
  if (d !== undefined) return d
  const expected = [...table.fromProto.keys()].map((n) => `${table.desc.value[n]?.name} (${n})`).join(", ")
  if (raw === 0) issues.add(field, `${table.desc.value[0]?.name ?? "UNSPECIFIED"} (0)`, `required; expected one of ${expected}`)
  else issues.add(field, String(raw), `unknown ${table.desc.typeName} value; expected one of ${expected}`)
  return undefined
}

// Timestamps: the domain counts epoch milliseconds, so anything finer is truncated towards
// the past (clocks routinely stamp nanoseconds; refusing them would refuse honest clients).
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n // 9999-12-31T23:59:59Z, the Timestamp maximum

/** A Timestamp as epoch milliseconds (sub-millisecond digits dropped); `required` makes absence an issue. */
export const timestamp = (
  issues: Issues,
  field: string,
  ts: Timestamp | undefined,
  required: boolean
): number | undefined => {
  if (ts === undefined) {
    if (required) issues.add(field, ABSENT, "required, but missing")
    return undefined
  }
  const shown = `{ seconds: ${ts.seconds}, nanos: ${ts.nanos} }`
  if (ts.nanos < 0 || ts.nanos > 999_999_999) {
    issues.add(field, shown, "nanos must be in [0, 999999999]")
    return undefined
  }
  if (ts.seconds < 0n) {
    issues.add(field, shown, "must not be before 1970-01-01T00:00:00Z")
    return undefined
  }
  if (ts.seconds > MAX_TIMESTAMP_SECONDS) {
    issues.add(field, shown, "must not be after 9999-12-31T23:59:59Z")
    return undefined
  }
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000)
}

/** Epoch milliseconds as a Timestamp (exact). */
export const toTimestamp = (ms: number): Timestamp => {
  const seconds = Math.floor(ms / 1000)
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 })
}

/**
 * A required, positive Duration as whole milliseconds. Unlike timestamps, a duration is a
 * parameter the strategy chose, so a sub-millisecond remainder is refused, not rounded.
 */
export const durationMs = (issues: Issues, field: string, d: Duration | undefined): number | undefined => {
  if (d === undefined) {
    issues.add(field, ABSENT, "required, but missing")
    return undefined
  }
  const shown = `{ seconds: ${d.seconds}, nanos: ${d.nanos} }`
  if (d.nanos <= -1_000_000_000 || d.nanos >= 1_000_000_000 || (d.seconds > 0n && d.nanos < 0) || (d.seconds < 0n && d.nanos > 0)) {
    issues.add(field, shown, "not a valid Duration (nanos out of range or of the other sign than seconds)")
    return undefined
  }
  if (d.nanos % 1_000_000 !== 0) {
    issues.add(field, shown, "must be a whole number of milliseconds")
    return undefined
  }
  const ms = d.seconds * 1000n + BigInt(d.nanos / 1_000_000)
  if (ms <= 0n) {
    issues.add(field, shown, "must be greater than zero")
    return undefined
  }
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) {
    issues.add(field, shown, "too long")
    return undefined
  }
  return Number(ms)
}

/** Whole milliseconds as a Duration (exact). */
export const toDuration = (ms: number): Duration => {
  const seconds = Math.floor(ms / 1000)
  return create(DurationSchema, { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 })
}

/** Parses bytes into a message, turning the runtime's exception into a typed error. */
export const parseBinary = <Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array
): Either.Either<MessageShape<Desc>, ProtoDecodeError> => {
  try {
    return Either.right(fromBinary(schema, bytes))
  } catch (cause) {
    return Either.left(malformedBytes(schema.typeName, bytes.length, cause))
  }
}

/** Ends a conversion: the value when nothing was wrong, else every issue in one error. */
export const finish = <A>(messageType: string, issues: Issues, build: () => A): Either.Either<A, ProtoDecodeError> =>
  issues.list.length === 0 ? Either.right(build()) : Either.left(invalidFields(messageType, issues.list))
