/**
 * Expiry dates. Canonical ids write `YYYYMMDD`; ccxt writes `YYMMDD` and Deribit `DMMMYY`
 * (`3JUN22`, `27DEC24`). Years are limited to 2000-2099 because the venues' two-digit
 * years cannot say anything else, so every form converts to every other one exactly.
 */
import { isDigits } from "./text.js"

const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** The number written by the ASCII digits in [from, to) (already checked to be digits). */
const digits = (s: string, from: number, to: number): number => {
  let n = 0
  for (let i = from; i < to; i++) n = n * 10 + s.charCodeAt(i) - 48
  return n
}

/** Why a `YYYYMMDD` string is not a usable expiry, or `undefined` when it is one. */
export const expiryProblem = (s: string): string | undefined => {
  if (s.length !== 8 || !isDigits(s)) return "must be YYYYMMDD"
  const year = digits(s, 0, 4)
  const month = digits(s, 4, 6)
  const day = digits(s, 6, 8)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return "is not a date"
  if (year < 2000 || year > 2099) return "must be in the years 2000-2099"
  return undefined
}

/** `20241227` -> `241227` (the date must already be valid). */
export const toYymmdd = (ymd: string): string => ymd.slice(2)

/** `241227` -> `20241227`, or `undefined` when it is not a date. */
export const fromYymmdd = (s: string): string | undefined => {
  if (s.length !== 6 || !isDigits(s)) return undefined
  const ymd = `20${s}`
  return expiryProblem(ymd) === undefined ? ymd : undefined
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const

/** `20241227` -> `27DEC24`, `20220603` -> `3JUN22` (Deribit writes the day without a leading zero). */
export const toDmmmyy = (ymd: string): string => {
  const day = Number(ymd.slice(6, 8))
  const month = Number(ymd.slice(4, 6))
  return `${day}${MONTHS[month - 1]}${ymd.slice(2, 4)}`
}

/** `27DEC24` -> `20241227`; `undefined` unless it is exactly Deribit's spelling of a real date. */
export const fromDmmmyy = (s: string): string | undefined => {
  const n = s.length
  if (n !== 6 && n !== 7) return undefined
  const dayText = s.slice(0, n - 5)
  if (!isDigits(dayText) || dayText.charCodeAt(0) === 48) return undefined
  const monthIndex = MONTHS.indexOf(s.slice(n - 5, n - 2) as (typeof MONTHS)[number])
  const yy = s.slice(n - 2)
  if (monthIndex < 0 || !isDigits(yy)) return undefined
  const ymd = `20${yy}${String(monthIndex + 1).padStart(2, "0")}${dayText.padStart(2, "0")}`
  return expiryProblem(ymd) === undefined ? ymd : undefined
}
