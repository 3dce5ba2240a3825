/**
 * TWAP and VWAP share one engine: a list of decision times, each with a cumulative
 * target (lots that should be out by then). At each time the child is the target less
 * what is already filled or working (or, without catch-up, less what was ever sent),
 * capped by the participation allowance if there is one. Working in cumulative targets
 * makes late timers (several slices due at once) and re-sending unfilled quantity fall
 * out of the same subtraction.
 */
import type { Cap, TwapConfig, VwapConfig } from "../AlgoParams.js"
import { InvalidAlgoEvent } from "../AlgoError.js"
import type { MarketUpdate } from "../MarketUpdate.js"
import * as SlicePlan from "../SlicePlan.js"
import { AlgoCore, type Child } from "./AlgoCore.js"

/** The shared TWAP/VWAP engine. */
abstract class Scheduled extends AlgoCore {
  private times: Array<number> = []
  private targets: Array<number> = []
  private next = 0
  private scheduleDone = false
  /** Eligible market volume seen since the start, in volume units. */
  private volume = 0

  protected abstract readonly catchUp: boolean
  protected abstract readonly cap: Cap | undefined
  protected abstract plan(startMs: number): SlicePlan.SlicePlan

  protected begin(nowMs: number): void {
    const plan = this.plan(nowMs)
    let sum = 0
    this.times = plan.offsets.map((o) => nowMs + o)
    this.targets = plan.sizes.map((s) => (sum += s))
    // The last decision always aims at the whole parent: it "completes the order".
    this.targets[this.targets.length - 1] = this.parentLots
    this.advance(nowMs)
  }

  protected tick(nowMs: number): void {
    this.advance(nowMs)
  }

  protected override market(update: MarketUpdate): void {
    if (update.kind !== "trade" || this.cap === undefined || this.scheduleDone) return
    const size = update.size
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new InvalidAlgoEvent({ reason: "InvalidQuantity", message: `trade size ${size} is not a non-negative whole number of volume units` })
    }
    // With a limit, only volume the limit could have traded in counts towards participation.
    const limit = this.common.limitTicks
    if (limit !== undefined && (this.common.side === "BUY" ? update.priceTicks > limit : update.priceTicks < limit)) return
    this.volume += size
  }

  private allowance(): number {
    const cap = this.cap!
    return Number((BigInt(this.volume) * cap.num) / cap.den)
  }

  private advance(nowMs: number): void {
    if (this.scheduleDone) return
    const times = this.times
    let due = this.next - 1
    while (due + 1 < times.length && times[due + 1]! <= nowMs) due++
    if (due >= this.next) {
      const committed = this.filled + this.open
      const last = due === times.length - 1
      let lots = this.targets[due]! - (last || this.catchUp ? committed : this.spawnedLots)
      if (this.cap !== undefined) lots = Math.min(lots, this.allowance() - committed)
      lots = Math.min(lots, this.free())
      if (lots >= this.minLots) this.spawn(lots)
      this.next = due + 1
    }
    if (this.next < times.length) this.out.push({ kind: "schedule", atMs: times[this.next]! })
    else this.scheduleDone = true
  }

  protected afterFill(_child: Child, _completed: boolean): void {}

  protected afterRelease(_child: Child, _unfilled: number): void {
    // Before the last decision, released lots wait for the next one. After it, without a
    // cap, they go straight back out (bounded by the consecutive-failure limit).
    if (!this.scheduleDone || this.cap !== undefined) return
    const lots = this.free()
    if (lots >= this.minLots) this.spawn(lots)
  }

  protected settle(): void {
    if (this.scheduleDone && this.working === 0) this.complete(this.free() < this.minLots ? "belowMinimum" : "horizon")
  }
}

class Twap extends Scheduled {
  readonly name = "TWAP" as const
  protected readonly catchUp: boolean
  protected readonly cap = undefined
  constructor(readonly config: TwapConfig) {
    super(config)
    this.catchUp = config.catchUp
  }
  protected plan(_startMs: number): SlicePlan.SlicePlan {
    return SlicePlan.twap(this.config)
  }
}

class Vwap extends Scheduled {
  readonly name = "VWAP" as const
  protected readonly catchUp: boolean
  protected readonly cap: Cap | undefined
  constructor(readonly config: VwapConfig) {
    super(config)
    this.catchUp = config.catchUp
    this.cap = config.cap
  }
  protected plan(startMs: number): SlicePlan.SlicePlan {
    return SlicePlan.vwap(this.config, startMs)
  }
}

/** The TWAP core. */
export const makeTwap = (config: TwapConfig): AlgoCore => new Twap(config)

/** The VWAP core. */
export const makeVwap = (config: VwapConfig): AlgoCore => new Vwap(config)
