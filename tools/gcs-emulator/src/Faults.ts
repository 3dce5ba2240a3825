/**
 * Fault injection: rules that make matching requests slow, fail, drop the connection or
 * corrupt data, so clients can be tested against the failures real GCS produces.
 */

/** Which requests a fault applies to; every field given must match. */
export interface FaultMatch {
  /** HTTP method, case-insensitive ("GET", "PUT", ...). */
  readonly method?: string
  /** Substring of the request path, tested against the raw and the percent-decoded path. */
  readonly pathIncludes?: string
  /** Query parameters that must be present with these values (e.g. `{ alt: "media" }`). */
  readonly query?: Readonly<Record<string, string>>
}

interface FaultBase {
  /** Requests the rule applies to; all requests when absent. */
  readonly match?: FaultMatch
  /** How many requests the rule fires on before it is spent; unlimited when absent. */
  readonly times?: number
}

/** Answer with this HTTP status and a GCS-style JSON error instead of serving the request. */
export interface StatusFault extends FaultBase {
  readonly kind: "status"
  readonly status: number
  readonly message?: string
  /** Sent as `Retry-After` (seconds), as GCS may on 429 and 503. */
  readonly retryAfterSeconds?: number
}

/** Wait this long before handling the request (composes with the other kinds). */
export interface DelayFault extends FaultBase {
  readonly kind: "delay"
  readonly ms: number
}

/** Drop the connection before answering (the client sees a socket hang-up / reset). */
export interface ResetFault extends FaultBase {
  readonly kind: "reset"
}

/** Media downloads only: send the headers and the first `afterBytes` bytes, then drop the connection. */
export interface ResetMidStreamFault extends FaultBase {
  readonly kind: "reset-mid-stream"
  readonly afterBytes: number
}

/**
 * Media downloads: serve the object with one byte flipped but the original hashes.
 * Uploads: store the received bytes with one byte flipped and report the hashes of what was
 * stored, skipping the check of the client's declared hash (a server that kept other bytes
 * than it was sent), so the client's own comparison is what must catch it.
 */
export interface CorruptFault extends FaultBase {
  readonly kind: "corrupt"
}

/** One fault-injection rule. */
export type Fault = StatusFault | DelayFault | ResetFault | ResetMidStreamFault | CorruptFault

/** The request facts a rule is matched against. */
export interface RequestFacts {
  readonly method: string
  readonly rawPath: string
  readonly path: string
  readonly query: URLSearchParams
}

/** When a fault can fire: on arrival, when media is served, or when an upload stores data. */
export type Phase = "request" | "download" | "upload"

const phaseOf = (fault: Fault): ReadonlyArray<Phase> => {
  switch (fault.kind) {
    case "status":
    case "delay":
    case "reset":
      return ["request"]
    case "reset-mid-stream":
      return ["download"]
    case "corrupt":
      return ["download", "upload"]
  }
}

const matches = (match: FaultMatch | undefined, req: RequestFacts): boolean => {
  if (match === undefined) return true
  if (match.method !== undefined && match.method.toUpperCase() !== req.method.toUpperCase()) return false
  if (
    match.pathIncludes !== undefined &&
    !req.rawPath.includes(match.pathIncludes) &&
    !req.path.includes(match.pathIncludes)
  ) return false
  if (match.query !== undefined) {
    for (const [k, v] of Object.entries(match.query)) if (req.query.get(k) !== v) return false
  }
  return true
}

/** The live rule list with each rule's remaining count. */
export class FaultSet {
  private rules: Array<{ fault: Fault; left: number }> = []

  set(faults: ReadonlyArray<Fault>): void {
    this.rules = faults.map((fault) => ({ fault, left: fault.times ?? Number.POSITIVE_INFINITY }))
  }

  /** How many times each rule has yet to fire, in the order given to `set`. */
  remaining(): ReadonlyArray<number> {
    return this.rules.map((r) => r.left)
  }

  /**
   * The rules that fire for this request in this phase: every matching delay, and the first
   * matching rule of any other kind. Each returned rule is spent once.
   */
  take(req: RequestFacts, phase: Phase): ReadonlyArray<Fault> {
    const fired: Array<Fault> = []
    let terminal = false
    for (const rule of this.rules) {
      if (rule.left <= 0 || !phaseOf(rule.fault).includes(phase) || !matches(rule.fault.match, req)) continue
      if (rule.fault.kind !== "delay") {
        if (terminal) continue
        terminal = true
      }
      rule.left -= 1
      fired.push(rule.fault)
    }
    return fired
  }
}
