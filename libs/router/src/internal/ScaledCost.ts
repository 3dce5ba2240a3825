/**
 * A Cost held as scaled integers, turned into Decimals only when read (or serialised).
 * Most candidates' costs are compared and never read, so the hot path builds none of the
 * five Decimals per candidate; an audit log that serialises the decision gets them all.
 */
import { Decimal } from "@odum/domain"
import type { Cost } from "../RoutingDecision.js"
import { dec, pow10 } from "./scaled.js"

/** Cost components as units: notional at `nScale`, fee and latency at `kScale`, slippage at `sScale`. */
export class ScaledCost implements Cost {
  private t: bigint | undefined = undefined
  private n_: Decimal.Decimal | undefined = undefined
  private f_: Decimal.Decimal | undefined = undefined
  private s_: Decimal.Decimal | undefined = undefined
  private l_: Decimal.Decimal | undefined = undefined
  private t_: Decimal.Decimal | undefined = undefined

  constructor(
    readonly notionalUnits: bigint,
    readonly feeUnits: bigint,
    readonly latencyUnits: bigint,
    readonly slippageUnits: bigint,
    readonly nScale: number,
    readonly kScale: number,
    readonly sScale: number
  ) {}

  /** The scale of `totalUnits`: the finer of the fee and slippage scales. */
  get tScale(): number {
    return this.kScale >= this.sScale ? this.kScale : this.sScale
  }

  /** The total as units at `tScale`: comparable across one decision's book costs without a Decimal. */
  get totalUnits(): bigint {
    if (this.t === undefined) {
      const { kScale, sScale } = this
      this.t =
        kScale >= sScale
          ? this.feeUnits + this.latencyUnits + (kScale === sScale ? this.slippageUnits : this.slippageUnits * pow10(kScale - sScale))
          : (this.feeUnits + this.latencyUnits) * pow10(sScale - kScale) + this.slippageUnits
    }
    return this.t
  }

  get notional(): Decimal.Decimal {
    return (this.n_ ??= dec(this.notionalUnits, this.nScale))
  }

  get fee(): Decimal.Decimal {
    return (this.f_ ??= dec(this.feeUnits, this.kScale))
  }

  get slippage(): Decimal.Decimal {
    return (this.s_ ??= dec(this.slippageUnits, this.sScale))
  }

  get latencyPenalty(): Decimal.Decimal {
    return (this.l_ ??= dec(this.latencyUnits, this.kScale))
  }

  get total(): Decimal.Decimal {
    return (this.t_ ??= dec(this.totalUnits, this.tScale))
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
