/**
 * A Cost held as scaled integers, turned into Decimals only when read (or serialised).
 * Most candidates' costs are compared and never read, so the hot path builds none of the
 * five Decimals per candidate; an audit log that serialises the decision gets them all.
 *
 * On the number fast path (`fast.ts`) not even the bigint units are built until read: the
 * cost keeps the exact numbers it is made of (taken and resting notional, quantity) with
 * the listing's rates and the decision's reference, or the parts it sums, and computes the
 * units with the same bigint formulas the router's fallback uses.
 */
import { Decimal } from "@odum/domain"
import type { Cost } from "../RoutingDecision.js"
import type { CompiledListing } from "./compile.js"
import type { Scales } from "./Explained.js"
import { dec, pow10 } from "./scaled.js"

/** What every cost of one decision shares: the decision's `Scales` (its cost scales, reference and side). */
type CostBasis = Scales

/** The Decimals of a cost, built when first read. */
interface Read {
  n?: Decimal.Decimal
  f?: Decimal.Decimal
  s?: Decimal.Decimal
  l?: Decimal.Decimal
  t?: Decimal.Decimal
  tu?: bigint
}

/** Cost components as units: notional at `nScale`, fee and latency at `kScale`, slippage at `sScale`. */
export class ScaledCost implements Cost {
  #n: bigint | undefined
  #fee: bigint | undefined
  #lat: bigint | undefined
  #slip: bigint | undefined
  readonly #basis: CostBasis
  // The number form (fast path): see `ofParts`.
  readonly #takeN: number
  readonly #restN: number
  readonly #qty: number
  readonly #c: CompiledListing | undefined
  // The sum form (a split's total): see `sum`.
  readonly #parts: ReadonlyArray<ScaledCost> | undefined
  #read: Read | undefined = undefined

  /** A cost from its units (`undefined` for the number and sum forms, which build them when read). */
  constructor(
    basis: CostBasis,
    notionalUnits: bigint | undefined,
    feeUnits: bigint | undefined,
    latencyUnits: bigint | undefined,
    slippageUnits: bigint | undefined,
    takeN = 0,
    restN = 0,
    qty = 0,
    c: CompiledListing | undefined = undefined,
    parts: ReadonlyArray<ScaledCost> | undefined = undefined
  ) {
    this.#basis = basis
    this.#n = notionalUnits
    this.#fee = feeUnits
    this.#lat = latencyUnits
    this.#slip = slippageUnits
    this.#takeN = takeN
    this.#restN = restN
    this.#qty = qty
    this.#c = c
    this.#parts = parts
  }

  /**
   * A listing's cost from exact numbers: `takeN` notional taken (taker fee), `restN`
   * resting (maker fee), `qty` underlying units in all, against the basis's reference.
   * The units are those of the router's `addCost`.
   */
  static ofParts(basis: CostBasis, takeN: number, restN: number, qty: number, c: CompiledListing): ScaledCost {
    return new ScaledCost(basis, undefined, undefined, undefined, undefined, takeN, restN, qty, c)
  }

  /** The sum of costs of one decision (a split's total). */
  static sum(basis: CostBasis, parts: ReadonlyArray<ScaledCost>): ScaledCost {
    return new ScaledCost(basis, undefined, undefined, undefined, undefined, 0, 0, 0, undefined, parts)
  }

  get nScale(): number {
    return this.#basis.nScale
  }

  get kScale(): number {
    return this.#basis.kScale
  }

  get sScale(): number {
    return this.#basis.sScale
  }

  /** Builds the units of the number or sum form, once. */
  #units(): void {
    const parts = this.#parts
    if (parts !== undefined) {
      let n = 0n
      let fee = 0n
      let lat = 0n
      let slip = 0n
      for (const p of parts) {
        n += p.notionalUnits
        fee += p.feeUnits
        lat += p.latencyUnits
        slip += p.slippageUnits
      }
      this.#n = n
      this.#fee = fee
      this.#lat = lat
      this.#slip = slip
      return
    }
    const c = this.#c!
    const b = this.#basis
    const takeN = BigInt(this.#takeN)
    const restN = BigInt(this.#restN)
    const n = takeN + restN
    this.#n = n
    this.#fee = takeN * c.taker + restN * c.maker
    this.#lat = n * c.lambda
    const slip = n * b.refShift - BigInt(this.#qty) * b.ref
    this.#slip = b.buy ? slip : -slip
  }

  get notionalUnits(): bigint {
    if (this.#n === undefined) this.#units()
    return this.#n!
  }

  get feeUnits(): bigint {
    if (this.#fee === undefined) this.#units()
    return this.#fee!
  }

  get latencyUnits(): bigint {
    if (this.#lat === undefined) this.#units()
    return this.#lat!
  }

  get slippageUnits(): bigint {
    if (this.#slip === undefined) this.#units()
    return this.#slip!
  }

  /** The scale of `totalUnits`: the finer of the fee and slippage scales. */
  get tScale(): number {
    return this.kScale >= this.sScale ? this.kScale : this.sScale
  }

  /** The total as units at `tScale`: comparable across one decision's book costs without a Decimal. */
  get totalUnits(): bigint {
    const r = (this.#read ??= {})
    if (r.tu === undefined) {
      const { kScale, sScale } = this.#basis
      const fee = this.feeUnits
      const lat = this.latencyUnits
      const slip = this.slippageUnits
      r.tu =
        kScale >= sScale
          ? fee + lat + (kScale === sScale ? slip : slip * pow10(kScale - sScale))
          : (fee + lat) * pow10(sScale - kScale) + slip
    }
    return r.tu
  }

  get notional(): Decimal.Decimal {
    const r = (this.#read ??= {})
    return (r.n ??= dec(this.notionalUnits, this.nScale))
  }

  get fee(): Decimal.Decimal {
    const r = (this.#read ??= {})
    return (r.f ??= dec(this.feeUnits, this.kScale))
  }

  get slippage(): Decimal.Decimal {
    const r = (this.#read ??= {})
    return (r.s ??= dec(this.slippageUnits, this.sScale))
  }

  get latencyPenalty(): Decimal.Decimal {
    const r = (this.#read ??= {})
    return (r.l ??= dec(this.latencyUnits, this.kScale))
  }

  get total(): Decimal.Decimal {
    const r = (this.#read ??= {})
    return (r.t ??= dec(this.totalUnits, this.tScale))
  }

  /** The plain Cost with decimal strings: what JSON and logs see. */
  toJSON(): { notional: string; fee: string; slippage: string; latencyPenalty: string; total: string } {
    return {
      notional: Decimal.format(this.notional),
      fee: Decimal.format(this.fee),
      slippage: Decimal.format(this.slippage),
      latencyPenalty: Decimal.format(this.latencyPenalty),
      total: Decimal.format(this.total)
    }
  }
}
