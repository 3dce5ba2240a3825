/**
 * Scaled integers: the hot-path form of prices and sizes.
 *
 * A value with scale `s` is the integer `units` standing for `units / 10^s`. Units are
 * JavaScript numbers that must stay safe integers (|units| < 2^53), so every operation
 * here is exact or refuses. Parsing never goes through a float: the digits are read as
 * text.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

/** 10^n for the scales prices and sizes use (exact for n <= 22). */
export const pow10 = (n: number): number => POW10[n] ?? 10 ** n

/** Parse result written in place so the hot import loop allocates nothing per value. */
export interface ParsedDecimal {
  /** The digits without the point and without trailing fractional zeros, signed. */
  mantissa: number
  /** Digits after the point that `mantissa` keeps (trailing zeros removed). */
  decimals: number
}

/**
 * Reads `-?[0-9]+(\.[0-9]+)?` into `out`. Returns false for anything else (exponents,
 * `+`, blanks, `.5`, `1.`, `NaN`) and for values whose digits do not fit a safe integer.
 */
export const parseDecimalText = (text: string, out: ParsedDecimal): boolean => {
  const n = text.length
  let i = 0
  let negative = false
  if (n === 0) return false
  if (text.charCodeAt(0) === 45) {
    negative = true
    i = 1
  }
  let mantissa = 0
  let c = 0
  const intStart = i
  while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48)
    i++
  }
  if (i === intStart) return false
  let decimals = 0
  if (i < n) {
    if (c !== 46) return false
    i++
    const fracStart = i
    let pendingZeros = 0
    while (i < n) {
      c = text.charCodeAt(i)
      if (c < 48 || c > 57) return false
      if (c === 48) {
        pendingZeros++
      } else {
        // Zeros are only multiplied in once a non-zero digit follows them, so trailing zeros never count.
        while (pendingZeros > 0) {
          mantissa *= 10
          decimals++
          pendingZeros--
        }
        mantissa = mantissa * 10 + (c - 48)
        decimals++
      }
      i++
    }
    if (i === fracStart) return false
  }
  // Accumulating in a double is exact below 2^53 and monotone above it, so this catches every overflow.
  if (!Number.isSafeInteger(mantissa)) return false
  out.mantissa = negative && mantissa !== 0 ? -mantissa : mantissa
  out.decimals = decimals
  return true
}

/**
 * `mantissa / 10^decimals` expressed at `scale` (>= decimals) as units, or NaN when the
 * result would not be a safe integer.
 */
export const rescale = (mantissa: number, decimals: number, scale: number): number => {
  if (decimals === scale) return mantissa
  const units = mantissa * pow10(scale - decimals)
  return Number.isSafeInteger(units) ? units : Number.NaN
}

/** Exact decimal text of `units / 10^scale`: no exponent, no trailing zeros, "0" for zero. */
export const formatUnits = (units: number, scale: number): string => {
  if (!Number.isSafeInteger(units)) throw new RangeError(`formatUnits: ${units} is not a safe integer`)
  if (units === 0) return "0"
  const negative = units < 0
  let digits = String(negative ? -units : units)
  if (scale > 0) {
    if (digits.length <= scale) digits = "0".repeat(scale - digits.length + 1) + digits
    const point = digits.length - scale
    let end = digits.length
    while (end > point && digits.charCodeAt(end - 1) === 48) end--
    digits = end === point ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`
  }
  return negative ? `-${digits}` : digits
}

/** Number of fractional digits in a canonical decimal string ("0.10" counts as 1). */
export const decimalsOfText = (text: string): number => {
  const p = text.indexOf(".")
  if (p < 0) return 0
  let end = text.length
  while (end > p + 1 && text.charCodeAt(end - 1) === 48) end--
  return end - p - 1
}

/**
 * The exact shortest decimal text of a JSON number (venues such as Deribit and Bybit v2
 * send prices as JSON numbers). JavaScript's shortest round-trip form equals what the
 * venue wrote for any value with at most 15 significant digits; this only expands the
 * exponent forms (`1e-7`) that `String()` produces for very small or large values.
 */
export const numberToDecimalText = (x: number): string | undefined => {
  if (!Number.isFinite(x)) return undefined
  const s = String(x)
  const e = s.indexOf("e")
  if (e < 0) return s
  const negative = s.startsWith("-")
  const mant = s.slice(negative ? 1 : 0, e)
  const exp = Number(s.slice(e + 1))
  const p = mant.indexOf(".")
  const intDigits = p < 0 ? mant : mant.slice(0, p)
  const fracDigits = p < 0 ? "" : mant.slice(p + 1)
  const all = intDigits + fracDigits
  const point = intDigits.length + exp
  let out: string
  if (point <= 0) out = `0.${"0".repeat(-point)}${all}`
  else if (point >= all.length) out = all + "0".repeat(point - all.length)
  else out = `${all.slice(0, point)}.${all.slice(point)}`
  return negative ? `-${out}` : out
}

/**
 * Canonical decimal text of a number written as text, allowing an exponent (`1E-08`,
 * as some reference tables write small ticks): exact string arithmetic, no float.
 * Undefined for anything that is not a finite decimal.
 */
export const normalizeDecimalText = (text: string): string | undefined => {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$/.exec(text.trim())
  if (m === null) return undefined
  const [, sign, int, frac = "", exp = "0"] = m
  const digits = int! + frac
  // Position of the decimal point within `digits` (may be <= 0 or past the end).
  const at = int!.length + Number(exp)
  let whole: string
  let fraction: string
  if (at <= 0) {
    whole = "0"
    fraction = "0".repeat(-at) + digits
  } else if (at >= digits.length) {
    whole = digits + "0".repeat(at - digits.length)
    fraction = ""
  } else {
    whole = digits.slice(0, at)
    fraction = digits.slice(at)
  }
  whole = whole.replace(/^0+(?=\d)/, "")
  fraction = fraction.replace(/0+$/, "")
  const body = fraction === "" ? whole : `${whole}.${fraction}`
  return sign === "-" && body !== "0" ? `-${body}` : body
}
