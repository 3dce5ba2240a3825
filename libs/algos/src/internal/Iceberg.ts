/**
 * Iceberg: one visible child at a time, at most the display quantity. When it fills
 * completely (or ends unfilled) the next one is shown, until the parent is done. The tail
 * is split so that the last child is never below the minimum when that can be avoided.
 */
import type { IcebergConfig } from "../AlgoParams.js"
import { AlgoCore, type Child } from "./AlgoCore.js"
import { Prng } from "./Prng.js"

class Iceberg extends AlgoCore {
  readonly name = "ICEBERG" as const
  private readonly prng: Prng | undefined
  /** Largest random reduction of the display, in lots. */
  private readonly maxReduction: number

  constructor(readonly config: IcebergConfig) {
    super(config)
    const j = config.jitter
    const reduction = j === undefined ? 0 : Number((BigInt(config.displayLots) * BigInt(j.sizePpm)) / 1_000_000n)
    this.maxReduction = Math.max(0, Math.min(reduction, config.displayLots - config.minLots))
    this.prng = this.maxReduction > 0 ? new Prng(j!.seed) : undefined
  }

  protected begin(_nowMs: number): void {
    this.show()
  }

  protected tick(_nowMs: number): void {}

  protected afterFill(_child: Child, completed: boolean): void {
    if (completed) this.show()
  }

  protected afterRelease(_child: Child, _unfilled: number): void {
    this.show()
  }

  protected settle(): void {
    if (this.working === 0 && this.free() < this.minLots) this.complete("belowMinimum")
  }

  private show(): void {
    if (this.working > 0) return
    const free = this.free()
    if (free < this.minLots) return
    let lots = this.config.displayLots
    if (this.prng !== undefined) lots -= this.prng.below(this.maxReduction + 1)
    if (lots > free) lots = free
    const tail = free - lots
    // A tail below the minimum could never be sent: leave the minimum for the last child instead.
    if (tail > 0 && tail < this.minLots && free - this.minLots >= this.minLots) lots = free - this.minLots
    this.spawn(lots)
  }
}

/** The iceberg core. */
export const makeIceberg = (config: IcebergConfig): AlgoCore => new Iceberg(config)
