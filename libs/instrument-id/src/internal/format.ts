import type { InstrumentKey } from "../InstrumentKey.js"

/** Writes a key as its canonical id; plain concatenation, no validation (keys are validated when made). */
export const formatKey = (key: InstrumentKey): string => {
  let s = key.assetClass === undefined ? "" : key.assetClass + ":"
  s += key.venue + ":" + key.type + ":" + key.base + "-" + key.quote
  switch (key.type) {
    case "FUTURE":
      s += "-" + key.expiry
      break
    case "OPTION":
    case "FUTURE_OPTION":
      s += "-" + key.strike + "-" + key.expiry + "-" + key.right
      break
    default:
      break
  }
  if (key.exchange !== undefined) s += "-" + key.exchange
  if (key.qualifier !== undefined) s += "@" + key.qualifier
  return s
}
