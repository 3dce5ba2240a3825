/**
 * An InstrumentSpec compiled to scaled integers once, so a check never touches a Decimal
 * of the spec. Cached by canonical id and keyed on the spec object's identity, so a book
 * that hands out a new spec object gets it recompiled on next use.
 */
import type { InstrumentSpec } from "@odum/domain"
import { F, LIM, SAFE_B } from "./fixed.js"
import { ceilDiv, fromDecimal, ONE, pow10, SCALE } from "./scaled.js"

/** The numbers of one instrument spec, at scale 18 unless stated. */
export interface CompiledSpec {
  readonly source: InstrumentSpec.InstrumentSpec
  readonly canonicalId: string
  readonly venue: string
  readonly baseAsset: string
  readonly quoteAsset: string
  readonly settlementAsset: string
  readonly spot: boolean
  readonly option: boolean
  readonly inverse: boolean
  /** `base18(q) = q` for every q: not an option, not inverse, contract size 1 (spot and most linear listings). */
  readonly unitBase: boolean
  readonly tick: bigint
  readonly lot: bigint
  /**
   * k when the tick (lot) is 10^-k: a decimal with at most k places is then on the grid
   * without a division. -1 for other steps (0.5, 25).
   */
  readonly tickPow10: number
  readonly lotPow10: number
  readonly minQuantity: bigint
  readonly maxQuantity: bigint | undefined
  readonly minNotional: bigint | undefined
  /** minNotional at scale 36 (compared with LINEAR notionals). */
  readonly minNotional36: bigint | undefined
  /** `face36 = q18 * faceMul / faceDiv`: the quantity's face value (contracts times size), scale 36. */
  readonly faceMul: bigint
  readonly faceDiv: bigint
  /** Contract size as `csUnits / csDiv` (exact; csDiv = 1 when the size is whole). */
  readonly csUnits: bigint
  readonly csDiv: bigint

  // ---- The number domain (internal/fixed.ts): exact integers at these scales. ----
  /** False when the spec's steps do not fit it: the instrument is then kept in bigints only. */
  readonly fastOk: boolean
  /** Places of a quantity held as a number: the lot's. */
  readonly qs: number
  /** Places of a price held as a number: the tick's plus one (the mid of two ticks). */
  readonly ps: number
  /** One quantity (price) unit at scale 18, for the bigint views. */
  readonly qUnit: bigint
  readonly pUnit: bigint
  /** The lot at `qs`, the tick at `ps`. */
  readonly lotN: number
  readonly tickN: number
  /** Contract size as `csN / 10^css`; `csOne` when it is 1. */
  readonly csN: number
  readonly css: number
  readonly csOne: boolean
  /** Places of `q * contractSize` (face value, base quantity): qs + css. */
  readonly bs: number
  /** Places of a value (exposure, notional, spot cost): INVERSE `bs`, otherwise `bs + ps`. */
  readonly vs: number
  /** Venue min quantity at `qs` rounded up; venue max rounded down (Infinity when none or beyond the bound). */
  readonly minQN: number
  readonly maxQN: number
}

/**
 * A limit `x` (scale 18, >= 0) in units at `scale`, rounded up (for a minimum: an integer
 * is >= x iff it is >= ceil) or down (for a maximum). At 2^53 or beyond it is Infinity:
 * every number the fast path compares with a limit is below 2^53, so the comparison keeps
 * its meaning (never above a maximum, always below a minimum).
 */
export const toUnitsCeil = (x: bigint, scale: number): number => {
  const u = ceilDiv(x, pow10(SCALE - scale))
  return u >= SAFE_B ? Infinity : Number(u)
}
export const toUnitsFloor = (x: bigint, scale: number): number => {
  const u = x / pow10(SCALE - scale)
  return u >= SAFE_B ? Infinity : Number(u)
}

/** Scaled copy of a decimal that the domain schema already bounds to 18 places; rounds up beyond. */
const scaledUp = (d: { readonly units: bigint; readonly scale: number }): bigint =>
  d.scale <= SCALE ? d.units * pow10(SCALE - d.scale) : ceilDiv(d.units, pow10(d.scale - SCALE))

