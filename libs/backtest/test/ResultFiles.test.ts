import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { parquetMetadata, parquetReadObjects } from "hyparquet"
import { ResultFiles } from "../src/index.js"

const names = (cols: ReadonlyArray<ResultFiles.Column>) => cols.map((c) => c.name)

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

const fillRow = (over: Partial<Record<string, ResultFiles.Value>> = {}): Array<ResultFiles.Value> =>
  ResultFiles.FILL_COLUMNS.map((c) => {
    if (c.name in over) return over[c.name]!
    if (c.type === "timestamp") return 1723161256327000000n
    return c.nullable ? null : `${c.name}-value`
  })

describe("result columns", () => {
  it("keep the documented columns first, in order", () => {
    expect(names(ResultFiles.FILL_COLUMNS).slice(0, 11)).toEqual([
      "ts", "operation_id", "parent_operation_id", "venue", "instrument", "side", "price", "quantity", "fee", "fee_currency", "liquidity"
    ])
    expect(names(ResultFiles.POSITION_COLUMNS).slice(0, 6)).toEqual([
      "venue", "instrument", "quantity", "average_price", "realized_pnl", "unrealized_pnl"
    ])
    expect(names(ResultFiles.ORDER_COLUMNS).slice(0, 13)).toEqual([
      "operation_id", "parent_operation_id", "venue", "instrument", "side", "type", "quantity", "price", "status",
      "filled_quantity", "created_ts", "updated_ts", "risk_reason"
    ])
    for (const t of ResultFiles.TABLES) expect(new Set(names(ResultFiles.COLUMNS[t])).size).toBe(ResultFiles.COLUMNS[t].length)
  })
})

describe("toCsv", () => {
  it("writes the header, ISO nanosecond times, empty fields for absent values", () => {
    const csv = ResultFiles.toCsv({ name: "fills", rows: [fillRow({ parent_operation_id: null })] })
    const [header, line, end] = csv.split("\n")
    expect(header).toBe(names(ResultFiles.FILL_COLUMNS).join(","))
    expect(line!.startsWith("2024-08-08T23:54:16.327000000Z,operation_id-value,,venue-value,")).toBe(true)
    expect(end).toBe("")
  })

  it("quotes fields holding commas, quotes or line breaks, and the quoted text reads back exactly", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const csv = ResultFiles.toCsv({ name: "fills", rows: [fillRow({ operation_id: text })] })
        const line = csv.slice(csv.indexOf("\n") + 1)
        const field = line.slice(line.indexOf(",") + 1)
        if (/[",\r\n]/.test(text)) {
          expect(field.startsWith(`"${text.replaceAll('"', '""')}",`)).toBe(true)
        } else {
          expect(field.startsWith(`${text},`)).toBe(true)
        }
      })
    )
  })
})

describe("toParquet", () => {
  it("reads back with the same values: decimals as exact strings, times as ns, nulls as nulls", async () => {
    const rows = [fillRow({ price: "61800.3", parent_operation_id: null }), fillRow({ ts: 1n, price: "0.000000000000000001", parent_operation_id: "p" })]
    const bytes = ResultFiles.toParquet({ name: "fills", rows }, [{ key: "odum.run_id", value: "r1" }])
    const file = toArrayBuffer(bytes)
    const read = await parquetReadObjects({ file, utf8: true })
    expect(read).toHaveLength(2)
    expect(read[0]!["price"]).toBe("61800.3")
    expect(read[1]!["price"]).toBe("0.000000000000000001")
    expect(read[0]!["parent_operation_id"]).toBe(null)
    expect(read[1]!["parent_operation_id"]).toBe("p")
    const meta = parquetMetadata(file)
    expect(meta.key_value_metadata?.find((kv) => kv.key === "odum.run_id")?.value).toBe("r1")
    const ts = meta.schema.find((e) => e.name === "ts")
    expect(ts?.type).toBe("INT64")
    expect(ts?.logical_type).toMatchObject({ type: "TIMESTAMP", unit: "NANOS", isAdjustedToUTC: true })
  })

  it("gives the same bytes for the same rows", () => {
    const rows = [fillRow(), fillRow({ side: "SELL" })]
    expect(ResultFiles.toParquet({ name: "fills", rows })).toEqual(ResultFiles.toParquet({ name: "fills", rows }))
  })
})

describe("runPaths", () => {
  it("places a run's files under <output>/<runId>/ in every URI form", () => {
    expect(ResultFiles.runPaths("gs://bucket/backtests/", "r-1").csv.fills).toBe("gs://bucket/backtests/r-1/fills.csv")
    expect(ResultFiles.runPaths("results", "r-1").summary).toBe("results/r-1/summary.json")
    expect(ResultFiles.runPaths("file:///tmp/out", "r-1").parquet.equity).toBe("file:///tmp/out/r-1/equity.parquet")
    expect(ResultFiles.runPaths("", "r-1").root).toBe("r-1/")
  })
})
