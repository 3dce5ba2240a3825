import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { defaultRetryPolicy, retrySchedule } from "../src/internal/retry.js"
import { type Reason, StorageError } from "../src/StorageError.js"

/** An operation that fails with the given reasons in turn, then succeeds; counts its attempts. */
const flaky = (reasons: ReadonlyArray<Reason>) => {
  let attempts = 0
  const op = Effect.suspend(() => {
    const reason = reasons[attempts++]
    return reason === undefined ? Effect.succeed("ok") : Effect.fail(new StorageError({ reason, uri: "gs://b/k" }))
  })
  return { op, attempts: () => attempts }
}

describe("retry policy", () => {
  it.effect("retries Transient failures with growing delays until one succeeds", () =>
    Effect.gen(function* () {
      const f = flaky(["Transient", "Transient", "Transient"])
      const fiber = yield* Effect.fork(Effect.retry(f.op, retrySchedule({ maxRetries: 5, baseDelay: "1 second", maxDelay: "1 minute" })))
      yield* TestClock.adjust("0 millis")
      expect(f.attempts()).toBe(1)
      // Delays are 1 s, 2 s, 4 s, each scaled by a jitter in [0.8, 1.2]: the second attempt
      // comes in [0.8, 1.2] s, the third in [2.4, 3.6] s, the fourth in [5.6, 8.4] s.
      yield* TestClock.adjust("1200 millis")
      expect(f.attempts()).toBe(2)
      yield* TestClock.adjust("1100 millis") // t = 2.3 s
      expect(f.attempts()).toBe(2)
      yield* TestClock.adjust("1300 millis") // t = 3.6 s
      expect(f.attempts()).toBe(3)
      yield* TestClock.adjust("1900 millis") // t = 5.5 s
      expect(f.attempts()).toBe(3)
      yield* TestClock.adjust("2900 millis") // t = 8.4 s
      expect(f.attempts()).toBe(4)
      expect(yield* Fiber.join(fiber)).toBe("ok")
    }))

  it.effect("never retries NotFound, PermissionDenied, IntegrityMismatch, InvalidUri or Unknown", () =>
    Effect.gen(function* () {
      for (const reason of ["NotFound", "PermissionDenied", "IntegrityMismatch", "InvalidUri", "Unknown"] as const) {
        const f = flaky([reason])
        const e = yield* Effect.flip(Effect.retry(f.op, retrySchedule(defaultRetryPolicy)))
        expect(e.reason).toBe(reason)
        expect(f.attempts()).toBe(1)
      }
    }))

  it.effect("stops after maxRetries and returns the last Transient failure", () =>
    Effect.gen(function* () {
      const f = flaky(Array.from({ length: 10 }, () => "Transient" as const))
      const fiber = yield* Effect.fork(Effect.flip(Effect.retry(f.op, retrySchedule({ maxRetries: 3, baseDelay: "10 millis", maxDelay: "20 millis" }))))
      yield* TestClock.adjust("1 second")
      const e = yield* Fiber.join(fiber)
      expect(e.reason).toBe("Transient")
      expect(f.attempts()).toBe(4)
    }))

  it.effect("caps each delay at maxDelay", () =>
    Effect.gen(function* () {
      const f = flaky(Array.from({ length: 4 }, () => "Transient" as const))
      const fiber = yield* Effect.fork(Effect.retry(f.op, retrySchedule({ maxRetries: 10, baseDelay: "1 second", maxDelay: "1 second" })))
      // Uncapped, the fourth delay would be ~8 s; capped, four retries fit in 4 s.
      yield* TestClock.adjust("4 seconds")
      expect(f.attempts()).toBe(5)
      expect(yield* Fiber.join(fiber)).toBe("ok")
    }))
})
