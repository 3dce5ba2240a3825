/**
 * The real `odum backtest run` program, spawned as a user runs it from the repository root
 * (`node apps/cli/bin/odum.mjs ...`): stdout, stderr, exit status and the files it writes.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ROOT, summaryOf, tempDir } from "./fixtures.js"

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const odum = (...args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["apps/cli/bin/odum.mjs", ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null
        resolve({ status, stdout, stderr })
      }
    )
  })

const TIMEOUT = 180_000

describe("odum backtest run", () => {
  it(
    "runs the example config on the bundled sample data and prints the summary as JSON with --json",
    async () => {
      const out = tempDir()
      const run = await odum("backtest", "run", "--config", "config/backtest.example.json", "--json", "--out", out)
      expect(run.stderr).toBe("")
      expect(run.status).toBe(0)
      const lines = run.stdout.split("\n").filter((l) => l !== "")
      expect(lines).toHaveLength(1)
      const summary = JSON.parse(lines[0]!) as ReturnType<typeof summaryOf>
      expect(summary.runId).toMatch(/^trade-driven-btc-[0-9a-f]{12}$/)
      expect(summary.eventCount).toBeGreaterThan(0)
      expect(summary.orderCount).toBe(summary.events.trades)
      expect(summary.fillCount).toBeGreaterThan(0)
      const dir = join(out, summary.runId)
      expect(readdirSync(dir).sort()).toEqual([
        "config.json", "equity.csv", "equity.parquet", "fills.csv", "fills.parquet", "orders.csv", "orders.parquet",
        "positions.csv", "positions.parquet", "summary.json"
      ])
      expect(summaryOf(dir)).toEqual(summary)
    },
    TIMEOUT
  )

  it(
    "without --json and off a terminal prints a few lines naming the results, and no progress bar",
    async () => {
      const out = tempDir()
      const run = await odum("backtest", "run", "--config", "config/backtest.twap.example.json", "--out", out)
      expect(run.status).toBe(0)
      expect(run.stdout).not.toContain("\r")
      expect(run.stdout).toMatch(/^run twap-btc-[0-9a-f]{12}: /)
      expect(run.stdout).toContain(`results: file://${out}/twap-btc-`)
    },
    TIMEOUT
  )

  it(
    "refuses a bad config with status 2 and one line on stderr naming every bad field; nothing on stdout",
    async () => {
      const dir = tempDir()
      const file = join(dir, "bad.json")
      writeFileSync(
        file,
        JSON.stringify({
          data: { catalog: "sample-catalog", from: "2024-08-08T23:54:00Z", to: "2024-08-09T00:00:00Z" },
          venues: [{ venue: "BINANCE-FUTURES", instruments: [{ instrument: "BINANCE-FUTURES:PERPETUAL:BTC-USDT" }] }],
          strategy: { type: "trade-driven", instrument: "BINANCE-FUTURES:PERPETUAL:BTC-USDT", quantity: 1, side: "up" }
        })
      )
      const run = await odum("backtest", "run", "--config", file, "--out", dir)
      expect(run.status).toBe(2)
      expect(run.stdout).toBe("")
      const lines = run.stderr.split("\n").filter((l) => l !== "")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain("strategy.quantity")
      expect(lines[0]).toContain("strategy.side")
      expect(run.stderr).not.toMatch(/\n\s+at |FiberFailure/)
    },
    TIMEOUT
  )
})
