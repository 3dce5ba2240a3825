/**
 * The service end to end: the real server on an ephemeral port, the real engine on the
 * bundled sample catalog, results in a temp folder, driven over HTTP with fetch.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as HttpServer from "@effect/platform/HttpServer"
import { afterAll, expect, layer } from "@effect/vitest"
import { ResultFiles } from "@odum/backtest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Server from "../src/Server.js"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const resultsDir = mkdtempSync(join(tmpdir(), "odum-backtest-service-"))
afterAll(() => rmSync(resultsDir, { recursive: true, force: true }))

const example = JSON.parse(readFileSync(join(repo, "config/backtest.example.json"), "utf8")) as Record<string, unknown> & {
  readonly data: Record<string, unknown>
  readonly venues: ReadonlyArray<Record<string, unknown>>
  readonly strategy: Record<string, unknown>
}

/** The sample data's two days, both instruments, every kind: about a million events, long enough to cancel mid-run. */
const long = {
  ...example,
  name: "long",
  data: { ...example.data, from: "2024-08-08T00:00:00Z", to: "2024-08-10T00:00:00Z", kinds: ["trades", "quotes", "book"] },
  venues: [
    {
      ...example.venues[0],
      instruments: [{ instrument: "BINANCE-FUTURES:PERPETUAL:BTC-USDT" }, { instrument: "BINANCE-FUTURES:PERPETUAL:ETH-USDT" }]
    }
  ]
}

/** The service as the environment would configure it, on a free port, writing under the temp folder. */
const serverLayer = () =>
  Server.ServerLive.pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["BACKTEST_PORT", "0"],
            ["BACKTEST_HOST", "127.0.0.1"],
            ["BACKTEST_CONFIG_DIR", join(repo, "config")],
            ["BACKTEST_RESULTS_URI", pathToFileURL(resultsDir).href],
            ["UNIFIED_CLOUD_LOCAL_PATH", join(repo, "data")]
          ])
        )
      )
    ),
    Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
  )

const baseUrlOf = (server: HttpServer.HttpServer) =>
  server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "unreachable"

interface Reply {
  readonly status: number
  readonly contentType: string | null
  readonly text: string
  readonly json: any
}

const call = (base: string, method: string, path: string, body?: unknown) =>
  Effect.promise(async (): Promise<Reply> => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    })
    const text = await res.text()
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: res.status, contentType: res.headers.get("content-type"), text, json }
  })

interface SseEvent {
  readonly event: string
  readonly data: any
}

/** Reads `/runs/:id/progress` to its end, parsing each Server-Sent Event. */
const follow = (base: string, runId: string) =>
  Effect.promise(async () => {
    const res = await fetch(`${base}/runs/${runId}/progress`)
    const events: Array<SseEvent> = []
    for (const block of (await res.text()).split("\n\n")) {
      if (block.trim() === "") continue
      const lines = block.split("\n")
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message"
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")
      events.push({ event, data: JSON.parse(data) })
    }
    return { status: res.status, contentType: res.headers.get("content-type"), events }
  })

