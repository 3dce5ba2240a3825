/**
 * The answer of a pre-trade check. An allowed order gets the shared `ALLOW` singleton (no
 * allocation on the hot path); a denial is a fresh object with a reason code and a message
 * naming the limit and the offending value.
 */
import type { RiskReason } from "./RiskReason.js"

/** The order may proceed. */
export interface Allow {
  readonly _tag: "Allow"
  readonly allowed: true
}

/** The order is refused; nothing was recorded for it. */
export interface Deny {
  readonly _tag: "Deny"
  readonly allowed: false
  readonly reason: RiskReason
  /** For people: names the limit, the value and the instrument or strategy. */
  readonly message: string
}

/** Allow or Deny. */
export type RiskDecision = Allow | Deny

/** The one Allow value every passing check returns. */
export const ALLOW: Allow = Object.freeze({ _tag: "Allow", allowed: true })

/** A denial. */
export const deny = (reason: RiskReason, message: string): Deny => ({ _tag: "Deny", allowed: false, reason, message })

/** True for an allowed decision. */
export const isAllowed = (d: RiskDecision): d is Allow => d.allowed

/** True for a denial. */
export const isDenied = (d: RiskDecision): d is Deny => !d.allowed
