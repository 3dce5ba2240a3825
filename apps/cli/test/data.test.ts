/**
 * `odum data ...` run as a user runs it (the real bin, spawned): the bundled sample
 * catalog by default, and a fresh catalog built by `data import` from the real files.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const bin = join(root, "apps/cli/bin/odum.mjs")
const REAL = join(root, "../shared/data/real")

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const odum = (args: ReadonlyArray<string>, cwd = root): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === "number" ? error.code : null
      resolve({ status, stdout, stderr })
    })
  })

const temps: Array<string> = []
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

const lines = (text: string) => text.split("\n").filter((l) => l.length > 0)

// Sequential: each case spawns the program, and the machine is shared with other suites.
describe("odum data", { timeout: 120_000 }, () => {
  it("ls lists the bundled sample catalog, from any working directory", async () => {
    const run = await odum(["data", "ls"], temp("odum-cwd-"))
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const out = lines(run.stdout)
    expect(out).toContain(
      "BINANCE-FUTURES:PERPETUAL:BTC-USDT\ttrades\t31312 rows\t2 day(s)\t2020-02-22T00:00:02.111000000Z .. 2024-08-08T23:59:59.643000000Z"
    )
    expect(out.some((l) => l.startsWith("BYBIT:PERPETUAL:XRP-USDT\tbook\t3966 rows"))).toBe(true)
  })

  it("head --json prints one JSON object per line with exact decimal strings", async () => {
    const run = await odum(["data", "head", "BINANCE-FUTURES:PERPETUAL:BTC-USDT", "--limit", "3", "--json"])
    expect(run.status).toBe(0)
    const events = lines(run.stdout).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(events).toEqual([
      {
        kind: "quotes",
        instrument: "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
        ts: "1582329601096000000",
        time: "2020-02-22T00:00:01.096000000Z",
        tsRecv: "1582329603502092000",
        bidPrice: "9681.92",
        bidSize: "0.67",
        askPrice: "9682",
        askSize: "0.84"
      },
      expect.objectContaining({ kind: "trades", price: "9682", size: "0.132", aggressor: "BUY", tradeId: "42377944" }),
      expect.objectContaining({ kind: "trades", price: "9682", size: "0.412", aggressor: "BUY", tradeId: "42377945" })
    ])
  })

  it("import builds a catalog from the real files, and ls and head read it", async () => {
    const catalog = temp("odum-catalog-")
    const defs = await odum(["data", "import", join(REAL, "binance.json"), "--catalog", catalog])
    expect(defs.status).toBe(0)
    expect(defs.stdout).toContain("instruments: 16 added, 0 updated, 0 unchanged")
    const trades = await odum(["data", "import", join(REAL, "trades.csv"), "--catalog", catalog])
    expect(trades.status).toBe(0)
    expect(trades.stdout).toContain("tardis-trades rows=9999 buys=5267 sells=4732")
    expect(trades.stdout).toContain("wrote BINANCE-FUTURES:PERPETUAL:BTC-USDT trades 9999 rows: 2020-02-22 created")
    const ls = await odum(["data", "ls", "--catalog", catalog])
    expect(lines(ls.stdout)).toEqual([
      "BINANCE-FUTURES:PERPETUAL:BTC-USDT\ttrades\t9999 rows\t1 day(s)\t2020-02-22T00:00:02.111000000Z .. 2020-02-22T02:05:47.728000000Z"
    ])
    const head = await odum(["data", "head", "BINANCE-FUTURES:PERPETUAL:BTC-USDT", "--catalog", catalog, "--limit", "1"])
    expect(lines(head.stdout)).toEqual([
      "trades BINANCE-FUTURES:PERPETUAL:BTC-USDT 2020-02-22T00:00:02.111000000Z tsRecv=1582329602418379000 price=9682 size=0.132 aggressor=BUY tradeId=42377944"
    ])
  })

  it("a malformed id is bad input (status 2); an import of an unknown file fails with one line", async () => {
    const bad = await odum(["data", "head", "NOT-AN-ID"])
    expect(bad.status).toBe(2)
    expect(bad.stdout).toBe("")
    expect(lines(bad.stderr)).toHaveLength(1)
    const unknown = await odum(["data", "import", join(REAL, "SOURCES.md"), "--catalog", temp("odum-catalog-")])
    expect(unknown.status).toBe(1)
    expect(lines(unknown.stderr)).toHaveLength(1)
    expect(unknown.stderr).toContain("unrecognised format")
  })
})
