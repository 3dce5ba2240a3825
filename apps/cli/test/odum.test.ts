/**
 * The real `odum` program, spawned as a user runs it (`node apps/cli/bin/odum.mjs ...`):
 * stdout, stderr and exit status are the contract checked here.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version

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
      { cwd: root, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null
        resolve({ status, stdout, stderr })
      }
    )
  })

/** A refusal: status 2, nothing on stdout, exactly one line on stderr and no stack or cause dump. */
const expectOneLineError = (run: Run, text: string) => {
  expect(run.status).toBe(2)
  expect(run.stdout).toBe("")
  const lines = run.stderr.split("\n").filter((line) => line.length > 0)
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain(text)
  expect(run.stderr).not.toMatch(/\n\s+at |FiberFailure|Error:|\{ "_tag"|_id/)
}

describe.concurrent("odum instrument", () => {
  it("convert --to ccxt prints the ccxt exchange and symbol as JSON", async () => {
    const run = await odum("instrument", "convert", "BINANCE-SPOT:SPOT_PAIR:BTC-USDT", "--to", "ccxt")
    expect(run).toStrictEqual({ status: 0, stdout: '{"exchange":"binance","symbol":"BTC/USDT"}\n', stderr: "" })
  })

  it("convert --to deribit prints Deribit's instrument name", async () => {
    const run = await odum("instrument", "convert", "DERIBIT:PERPETUAL:BTC-USD@INV", "--to", "deribit")
    expect(run).toStrictEqual({ status: 0, stdout: '{"instrument_name":"BTC-PERPETUAL"}\n', stderr: "" })
  })

  it("convert --to ib prints the IB contract fields", async () => {
    const run = await odum("instrument", "convert", "--to", "ib", "IB:OPTION:AAPL-USD-150-20241220-C")
    expect(run.status).toBe(0)
    expect(run.stderr).toBe("")
    expect(JSON.parse(run.stdout)).toStrictEqual({
      symbol: "AAPL",
      secType: "OPT",
      exchange: "SMART",
      currency: "USD",
      lastTradeDateOrContractMonth: "20241220",
      strike: 150,
      right: "C",
      multiplier: 100
    })
  })

  it("parse prints the structured key as one line of JSON", async () => {
    const run = await odum("instrument", "parse", "DERIBIT:OPTION:BTC-USD-50000-20241231-C")
    expect(run.status).toBe(0)
    expect(run.stdout.split("\n")).toStrictEqual([expect.any(String), ""])
    expect(JSON.parse(run.stdout)).toStrictEqual({
      venue: "DERIBIT",
      type: "OPTION",
      base: "BTC",
      quote: "USD",
      expiry: "20241231",
      strike: "50000",
      right: "C"
    })
  })

  it("a malformed id exits 2 with one line naming the bad part", async () => {
    expectOneLineError(
      await odum("instrument", "parse", "BINANCE:PERP:BTC-USDT"),
      'odum: unknown instrument type "PERP" in "BINANCE:PERP:BTC-USDT"'
    )
  })

  it("a conversion the venue cannot express exits 2 with one line", async () => {
    expectOneLineError(
      await odum("instrument", "convert", "BINANCE-SPOT:SPOT_PAIR:BTC-USDT", "--to", "deribit"),
      'odum: venue BINANCE-SPOT is not Deribit in "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"'
    )
  })

  it("usage errors exit 2", async () => {
    const [missingTo, badTo, unknownCommand, missingId] = await Promise.all([
      odum("instrument", "convert", "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"),
      odum("instrument", "convert", "BINANCE-SPOT:SPOT_PAIR:BTC-USDT", "--to", "kraken"),
      odum("instruments"),
      odum("instrument", "parse")
    ])
    for (const run of [missingTo, badTo, unknownCommand, missingId]) {
      expect(run.status).toBe(2)
      expect(run.stdout).toBe("")
      expect(run.stderr).not.toBe("")
    }
    expect(missingTo.stderr).toContain("--to")
  })

  it("--version prints the package version", async () => {
    const run = await odum("--version")
    expect(run.status).toBe(0)
    expect(run.stdout.trim()).toBe(version)
  })
})
