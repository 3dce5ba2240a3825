/**
 * The result files of a run and their columns. A run writes under `<output>/<runId>/`:
 *
 * ```
 * summary.json            RunSummary
 * config.json             the config in normal form (every default filled in)
 * orders.csv  orders.parquet
 * fills.csv   fills.parquet
 * positions.csv positions.parquet
 * equity.csv  equity.parquet
 * ```
 *
 * The column lists below are the contract: names, order and meaning are stable, and a
 * column is only ever added at the end. Decimals are exact decimal strings in both formats
 * (Parquet `STRING`), never floats; times are UTC with nanoseconds (CSV: ISO-8601 text,
 * Parquet: INT64 `TIMESTAMP(NANOS, UTC)`); an absent value is an empty CSV field and a
 * Parquet null.
 */
import { Timestamp } from "@odum/marketdata"
import { StorageUri } from "@odum/ucs"
import { parquetWriteBuffer } from "hyparquet-writer"
import type { SchemaElement } from "hyparquet-writer"

/** How a column's values are typed. */
export type ColumnType =
  /** Text. */
  | "string"
  /** An exact decimal as text (`"0.001"`). */
  | "decimal"
  /** An instant: bigint ns since the epoch in memory. */
  | "timestamp"

/** One column of a results table. */
export interface Column {
  readonly name: string
  readonly type: ColumnType
  /** True if the value may be absent. */
  readonly nullable: boolean
  readonly description: string
}

const col = (name: string, type: ColumnType, nullable: boolean, description: string): Column => ({ name, type, nullable, description })

/** fills.csv / fills.parquet: every execution, in the order the venues reported them. */
export const FILL_COLUMNS: ReadonlyArray<Column> = [
  col("ts", "timestamp", false, "when the venue executed it (simulated time)"),
  col("operation_id", "string", false, "the order that filled (a child's id for algorithm and routed slices)"),
  col("parent_operation_id", "string", true, "its parent order, if it is a child"),
  col("venue", "string", false, "venue code"),
  col("instrument", "string", false, "canonical id of the listing traded"),
  col("side", "string", false, "BUY or SELL"),
  col("price", "decimal", false, "execution price"),
  col("quantity", "decimal", false, "executed quantity, in the listing's unit (contracts for derivatives)"),
  col("fee", "decimal", false, "fee charged (negative: a rebate)"),
  col("fee_currency", "string", false, "currency of the fee"),
  col("liquidity", "string", false, "MAKER or TAKER"),
  col("trade_id", "string", false, "the venue's trade id"),
  col("strategy_id", "string", false, "the strategy that sent the order")
]

/** orders.csv / orders.parquet: every order (parents and children) as it ended the run, in creation order. */
export const ORDER_COLUMNS: ReadonlyArray<Column> = [
  col("operation_id", "string", false, "the order's id"),
  col("parent_operation_id", "string", true, "its parent (algorithm or routing parent), if it is a child"),
  col("venue", "string", true, "venue it was sent to; empty for a parent worked by children"),
  col("instrument", "string", false, "canonical id"),
  col("side", "string", false, "BUY or SELL"),
  col("type", "string", false, "MARKET or LIMIT"),
  col("quantity", "decimal", false, "ordered quantity"),
  col("price", "decimal", true, "limit price; empty for MARKET"),
  col("status", "string", false, "final status (FILLED, PARTIALLY_FILLED, CANCELLED, EXPIRED, REJECTED, DENIED, ...)"),
  col("filled_quantity", "decimal", false, "quantity filled"),
  col("created_ts", "timestamp", false, "when it was recorded (ms resolution)"),
  col("updated_ts", "timestamp", false, "its last change (ms resolution)"),
  col("risk_reason", "string", true, "why it was denied before reaching a venue: `CODE: message` (pre-trade risk code, or NO_ROUTE)"),
  col("time_in_force", "string", false, "GTC, IOC, FOK, GTD or DAY"),
  col("average_price", "decimal", true, "volume-weighted average fill price"),
  col("strategy_id", "string", false, "the strategy that sent it"),
  col("algorithm", "string", true, "TWAP, VWAP or ICEBERG when worked by an algorithm"),
  col("reject_reason", "string", true, "why the venue rejected it (REJECTED orders)"),
  col("arrival_price", "decimal", true, "the market price when a top-level order was sent (mid, else last trade): the slippage benchmark")
]

/** positions.csv / positions.parquet: the end-of-run position of every (venue, listing) that traded. */
export const POSITION_COLUMNS: ReadonlyArray<Column> = [
  col("venue", "string", false, "venue code"),
  col("instrument", "string", false, "canonical id"),
  col("quantity", "decimal", false, "signed quantity (contracts), positive long"),
  col("average_price", "decimal", true, "average entry price of the open quantity; empty when flat"),
  col("realized_pnl", "decimal", false, "PnL of closed quantity, net of fees paid in the PnL currency"),
  col("unrealized_pnl", "decimal", true, "open quantity at the mark minus its cost; empty without a mark"),
  col("pnl_currency", "string", false, "currency of the PnL columns"),
  col("mark_price", "decimal", true, "the last market price at the end of the run"),
  col("fees", "string", false, "fees by currency, `CUR:amount` joined by `;` (sorted by currency)"),
  col("fill_count", "string", false, "number of fills")
]

