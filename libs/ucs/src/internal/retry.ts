import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type { StorageError } from "../StorageError.js"

/** How transient failures are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 turns retrying off). */
  readonly maxRetries: number
  /** Delay before the first retry; doubles each time, with ±20% jitter. */
  readonly baseDelay: Duration.DurationInput
  /** Ceiling for any one delay. */
  readonly maxDelay: Duration.DurationInput
}

/** Five retries from 100 ms, capped at 10 s: rides out a GCS 503/429 burst of a few seconds. */
export const defaultRetryPolicy: RetryPolicy = { maxRetries: 5, baseDelay: "100 millis", maxDelay: "10 seconds" }

/** Exponential backoff that only continues while the failure is Transient. */
export const retrySchedule = (policy: RetryPolicy): Schedule.Schedule<unknown, StorageError> => {
  const cap = Duration.decode(policy.maxDelay)
  return Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((_, d) => Duration.min(d, cap)),
    Schedule.intersect(Schedule.recurs(Math.max(0, Math.floor(policy.maxRetries)))),
    Schedule.whileInput((e: StorageError) => e.reason === "Transient")
  )
}