/** Compiles a spec (not on the hot path: once per spec object). */
export const compileSpec = (spec: InstrumentSpec.InstrumentSpec): CompiledSpec => {
  const cs = spec.contractSize
  const csDiv = pow10(cs.scale)
  // face36 = q18 * cs * 10^18 = q18 * cs.units * 10^(18 - cs.scale)
  const faceMul = cs.scale <= SCALE ? cs.units * pow10(SCALE - cs.scale) : cs.units * ONE
  const faceDiv = cs.scale <= SCALE ? 1n : csDiv
  const inverse = spec.contractType === "INVERSE"
  const qs = spec.lotSize.scale
  const ps = spec.tickSize.scale + 1
  const css = cs.scale
  const bs = qs + css
  const vs = inverse ? bs : bs + ps
  const lotN = Number(spec.lotSize.units)
  const tickN = Number(spec.tickSize.units) * 10
  const csN = Number(cs.units)
  const fastOk =
    ps <= SCALE && bs <= F && vs <= F && lotN > 0 && lotN <= LIM && tickN > 0 && tickN <= LIM && csN > 0 && csN <= LIM
  const minQuantity = scaledUp(spec.minQuantity)
  const maxQuantity = spec.maxQuantity === undefined ? undefined : scaledUp(spec.maxQuantity)
  return {
    source: spec,
    canonicalId: spec.canonicalId,
    venue: spec.venue,
    baseAsset: spec.baseAsset,
    quoteAsset: spec.quoteAsset,
    settlementAsset: spec.settlementAsset,
    spot: spec.kind === "SPOT",
    option: spec.kind === "OPTION",
    inverse,
    unitBase: spec.kind !== "OPTION" && spec.contractType !== "INVERSE" && cs.units === 1n && cs.scale === 0,
    tick: fromDecimal(spec.tickSize) ?? scaledUp(spec.tickSize),
    lot: fromDecimal(spec.lotSize) ?? scaledUp(spec.lotSize),
    tickPow10: spec.tickSize.units === 1n ? spec.tickSize.scale : -1,
    lotPow10: spec.lotSize.units === 1n ? spec.lotSize.scale : -1,
    minQuantity,
    maxQuantity,
    minNotional: spec.minNotional === undefined ? undefined : scaledUp(spec.minNotional),
    minNotional36: spec.minNotional === undefined ? undefined : scaledUp(spec.minNotional) * ONE,
    faceMul,
    faceDiv,
    csUnits: cs.units,
    csDiv,
    fastOk,
    qs: fastOk ? qs : 0,
    ps: fastOk ? ps : 0,
    qUnit: fastOk ? pow10(SCALE - qs) : 1n,
    pUnit: fastOk ? pow10(SCALE - ps) : 1n,
    lotN,
    tickN,
    csN,
    css,
    csOne: cs.units === 1n && css === 0,
    bs,
    vs,
    minQN: fastOk ? toUnitsCeil(minQuantity, qs) : 0,
    maxQN: fastOk && maxQuantity !== undefined ? toUnitsFloor(maxQuantity, qs) : Infinity
  }
}

/** `q * contractSize` at scale 36 (quote units for INVERSE, underlying units otherwise), rounded up. */
export const face36 = (c: CompiledSpec, q18: bigint): bigint =>
  c.faceDiv === 1n ? q18 * c.faceMul : ceilDiv(q18 * c.faceMul, c.faceDiv)

/**
 * The value of `q18` (>= 0) at price `p18` in quote terms, scale 36, rounded up: what the
 * exposure limits add up. LINEAR and QUANTO `q * contractSize * price`, INVERSE
 * `q * contractSize` (an inverse contract's face is already in quote currency).
 */
export const value36 = (c: CompiledSpec, q18: bigint, p18: bigint): bigint => {
  if (c.inverse) return face36(c, q18)
  if (c.csUnits === 1n && c.csDiv === 1n) return q18 * p18
  const x = q18 * p18 * c.csUnits
  return c.csDiv === 1n ? x : ceilDiv(x, c.csDiv)
}

/**
 * `q18` (>= 0) as an amount of the base asset, scale 18, rounded up: LINEAR and QUANTO
 * `q * contractSize`, INVERSE `q * contractSize / price`. `undefined` for options (their
 * delta is not known here) and for INVERSE without a price.
 */
export const base18 = (c: CompiledSpec, q18: bigint, p18: bigint | undefined): bigint | undefined => {
  if (c.option) return undefined
  if (c.inverse) return p18 === undefined || p18 <= 0n ? undefined : ceilDiv(face36(c, q18), p18)
  if (c.csDiv === 1n) return c.csUnits === 1n ? q18 : q18 * c.csUnits
  return ceilDiv(q18 * c.csUnits, c.csDiv)
}

/** The worst case of a cell in absolute quantity: every open buy fills, or every open sell does. */
export const worstCase = (position: bigint, openBuy: bigint, openSell: bigint): bigint => {
  const long = position + openBuy
  const short = openSell - position
  const l = long < 0n ? -long : long
  const s = short < 0n ? -short : short
  return l > s ? l : s
}
