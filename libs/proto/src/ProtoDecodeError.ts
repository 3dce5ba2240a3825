/**
 * The one error of @odum/proto: a protobuf message (or its bytes) that cannot become a
 * domain value. It is a `Schema.TaggedError` because it crosses the process boundary: the
 * service returns it to the client that sent the bad message.
 */
import * as Schema from "effect/Schema"

/** Why decoding failed: the bytes are not a valid message, or a field breaks the contract. */
export const ProtoDecodeErrorReason = Schema.Literal("MalformedBytes", "InvalidFields")

/** Why decoding failed: the bytes are not a valid message, or a field breaks the contract. */
export type ProtoDecodeErrorReason = typeof ProtoDecodeErrorReason.Type

/** One broken rule: the field's proto path (`exec_algorithm_params.twap.duration`), what it held, and why that is wrong. */
export class FieldIssue extends Schema.Class<FieldIssue>("@odum/proto/FieldIssue")({
  field: Schema.String,
  value: Schema.String,
  problem: Schema.String
}) {}

/**
 * A message that cannot be decoded. Every problem found is listed in `issues` (all of
 * them, not just the first, so a client fixes its message in one round trip).
 */
export class ProtoDecodeError extends Schema.TaggedError<ProtoDecodeError>()("ProtoDecodeError", {
  reason: ProtoDecodeErrorReason,
  /** The protobuf message type, e.g. `odum.execution.v1.Order`. */
  messageType: Schema.String,
  issues: Schema.Array(FieldIssue)
}) {
  /** One line per issue, naming field, value and problem. */
  override get message(): string {
    const head = `invalid ${this.messageType} (${this.reason})`
    return [head, ...this.issues.map((i) => `${i.field}: ${i.problem} (got ${i.value})`)].join("; ")
  }
}

/** Builds the error for field issues collected while converting a message. */
export const invalidFields = (messageType: string, issues: ReadonlyArray<FieldIssue>): ProtoDecodeError =>
  new ProtoDecodeError({ reason: "InvalidFields", messageType, issues })

/** Builds the error for bytes the protobuf runtime refused to parse. */
export const malformedBytes = (messageType: string, byteLength: number, cause: unknown): ProtoDecodeError =>
  new ProtoDecodeError({
    reason: "MalformedBytes",
    messageType,
    issues: [
      new FieldIssue({
        field: "(message)",
        value: `${byteLength} bytes`,
        problem: `not a valid binary ${messageType}: ${cause instanceof Error ? cause.message : String(cause)}`
      })
    ]
  })