/** equity.csv / equity.parquet: one row per sample time and PnL currency. */
export const EQUITY_COLUMNS: ReadonlyArray<Column> = [
  col("ts", "timestamp", false, "sample time (simulated): state after every event before it"),
  col("currency", "string", false, "the PnL currency this row adds up"),
  col("starting_balance", "decimal", false, "the configured starting balances in this currency, all venues"),
  col("realized_pnl", "decimal", false, "realized PnL so far, net of fees in this currency"),
  col("unrealized_pnl", "decimal", false, "open positions at their marks minus cost"),
  col("equity", "decimal", false, "starting_balance + realized_pnl + unrealized_pnl"),
  col("fees", "decimal", false, "fees paid in this currency so far")
]

/** The names of the results tables. */
export type TableName = "orders" | "fills" | "positions" | "equity"

/** Every table, in the order they are written. */
export const TABLES: ReadonlyArray<TableName> = ["orders", "fills", "positions", "equity"]

/** Each table's columns. */
export const COLUMNS: Readonly<Record<TableName, ReadonlyArray<Column>>> = {
  orders: ORDER_COLUMNS,
  fills: FILL_COLUMNS,
  positions: POSITION_COLUMNS,
  equity: EQUITY_COLUMNS
}

/** A cell: text (string and decimal columns), bigint ns (timestamp columns), or null. */
export type Value = string | bigint | null

/** A table's rows, each an array in column order. */
export interface Table {
  readonly name: TableName
  readonly rows: ReadonlyArray<ReadonlyArray<Value>>
}

/** Where a run's files are. */
export interface RunPaths {
  /** The run's folder, ending in `/`. */
  readonly root: string
  readonly summary: string
  readonly config: string
  /** `<table>.csv` and `<table>.parquet` of each table. */
  readonly csv: Readonly<Record<TableName, string>>
  readonly parquet: Readonly<Record<TableName, string>>
}

/** The files of run `runId` under the results root `outputUri` (any UCS URI form). */
export const runPaths = (outputUri: string, runId: string): RunPaths => {
  const base = outputUri.replace(/\/+$/, "")
  const root = base === "" ? `${runId}/` : `${StorageUri.join(base, runId)}/`
  const file = (name: string) => `${root}${name}`
  const per = (ext: string) =>
    ({ orders: file(`orders.${ext}`), fills: file(`fills.${ext}`), positions: file(`positions.${ext}`), equity: file(`equity.${ext}`) }) as const
  return { root, summary: file("summary.json"), config: file("config.json"), csv: per("csv"), parquet: per("parquet") }
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

const NEEDS_QUOTES = /[",\r\n]/

const csvField = (v: Value, type: ColumnType): string => {
  if (v === null) return ""
  if (type === "timestamp") return Timestamp.toIso(v as bigint)
  const s = v as string
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** A table as CSV (RFC 4180: header row, `,` separated, `"` quoted when needed, `\n` line ends). */
export const toCsv = (table: Table): string => {
  const columns = COLUMNS[table.name]
  const lines: Array<string> = [columns.map((c) => c.name).join(",")]
  for (const row of table.rows) {
    let line = ""
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += ","
      line += csvField(row[i] ?? null, columns[i]!.type)
    }
    lines.push(line)
  }
  return `${lines.join("\n")}\n`
}

// ---------------------------------------------------------------------------------------
// Parquet
// ---------------------------------------------------------------------------------------

const schemaElement = (c: Column): SchemaElement => {
  const repetition_type = c.nullable ? "OPTIONAL" : "REQUIRED"
  return c.type === "timestamp"
    ? { name: c.name, type: "INT64", repetition_type, logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "NANOS" } }
    : { name: c.name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type, logical_type: { type: "STRING" } }
}

/** A table as Parquet (one file, SNAPPY, 100,000-row groups, column statistics). Same rows give the same bytes. */
export const toParquet = (table: Table, metadata: ReadonlyArray<{ readonly key: string; readonly value: string }> = []): Uint8Array => {
  const columns = COLUMNS[table.name]
  const rows = table.rows
  const columnData = columns.map((c, i) => ({
    name: c.name,
    data: rows.map((r) => r[i] ?? null),
    nullable: c.nullable
  }))
  const buffer = parquetWriteBuffer({
    columnData,
    schema: [{ name: "root", num_children: columns.length }, ...columns.map(schemaElement)],
    rowGroupSize: 100_000,
    kvMetadata: [{ key: "odum.table", value: table.name }, ...metadata],
    createdBy: "@odum/backtest"
  })
  return new Uint8Array(buffer)
}
