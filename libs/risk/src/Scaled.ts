/**
 * Conversions between domain decimals and the scaled integers of the RiskBook view, for
 * whoever adapts the OMS and the position tracker to it. Convert once per update, never
 * per check.
 */
import { Decimal } from "@odum/domain"
import { format18, format36, SCALE as S } from "./internal/scaled.js"

/** Fractional digits of every RiskBook quantity, price and balance. */
export const SCALE = S

/** Fractional digits of exposure values (a quantity times a price). */
export const EXPOSURE_SCALE = 2 * S

/** `d` at scale 18, exactly; throws DecimalError (InexactConversion) past 18 decimals. */
export const fromDecimal = (d: Decimal.Decimal): bigint => Decimal.toScaled(d, S)

/** A decimal string at scale 18 (tests, fixtures); throws DecimalError on bad input. */
export const unsafeFromString = (s: string): bigint => Decimal.toScaled(Decimal.unsafeFromString(s), S)

/** A scale-18 value back to a Decimal. */
export const toDecimal = (x: bigint): Decimal.Decimal => Decimal.fromScaled(x, S)

/** A scale-18 value as decimal text. */
export const format = (x: bigint): string => format18(x)

/** A scale-36 exposure value as decimal text. */
export const formatExposure = (x: bigint): string => format36(x)
