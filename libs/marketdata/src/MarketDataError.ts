/**
 * Every error @odum/marketdata raises. They are in-process failures (`Data.TaggedError`
 * with a small `reason` union); the CLI prints them, nothing persists them.
 */
import * as Data from "effect/Data"

/** Why a catalog operation failed. */
export type CatalogErrorReason =
  /** The query or the data handed to a writer is not well formed (the message says what). */
  | "InvalidInput"
  /** The instrument is not in the catalog's instruments store. */
  | "UnknownInstrument"
  /** New rows overlap a day file that holds different rows for the same time range. */
  | "Overlap"
  /** A stored file is not what the catalog wrote (bad footer, missing column, wrong metadata). */
  | "CorruptFile"
  /** The storage underneath failed (see `cause`). */
  | "Storage"

/** A catalog read or write failed; nothing was written. */
export class CatalogError extends Data.TaggedError("CatalogError")<{
  readonly reason: CatalogErrorReason
  readonly message: string
  readonly cause?: unknown
}> {}

/** One malformed row of an import source: where it is and what is wrong with it. */
export interface ImportProblem {
  /** 1-based line (text sources) or record number. */
  readonly row: number
  readonly message: string
}

/** Why an import failed. */
export type ImportErrorReason =
  /** The file's format could not be recognised from its name or first bytes. */
  | "UnknownFormat"
  /** Rows are malformed (bad numbers, timestamps going backwards, unknown columns...). */
  | "BadRows"
  /** The order-book stream cannot be rebuilt (a gap in update ids, no snapshot). */
  | "BookSync"
  /** Data names an instrument the catalog does not define; import its definitions first. */
  | "UnknownInstrument"
  /** The source could not be read. */
  | "Io"

/**
 * An import was refused; the catalog is unchanged. `problems` lists the first
 * malformed rows (at most 100), `problemCount` how many there are in all.
 */
export class ImportError extends Data.TaggedError("ImportError")<{
  readonly reason: ImportErrorReason
  readonly file: string
  readonly message: string
  readonly problems: ReadonlyArray<ImportProblem>
  readonly problemCount: number
  readonly cause?: unknown
}> {}
