/**
 * The runs of this process: accepts configs, runs them in the background through the
 * engine (@odum/backtest `Backtest.run`), tracks their status and progress, cancels them,
 * and answers for finished runs of earlier processes from the results storage.
 *
 * Runs execute on fibers owned by the registry's scope (a `FiberMap` keyed by run id), at
 * most `maxConcurrentRuns` at a time (a semaphore); the rest wait as `queued` for a slot
 * (the semaphore wakes waiters in arrival order, though it does not promise strict FIFO).
 * Closing the scope (shutting the service down) interrupts them, and they end `cancelled`.
 */
import { Backtest, BacktestConfig, RunId, type RunSummary } from "@odum/backtest"
import { Timestamp } from "@odum/marketdata"
import { Storage } from "@odum/ucs"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberMap from "effect/FiberMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { InvalidConfig, RunExists, RunNotFound, RunNotReady, type StorageFailure } from "../ApiErrors.js"
import { ServiceConfig } from "../ServiceConfig.js"
import { isTerminal, type RunFailure, type RunInfo, type RunProgress, type RunStatus } from "./RunInfo.js"
import { RunResults } from "./RunResults.js"

/** The run registry. */
export interface RunRegistryService {
  /** Queues a run of `config` and answers at once (status queued). */
  readonly submit: (config: BacktestConfig.BacktestConfig) => Effect.Effect<RunInfo, InvalidConfig | RunExists | StorageFailure>
  /** A run of this process, or a finished one in storage. */
  readonly get: (runId: string) => Effect.Effect<RunInfo, RunNotFound | StorageFailure>
  /** This process's runs (newest first), then the finished runs found only in storage (newest first). */
  readonly list: (filter?: { readonly status?: RunStatus | undefined }) => Effect.Effect<ReadonlyArray<RunInfo>, StorageFailure>
  /** The run's state now and at every change, ending with its final state. */
  readonly watch: (runId: string) => Effect.Effect<Stream.Stream<RunInfo>, RunNotFound | StorageFailure>
  /** Stops a queued or running run (it ends cancelled, nothing kept); a cancelled run is answered as it is. */
  readonly cancel: (runId: string) => Effect.Effect<RunInfo, RunNotFound | RunNotReady | StorageFailure>
  /** How many of this process's runs are queued and running. */
  readonly counts: Effect.Effect<{ readonly queued: number; readonly running: number }>
  /** The summary of a succeeded run. */
  readonly summary: (runId: string) => Effect.Effect<RunSummary.RunSummary, RunNotFound | RunNotReady | StorageFailure>
}

/** The run registry. */
export class RunRegistry extends Context.Tag("@odum/backtest-service/RunRegistry")<RunRegistry, RunRegistryService>() {}

interface Entry {
  readonly state: SubscriptionRef.SubscriptionRef<RunInfo>
  /** Fired by cancel, so the engine stops at its next check even if it is between yields. */
  readonly abort: AbortController
}

const iso = (ms: number) => new Date(ms).toISOString()
const nowIso = Effect.map(Clock.currentTimeMillis, iso)

const toProgress = (p: Backtest.Progress): RunProgress => ({
  eventsProcessed: p.events,
  simTime: p.events === 0 ? null : Timestamp.toIso(p.simTimeNs),
  percent: Math.round(p.fraction * 10_000) / 100
})

/** `yyyymmddThhmmssmmmZ`: sorts like the time it names and fits the run-id alphabet. */
const stamp = (ms: number) => iso(ms).replace(/[-:]/g, "").replace(".", "")

const notFound = (runId: string) => new RunNotFound({ runId, message: `no run ${runId}` })