/** Reads `/runs/:id/progress` until `until` holds for an event, then stops reading. */
const followUntil = (base: string, runId: string, until: (e: SseEvent) => boolean) =>
  Effect.promise(async () => {
    const controller = new AbortController()
    const res = await fetch(`${base}/runs/${runId}/progress`, { signal: controller.signal })
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffered = ""
    for (;;) {
      const { done, value } = await reader.read()
      if (done) throw new Error("the progress stream ended before the expected event")
      buffered += decoder.decode(value, { stream: true })
      let cut: number
      while ((cut = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, cut)
        buffered = buffered.slice(cut + 2)
        const lines = block.split("\n")
        const e: SseEvent = {
          event: lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message",
          data: JSON.parse(lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"))
        }
        if (until(e)) {
          controller.abort()
          return e
        }
      }
    }
  })

const csvRows = (text: string) => text.split("\n").filter((l) => l !== "")

layer(serverLayer(), { excludeTestServices: true, timeout: "60 seconds" })("backtest service", (it) => {
  const base = Effect.map(HttpServer.HttpServer, baseUrlOf)
  /** Run ids shared by the tests below, in order. */
  const runs: { first?: string; second?: string } = {}

  it.effect("GET /health answers ok with the run queue", () =>
    Effect.gen(function* () {
      const r = yield* call(yield* base, "GET", "/health")
      expect(r.status).toBe(200)
      expect(r.json).toMatchObject({ status: "ok", service: "backtest", runs: { queued: 0, running: 0 }, maxConcurrentRuns: 1 })
      expect(r.json.resultsUri).toBe(pathToFileURL(resultsDir).href)
    }))

  it.effect("GET /openapi.json documents every endpoint, and /docs serves Swagger UI", () =>
    Effect.gen(function* () {
      const url = yield* base
      const spec = yield* call(url, "GET", "/openapi.json")
      expect(spec.status).toBe(200)
      const paths = spec.json.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>
      expect(Object.keys(paths).sort()).toStrictEqual([
        "/compare",
        "/health",
        "/runs",
        "/runs/{runId}",
        "/runs/{runId}/files",
        "/runs/{runId}/files/{name}",
        "/runs/{runId}/progress",
        "/runs/{runId}/summary"
      ])
      expect(Object.keys(paths["/runs"]!).sort()).toStrictEqual(["get", "post"])
      expect(Object.keys(paths["/runs/{runId}"]!).sort()).toStrictEqual(["delete", "get"])
      expect(Object.keys(paths["/runs"]!["post"]!.responses)).toEqual(expect.arrayContaining(["202", "400", "409"]))
      expect(Object.keys(paths["/runs/{runId}"]!["get"]!.responses)).toEqual(expect.arrayContaining(["200", "404"]))
      // The start payload documents the config's own fields.
      const payload = spec.json.components.schemas.StartRunPayload
      expect(payload.oneOf[0].required).toStrictEqual(["data", "venues", "strategy"])
      expect(payload.oneOf[1].required).toStrictEqual(["configPath"])
      const docs = yield* call(url, "GET", "/docs")
      expect(docs.status).toBe(200)
      expect(docs.contentType).toContain("text/html")
      expect(docs.text).toContain("swagger")
    }))

  it.effect("POST /runs with a configPath runs the example to completion, followed over SSE", () =>
    Effect.gen(function* () {
      const url = yield* base
      const started = yield* call(url, "POST", "/runs", { configPath: "backtest.example.json" })
      expect(started.status).toBe(202)
      expect(started.json.status).toBe("queued")
      expect(started.json.name).toBe("trade-driven-btc")
      const runId = started.json.runId as string
      expect(runId).toMatch(/^trade-driven-btc-[0-9a-f]{12}-\d{8}T\d{9}Z$/)
      runs.first = runId

      const followed = yield* follow(url, runId)
      expect(followed.status).toBe(200)
      expect(followed.contentType).toContain("text/event-stream")
      const last = followed.events.at(-1)!
      expect(last.event).toBe("end")
      expect(last.data).toMatchObject({ runId, status: "succeeded", progress: { percent: 100 } })
      expect(followed.events.filter((e) => e.event === "status").at(-1)!.data).toStrictEqual(last.data)
      // Statuses only move forward, and progress never goes back.
      const order = ["queued", "running", "succeeded"]
      const statuses = followed.events.map((e) => order.indexOf(e.data.status as string))
      expect(statuses.every((s, i) => s >= 0 && (i === 0 || s >= statuses[i - 1]!))).toBe(true)
      const done = followed.events.map((e) => (e.data.progress?.eventsProcessed as number | undefined) ?? 0)
      expect(done.every((n, i) => i === 0 || n >= done[i - 1]!)).toBe(true)

      const info = yield* call(url, "GET", `/runs/${runId}`)
      expect(info.status).toBe(200)
      expect(info.json).toMatchObject({ runId, status: "succeeded", origin: "service", error: null })
      expect(info.json.startedAt >= info.json.submittedAt && info.json.finishedAt >= info.json.startedAt).toBe(true)

      const summary = yield* call(url, "GET", `/runs/${runId}/summary`)
      expect(summary.status).toBe(200)
      expect(summary.json).toMatchObject({ schemaVersion: 1, runId, name: "trade-driven-btc", venues: ["BINANCE-FUTURES"] })
      expect(summary.json.eventCount).toBeGreaterThan(0)
      expect(summary.json.fillCount).toBeGreaterThan(0)
      expect(info.json.progress.eventsProcessed).toBe(summary.json.eventCount)
      expect(info.json.configHash).toBe(summary.json.configHash)
    }))

  it.effect("GET /runs/:id/files lists the results and streams fills.csv with its content type", () =>
    Effect.gen(function* () {
      const url = yield* base
      const runId = runs.first!
      const files = yield* call(url, "GET", `/runs/${runId}/files`)
      expect(files.status).toBe(200)
      const names = (files.json as ReadonlyArray<{ name: string }>).map((f) => f.name).sort()
      expect(names).toStrictEqual(
        [
          "config.json",
          "summary.json",
          ...ResultFiles.TABLES.flatMap((t) => [`${t}.csv`, `${t}.parquet`])
        ].sort()
      )
      const fills = yield* call(url, "GET", `/runs/${runId}/files/fills.csv`)
      expect(fills.status).toBe(200)
      expect(fills.contentType).toBe("text/csv; charset=utf-8")
      const rows = csvRows(fills.text)
      expect(rows[0]).toBe(ResultFiles.FILL_COLUMNS.map((c) => c.name).join(","))
      const summary = yield* call(url, "GET", `/runs/${runId}/summary`)
      expect(rows.length - 1).toBe(summary.json.fillCount)
      // The bytes are the stored file's, unchanged.
      expect(fills.text).toBe(readFileSync(join(resultsDir, runId, "fills.csv"), "utf8"))

      const parquet = yield* call(url, "GET", `/runs/${runId}/files/fills.parquet`)
      expect(parquet.status).toBe(200)
      expect(parquet.contentType).toBe("application/vnd.apache.parquet")
      const missing = yield* call(url, "GET", `/runs/${runId}/files/nothing.csv`)
      expect(missing.status).toBe(404)
      expect(missing.json).toMatchObject({ _tag: "FileNotFound", runId, name: "nothing.csv" })
    }))

  it.effect("the same config twice gives two runs whose deterministic metrics are identical", () =>
    Effect.gen(function* () {
      const url = yield* base
      const started = yield* call(url, "POST", "/runs", example)
      expect(started.status).toBe(202)
      const runId = started.json.runId as string
      expect(runId).not.toBe(runs.first)
      runs.second = runId
      const followed = yield* follow(url, runId)
      expect(followed.events.at(-1)!.data.status).toBe("succeeded")

      const cmp = yield* call(url, "GET", `/compare?a=${runs.first}&b=${runId}`)
      expect(cmp.status).toBe(200)
      expect(cmp.json.a.runId).toBe(runs.first)
      expect(cmp.json.b.runId).toBe(runId)
      expect(cmp.json.sameConfig).toBe(true)
      expect(cmp.json.differences).toBe(0)
      const rows = cmp.json.metrics as ReadonlyArray<{ metric: string; equal: boolean; deterministic: boolean; difference: string | null }>
      expect(rows.filter((r) => r.deterministic && !r.equal)).toStrictEqual([])
      expect(rows.find((r) => r.metric === "fillCount")).toMatchObject({ equal: true, difference: "0", deterministic: true })
      expect(rows.find((r) => r.metric === "wallTimeMs")).toMatchObject({ deterministic: false })
      // Every deterministic result file is byte-identical too.
      for (const t of ResultFiles.TABLES) {
        expect(readFileSync(join(resultsDir, runId, `${t}.csv`), "utf8")).toBe(readFileSync(join(resultsDir, runs.first!, `${t}.csv`), "utf8"))
      }
    }))

  it.effect("GET /runs lists the runs newest first and filters by status", () =>
    Effect.gen(function* () {
      const url = yield* base
      const all = yield* call(url, "GET", "/runs")
      expect(all.status).toBe(200)
      const ids = (all.json as ReadonlyArray<{ runId: string }>).map((r) => r.runId)
      expect(ids.slice(0, 2)).toStrictEqual([runs.second, runs.first])
      const succeeded = yield* call(url, "GET", "/runs?status=succeeded")
      expect((succeeded.json as ReadonlyArray<{ status: string }>).every((r) => r.status === "succeeded")).toBe(true)
      expect(succeeded.json).toHaveLength(2)
      const running = yield* call(url, "GET", "/runs?status=running")
      expect(running.json).toStrictEqual([])
      const bad = yield* call(url, "GET", "/runs?status=finished")
      expect(bad.status).toBe(400)
    }))

  it.effect("a bad config is refused with 400 naming the field, and nothing is started", () =>
    Effect.gen(function* () {
      const url = yield* base
      const badQuantity = yield* call(url, "POST", "/runs", { ...example, strategy: { ...example.strategy, quantity: "-1" } })
      expect(badQuantity.status).toBe(400)
      expect(badQuantity.json._tag).toBe("InvalidConfig")
      expect(badQuantity.json.issues).toHaveLength(1)
      expect(badQuantity.json.issues[0]).toMatch(/^strategy\.quantity: /)

      const typo = yield* call(url, "POST", "/runs", { ...example, strategy: { ...example.strategy, quantty: "1" } })
      expect(typo.status).toBe(400)
      expect(typo.json.issues.some((i: string) => i.startsWith("strategy.quantty"))).toBe(true)

      const inconsistent = yield* call(url, "POST", "/runs", { ...example, data: { ...example.data, to: example.data["from"] } })
      expect(inconsistent.status).toBe(400)
      expect(inconsistent.json.issues.some((i: string) => i.startsWith("data.to: "))).toBe(true)

      const elsewhere = yield* call(url, "POST", "/runs", { ...example, output: { uri: "file:///tmp/somewhere-else" } })
      expect(elsewhere.status).toBe(400)
      expect(elsewhere.json.issues[0]).toMatch(/^output\.uri: /)

      for (const configPath of ["../package.json", "/etc/passwd", "nothing-here.json", 42]) {
        const r = yield* call(url, "POST", "/runs", { configPath })
        expect(r.status).toBe(400)
        expect(r.json._tag).toBe("InvalidConfig")
        expect(r.json.issues[0]).toMatch(/^configPath: /)
      }
      const extra = yield* call(url, "POST", "/runs", { configPath: "backtest.example.json", name: "x" })
      expect(extra.status).toBe(400)
      expect(extra.json.issues[0]).toMatch(/^name: /)

      const notJson = yield* Effect.promise(() =>
        fetch(`${url}/runs`, { method: "POST", body: "{ not json", headers: { "content-type": "application/json" } })
      )
      expect(notJson.status).toBe(400)

      const listed = yield* call(url, "GET", "/runs")
      expect(listed.json).toHaveLength(2)
    }))

  it.effect("an instrument the catalog does not define fails the run with the field named", () =>
    Effect.gen(function* () {
      const url = yield* base
      const config = {
        ...example,
        name: "unknown-instrument",
        venues: [{ ...example.venues[0], instruments: [{ instrument: "BINANCE-FUTURES:PERPETUAL:ZZZ-USDT" }] }],
        strategy: { ...example.strategy, instrument: "BINANCE-FUTURES:PERPETUAL:ZZZ-USDT" }
      }
      const started = yield* call(url, "POST", "/runs", config)
      expect(started.status).toBe(202)
      const followed = yield* follow(url, started.json.runId)
      const last = followed.events.at(-1)!.data
      expect(last.status).toBe("failed")
      expect(last.error.reason).toBe("InvalidConfig")
      expect(last.error.message).toContain("venues[0].instruments[0].instrument: BINANCE-FUTURES:PERPETUAL:ZZZ-USDT")
      const summary = yield* call(url, "GET", `/runs/${started.json.runId}/summary`)
      expect(summary.status).toBe(409)
      expect(summary.json).toMatchObject({ _tag: "RunNotReady", status: "failed" })
    }))

  it.effect("an unknown run is 404 everywhere, a malformed id 400", () =>
    Effect.gen(function* () {
      const url = yield* base
      for (const [method, path] of [
        ["GET", "/runs/no-such-run"],
        ["GET", "/runs/no-such-run/summary"],
        ["GET", "/runs/no-such-run/files"],
        ["GET", "/runs/no-such-run/files/fills.csv"],
        ["GET", "/runs/no-such-run/progress"],
        ["DELETE", "/runs/no-such-run"],
        ["GET", `/compare?a=${runs.first}&b=no-such-run`]
      ] as const) {
        const r = yield* call(url, method, path)
        expect([method, path, r.status]).toStrictEqual([method, path, 404])
        expect(r.json).toMatchObject({ _tag: "RunNotFound", runId: "no-such-run" })
      }
      const malformed = yield* call(url, "GET", "/runs/.hidden")
      expect(malformed.status).toBe(400)
    }))

  it.effect("DELETE cancels a running run and a queued one; nothing of theirs is kept", () =>
    Effect.gen(function* () {
      const url = yield* base
      const longRun = yield* call(url, "POST", "/runs", long)
      expect(longRun.status).toBe(202)
      const longId = longRun.json.runId as string
      // One run at a time: this one waits behind the long run.
      const queued = yield* call(url, "POST", "/runs", { configPath: "backtest.example.json" })
      const queuedId = queued.json.runId as string
      yield* followUntil(url, longId, (e) => e.data.status === "running" && e.data.progress.eventsProcessed > 0)
      const health = yield* call(url, "GET", "/health")
      expect(health.json.runs).toStrictEqual({ queued: 1, running: 1 })

      const cancelQueued = yield* call(url, "DELETE", `/runs/${queuedId}`)
      expect(cancelQueued.status).toBe(200)
      expect(cancelQueued.json).toMatchObject({ runId: queuedId, status: "cancelled", startedAt: null })

      const cancelLong = yield* call(url, "DELETE", `/runs/${longId}`)
      expect(cancelLong.status).toBe(200)
      expect(cancelLong.json.status).toBe("cancelled")
      expect(cancelLong.json.progress.percent).toBeLessThan(100)

      // Cancelling again answers the same; the results were never written.
      const again = yield* call(url, "DELETE", `/runs/${longId}`)
      expect(again.status).toBe(200)
      expect(again.json.status).toBe("cancelled")
      for (const id of [longId, queuedId]) {
        const files = yield* call(url, "GET", `/runs/${id}/files`)
        expect(files.json).toStrictEqual([])
        const summary = yield* call(url, "GET", `/runs/${id}/summary`)
        expect(summary.json).toMatchObject({ _tag: "RunNotReady", status: "cancelled" })
        const sse = yield* follow(url, id)
        expect(sse.events.map((e) => [e.event, e.data.status])).toStrictEqual([
          ["status", "cancelled"],
          ["end", "cancelled"]
        ])
      }
      // A finished run cannot be cancelled.
      const finished = yield* call(url, "DELETE", `/runs/${runs.first}`)
      expect(finished.status).toBe(409)
      expect(finished.json).toMatchObject({ _tag: "RunNotReady", status: "succeeded" })
    }))

  it.effect("a run id fixed by the config cannot be reused while its run exists", () =>
    Effect.gen(function* () {
      const url = yield* base
      const r = yield* call(url, "POST", "/runs", { ...example, runId: runs.first })
      expect(r.status).toBe(409)
      expect(r.json).toMatchObject({ _tag: "RunExists", runId: runs.first })
    }))

  it.effect("simultaneous submissions never share a run id", () =>
    Effect.gen(function* () {
      const url = yield* base
      const fixed = yield* Effect.all(
        Array.from({ length: 3 }, () => call(url, "POST", "/runs", { ...example, runId: "race-1" })),
        { concurrency: "unbounded" }
      )
      expect(fixed.map((r) => r.status).sort()).toStrictEqual([202, 409, 409])
      const fresh = yield* Effect.all(
        Array.from({ length: 3 }, () => call(url, "POST", "/runs", example)),
        { concurrency: "unbounded" }
      )
      expect(fresh.map((r) => r.status)).toStrictEqual([202, 202, 202])
      const ids = fresh.map((r) => r.json.runId as string)
      expect(new Set(ids).size).toBe(3)
      for (const id of ["race-1", ...ids]) {
        const cancelled = yield* call(url, "DELETE", `/runs/${id}`)
        expect(cancelled.json.status).toBe("cancelled")
      }
    }))

  it.effect("a restarted service finds the earlier runs in storage", () =>
    Effect.gen(function* () {
      const context = yield* Layer.build(serverLayer())
      const url = baseUrlOf(Context.get(context, HttpServer.HttpServer))
      const listed = yield* call(url, "GET", "/runs")
      expect(listed.status).toBe(200)
      const stored = listed.json as ReadonlyArray<{ runId: string; origin: string; status: string }>
      expect(stored.map((r) => r.runId).sort()).toStrictEqual([runs.first, runs.second].sort())
      expect(stored.every((r) => r.origin === "storage" && r.status === "succeeded")).toBe(true)
      const info = yield* call(url, "GET", `/runs/${runs.first}`)
      expect(info.json).toMatchObject({ runId: runs.first, name: "trade-driven-btc", status: "succeeded", origin: "storage" })
      expect(info.json.progress.percent).toBe(100)
      const cmp = yield* call(url, "GET", `/compare?a=${runs.first}&b=${runs.second}`)
      expect(cmp.json.differences).toBe(0)
      const fills = yield* call(url, "GET", `/runs/${runs.second}/files/fills.csv`)
      expect(fills.text).toBe(readFileSync(join(resultsDir, runs.second!, "fills.csv"), "utf8"))
      const sse = yield* follow(url, runs.first!)
      expect(sse.events.map((e) => e.event)).toStrictEqual(["status", "end"])
    }).pipe(Effect.scoped))
})
