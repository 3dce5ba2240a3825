/**
 * Character-level checks shared by the canonical parser and the venue converters. They
 * scan with charCodeAt and allocate nothing, because `parse` runs once per order.
 */

/** Longest canonical id accepted, so a hostile string costs a bounded amount of work. */
export const MAX_ID_LENGTH = 128

/** Longest asset code, symbol or exchange name. */
export const MAX_CODE_LENGTH = 32

/** Longest strike, digits and point included. */
export const MAX_STRIKE_LENGTH = 24

const isUpperOrDigit = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 48 && c <= 57)

/**
 * An asset code, IB symbol or exchange: upper-case letters and digits, with single dots
 * allowed inside (`BRK.B`), never first, last or doubled.
 */
export const isCode = (s: string): boolean => {
  const n = s.length
  if (n === 0 || n > MAX_CODE_LENGTH) return false
  let previousDot = true
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 46) {
      if (previousDot) return false
      previousDot = true
    } else if (isUpperOrDigit(c)) {
      previousDot = false
    } else {
      return false
    }
  }
  return !previousDot
}

/** Whether every character is an ASCII digit (and there is at least one). */
export const isDigits = (s: string): boolean => {
  const n = s.length
  if (n === 0) return false
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/**
 * Checks a strike written as a plain positive decimal. Returns `undefined` when it is
 * canonical, otherwise a short description of the problem, so ids stay unique:
 * `50000.0` and `050000` are refused, not fixed.
 */
export const strikeProblem = (s: string): string | undefined => {
  const n = s.length
  if (n === 0) return "is empty"
  if (n > MAX_STRIKE_LENGTH) return `is longer than ${MAX_STRIKE_LENGTH} characters`
  let dot = -1
  let nonZero = false
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 46) {
      if (dot >= 0) return "is not a plain decimal"
      dot = i
    } else if (c >= 48 && c <= 57) {
      if (c !== 48) nonZero = true
    } else {
      return "is not a plain decimal"
    }
  }
  if (dot === 0 || dot === n - 1) return "is not a plain decimal"
  if (!nonZero) return "must be greater than zero"
  const leadingZero = s.charCodeAt(0) === 48 && (dot < 0 ? n > 1 : dot > 1)
  const trailingZero = dot >= 0 && s.charCodeAt(n - 1) === 48
  if (leadingZero || trailingZero) return NOT_CANONICAL
  return undefined
}

/** What `strikeProblem` says of a decimal with superfluous zeros. */
export const NOT_CANONICAL = "is not canonical"

/** Strips leading zeros of the integer part and trailing zeros of the fraction. */
export const canonicalDecimal = (s: string): string => {
  const dot = s.indexOf(".")
  let int = dot < 0 ? s : s.slice(0, dot)
  let frac = dot < 0 ? "" : s.slice(dot + 1)
  int = int.replace(/^0+/, "")
  frac = frac.replace(/0+$/, "")
  if (int === "") int = "0"
  return frac === "" ? int : `${int}.${frac}`
}
