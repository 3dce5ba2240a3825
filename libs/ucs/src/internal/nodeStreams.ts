import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Readable, Writable } from "node:stream"
import { toUint8Array } from "./hash.js"

/**
 * A Stream over a Node Readable, pulled one `read()` at a time so the Readable's own buffer
 * is the only one (backpressure), and interruption just detaches listeners and destroys it.
 * (Not `fromAsyncIterable`: a Readable's async iterator queues `return()` behind a pending
 * `next()`, so a stalled body could never be torn down.)
 */
export const fromReadable = <E>(open: () => Readable, onError: (e: unknown) => E): Stream.Stream<Uint8Array, E> =>
  Stream.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(Effect.sync(open), (rs) => Effect.sync(() => rs.destroy())),
      (rs) => Stream.repeatEffectOption(readChunk(rs, onError))
    )
  )

const readChunk = <E>(rs: Readable, onError: (e: unknown) => E) =>
  Effect.async<Uint8Array, Option.Option<E>>((resume) => {
    const tryRead = (): boolean => {
      if (rs.errored !== null) {
        resume(Effect.fail(Option.some(onError(rs.errored))))
        return true
      }
      const chunk: unknown = rs.read()
      if (chunk !== null) {
        resume(Effect.succeed(toUint8Array(chunk as Uint8Array | string)))
        return true
      }
      if (rs.readableEnded) {
        resume(Effect.fail(Option.none()))
        return true
      }
      return false
    }
    if (tryRead()) return
    const cleanup = () => {
      rs.off("readable", onReadable)
      rs.off("end", onEnd)
      rs.off("error", onErr)
      rs.off("close", onClose)
    }
    const onReadable = () => {
      if (tryRead()) cleanup()
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.fail(Option.none()))
    }
    const onErr = (e: unknown) => {
      cleanup()
      resume(Effect.fail(Option.some(onError(e))))
    }
    const onClose = () => {
      cleanup()
      if (rs.readableEnded) resume(Effect.fail(Option.none()))
      else resume(Effect.fail(Option.some(onError(rs.errored ?? prematureClose()))))
    }
    rs.on("readable", onReadable)
    rs.once("end", onEnd)
    rs.once("error", onErr)
    rs.once("close", onClose)
    return Effect.sync(cleanup)
  })

const prematureClose = () => Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" })

/**
 * Writes a Stream into a Node Writable with backpressure and waits for `finish` (for the GCS
 * client that is after the upload completed and its integrity check passed). A failure of
 * either side, or interruption, destroys the Writable.
 */
export const pumpInto = <E, E2>(
  source: Stream.Stream<Uint8Array, E>,
  ws: Writable,
  onError: (e: unknown) => E2
): Effect.Effect<void, E | E2> =>
  Effect.gen(function* () {
    const done = yield* Deferred.make<void, E2>()
    // Listening from the start: an 'error' with no listener would crash the process.
    ws.on("error", (e) => Deferred.unsafeDone(done, Exit.fail(onError(e))))
    ws.once("finish", () => Deferred.unsafeDone(done, Exit.void))
    ws.once("close", () => {
      if (!ws.writableFinished) Deferred.unsafeDone(done, Exit.fail(onError(ws.errored ?? prematureClose())))
    })
    const drained = Effect.async<void>((resume) => {
      const h = () => resume(Effect.void)
      ws.once("drain", h)
      return Effect.sync(() => ws.off("drain", h))
    })
    const write = (chunk: Uint8Array) =>
      Effect.suspend(() => (ws.write(chunk) ? Effect.void : Effect.raceFirst(drained, Deferred.await(done))))
    yield* Effect.raceFirst(
      Stream.runForEach(source, write).pipe(Effect.zipRight(Effect.sync(() => ws.end()))),
      // Fails as soon as the writable does; never succeeds first (finish needs end()).
      Deferred.await(done).pipe(Effect.zipRight(Effect.never))
    )
    yield* Deferred.await(done)
  }).pipe(
    Effect.onExit((exit) =>
      Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => ws.destroyed || ws.destroy())
    )
  )
