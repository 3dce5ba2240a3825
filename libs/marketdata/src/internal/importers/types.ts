/** Shared shapes of the importers. */
import type { InstrumentDefinition } from "../../Instrument.js"
import { instrumentRows, type InstrumentRows, Problems } from "./rows.js"

/** How a data file names an instrument: a canonical id, or a venue symbol to look up. */
export type InstrumentRef =
  | { readonly _tag: "Id"; readonly id: string }
  | {
      readonly _tag: "VenueSymbol"
      readonly venue: string
      readonly venueSymbol: string
      /** The instrument type when the symbol alone is ambiguous (Bybit lists spot and linear XRPUSDT). */
      readonly type?: string
    }

/** What a data parser produced. */
export interface ParsedData {
  readonly _tag: "Data"
  readonly instruments: ReadonlyArray<{ readonly ref: InstrumentRef; readonly rows: InstrumentRows }>
  /** Facts worth reporting (rows dropped by a documented venue rule, counts). */
  readonly notes: ReadonlyArray<string>
  readonly counts: Readonly<Record<string, number>>
}

/** What a definitions parser produced. */
export interface ParsedDefinitions {
  readonly _tag: "Definitions"
  readonly definitions: ReadonlyArray<InstrumentDefinition>
  readonly notes: ReadonlyArray<string>
  readonly counts: Readonly<Record<string, number>>
}

/** Import-wide settings a parser needs. */
export interface ParseContext {
  /** The source's file name, recorded in definitions' `sources`. */
  readonly source: string
  readonly problems: Problems
  /** Skip malformed trade and quote rows (listed in the report) instead of failing. */
  readonly skipBad: boolean
  /** Rows skipped under `skipBad`. */
  readonly skipped: Problems
}

/** A push parser over the lines of a text source. */
export interface LineParser {
  line(text: string, row: number): void
  finish(): ParsedData | ParsedDefinitions
}

/** Rows per instrument, keyed by how the source names it. */
export class RowsByInstrument {
  private readonly map = new Map<string, { ref: InstrumentRef; rows: InstrumentRows }>()
  get(ref: InstrumentRef): InstrumentRows {
    const key = ref._tag === "Id" ? `id:${ref.id}` : `sym:${ref.venue}:${ref.venueSymbol}:${ref.type ?? ""}`
    let e = this.map.get(key)
    if (e === undefined) {
      e = { ref, rows: instrumentRows() }
      this.map.set(key, e)
    }
    return e.rows
  }
  entries(): ReadonlyArray<{ ref: InstrumentRef; rows: InstrumentRows }> {
    return [...this.map.values()]
  }
}

/**
 * Records a malformed row: a problem that fails the import, or (with `skipBad`, for rows
 * that can be dropped without corrupting later ones) a skipped row listed in the report.
 */
export const reject = (ctx: ParseContext, row: number, message: string, skippable = true): void => {
  if (ctx.skipBad && skippable) ctx.skipped.add(row, message)
  else ctx.problems.add(row, message)
}

/** The problem text when `ts` goes backwards in a stream, else undefined. */
export const backwards = (last: bigint | undefined, ts: bigint, what: string): string | undefined =>
  last !== undefined && ts < last
    ? `${what} time ${ts} ns is before the previous ${what} row's ${last} ns (rows must be in time order)`
    : undefined