/** Builds the registry; its runs live as long as the scope. */
export const make = Effect.gen(function* () {
  const settings = yield* ServiceConfig
  const results = yield* RunResults
  const storage = yield* Storage.Storage
  const slots = yield* Effect.makeSemaphore(settings.maxConcurrentRuns)
  // Choosing a run id and claiming it is one step, so two submissions never get the same id.
  const claiming = yield* Effect.makeSemaphore(1)
  const fibers = yield* FiberMap.make<string>()
  const entries = new Map<string, Entry>()

  const update = (entry: Entry, f: (s: RunInfo) => RunInfo) => SubscriptionRef.update(entry.state, f)

  const storedInfo = (runId: string) =>
    results.find(runId).pipe(
      Effect.map(
        Option.map(
          ({ finishedAt, summary }): RunInfo => ({
            runId,
            name: summary.name,
            configHash: summary.configHash,
            status: "succeeded",
            origin: "storage",
            submittedAt: null,
            startedAt: null,
            finishedAt,
            progress: { eventsProcessed: summary.eventCount, simTime: summary.dataRange.lastEvent, percent: 100 },
            error: null,
            resultsUri: results.runUri(runId)
          })
        )
      )
    )

  const taken = (runId: string) => {
    const entry = entries.get(runId)
    return entry !== undefined
      ? Effect.map(SubscriptionRef.get(entry.state), (s) => s.status !== "failed" && s.status !== "cancelled")
      : results.exists(runId)
  }

  /** The run in the background: waits for a slot, replays, records how it ended. */
  const execute = (entry: Entry, config: BacktestConfig.BacktestConfig) => {
    // The engine reports from its hot loop through a plain callback, and may not yield for a
    // while between reports: the callback only keeps the latest report and wakes a fiber that
    // publishes it, and the final state takes the last report, whatever was published before.
    let latest: Backtest.Progress | undefined
    const withLatest = (s: RunInfo): RunInfo => (latest === undefined ? s : { ...s, progress: toProgress(latest) })
    return Effect.gen(function* () {
      const wake = yield* Queue.unbounded<void>()
      const publish = update(entry, withLatest)
      yield* slots.withPermits(1)(
        Effect.gen(function* () {
          const startedAt = yield* nowIso
          yield* update(entry, (s) => ({ ...s, status: "running", startedAt, progress: { eventsProcessed: 0, simTime: null, percent: 0 } }))
          yield* Queue.take(wake).pipe(
            Effect.zipRight(Queue.takeAll(wake)),
            Effect.zipRight(publish),
            Effect.forever,
            Effect.forkScoped
          )
          return yield* Backtest.run(config, {
            defaultOutputUri: results.root,
            signal: entry.abort.signal,
            onProgress: (p) => {
              latest = p
              Queue.unsafeOffer(wake, undefined)
            }
          })
        }).pipe(Effect.scoped)
      )
    }).pipe(
      Effect.onExit((exit) =>
        Effect.flatMap(nowIso, (finishedAt) =>
          update(entry, (current) => {
            const s = withLatest(current)
            if (Exit.isSuccess(exit)) return { ...s, status: "succeeded", finishedAt }
            const failure = Cause.failureOption(exit.cause)
            if (Option.isSome(failure) && failure.value.reason !== "Cancelled") {
              const error: RunFailure = { reason: failure.value.reason, message: failure.value.message }
              return { ...s, status: "failed", finishedAt, error }
            }
            if (Option.isNone(failure) && !Cause.isInterruptedOnly(exit.cause)) {
              return { ...s, status: "failed", finishedAt, error: { reason: "Engine", message: Cause.pretty(exit.cause) } }
            }
            return { ...s, status: "cancelled", finishedAt }
          })
        )
      ),
      Effect.provideService(Storage.Storage, storage)
    )
  }

  const submit = (input: BacktestConfig.BacktestConfig) =>
    Effect.gen(function* () {
      const configured = input.output.uri
      if (configured !== undefined && configured.replace(/\/+$/, "") !== results.root.replace(/\/+$/, "")) {
        return yield* new InvalidConfig({
          message: `Invalid backtest config: output.uri: the service writes every run under its results root ${results.root}; leave output.uri out`,
          issues: [`output.uri: the service writes every run under its results root ${results.root}; leave output.uri out`]
        })
      }
      const now = yield* Clock.currentTimeMillis
      let runId: string
      if (input.runId !== undefined) {
        runId = input.runId
        if (yield* taken(runId)) return yield* new RunExists({ runId, message: `run ${runId} already exists; choose another runId or leave it out` })
      } else {
        const base = `${RunId.of(input)}-${stamp(now)}`
        runId = base
        for (let n = 2; yield* taken(runId); n++) runId = `${base}-${n}`
      }
      const config: BacktestConfig.BacktestConfig = { ...input, runId }
      const info: RunInfo = {
        runId,
        name: config.name ?? null,
        configHash: BacktestConfig.hash(config),
        status: "queued",
        origin: "service",
        submittedAt: iso(now),
        startedAt: null,
        finishedAt: null,
        progress: null,
        error: null,
        resultsUri: results.runUri(runId)
      }
      const entry: Entry = { state: yield* SubscriptionRef.make(info), abort: new AbortController() }
      entries.set(runId, entry)
      yield* FiberMap.run(fibers, runId, execute(entry, config))
      return info
    }).pipe(claiming.withPermits(1))

  const get = (runId: string) => {
    const entry = entries.get(runId)
    return entry !== undefined
      ? SubscriptionRef.get(entry.state)
      : storedInfo(runId).pipe(Effect.flatMap(Option.match({ onNone: () => Effect.fail(notFound(runId)), onSome: Effect.succeed })))
  }

  const list = (filter: { readonly status?: RunStatus | undefined } = {}) =>
    Effect.gen(function* () {
      const own = yield* Effect.forEach([...entries.values()], (e) => SubscriptionRef.get(e.state))
      own.sort((a, b) => (b.submittedAt ?? "").localeCompare(a.submittedAt ?? ""))
      const stored = (yield* results.list)
        .filter((r) => !entries.has(r.runId))
        .map(
          (r): RunInfo => ({
            runId: r.runId,
            name: null,
            configHash: null,
            status: "succeeded",
            origin: "storage",
            submittedAt: null,
            startedAt: null,
            finishedAt: r.finishedAt,
            progress: null,
            error: null,
            resultsUri: results.runUri(r.runId)
          })
        )
      stored.sort((a, b) => (b.finishedAt ?? "").localeCompare(a.finishedAt ?? "") || a.runId.localeCompare(b.runId))
      const all = [...own, ...stored]
      return filter.status === undefined ? all : all.filter((r) => r.status === filter.status)
    })

  const watch = (runId: string) => {
    const entry = entries.get(runId)
    if (entry === undefined) return Effect.map(get(runId), (info) => Stream.make(info))
    return Effect.succeed(entry.state.changes.pipe(Stream.takeUntil((s) => isTerminal(s.status))))
  }

  const cancel = (runId: string) =>
    Effect.gen(function* () {
      const entry = entries.get(runId)
      if (entry === undefined) {
        const info = yield* get(runId)
        return yield* new RunNotReady({ runId, status: info.status, message: `run ${runId} has already ${info.status}` })
      }
      const before = yield* SubscriptionRef.get(entry.state)
      if (before.status === "succeeded" || before.status === "failed") {
        return yield* new RunNotReady({ runId, status: before.status, message: `run ${runId} has already ${before.status}` })
      }
      entry.abort.abort()
      // Interrupting waits for the run's fiber to end and record its final state.
      yield* FiberMap.remove(fibers, runId)
      return yield* SubscriptionRef.get(entry.state)
    })

  const summary = (runId: string) =>
    Effect.gen(function* () {
      const entry = entries.get(runId)
      if (entry !== undefined) {
        const s = yield* SubscriptionRef.get(entry.state)
        if (s.status !== "succeeded") {
          return yield* new RunNotReady({ runId, status: s.status, message: `run ${runId} is ${s.status}; it has a summary once it has succeeded` })
        }
      }
      const found = yield* results.summary(runId)
      return yield* Option.match(found, { onNone: () => Effect.fail(notFound(runId)), onSome: Effect.succeed })
    })

  const counts = Effect.map(
    Effect.suspend(() => Effect.forEach([...entries.values()], (e) => SubscriptionRef.get(e.state))),
    (all) => ({
      queued: all.filter((s) => s.status === "queued").length,
      running: all.filter((s) => s.status === "running").length
    })
  )

  return RunRegistry.of({ submit, get, list, watch, cancel, counts, summary })
})

/** The registry, its runs scoped to the layer. */
export const layer = Layer.scoped(RunRegistry, make)
