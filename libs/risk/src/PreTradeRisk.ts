/**
 * The pre-trade risk engine's pure core: plain synchronous TypeScript over a RiskBook and
 * an immutable compiled config. `check` reads the config reference once, runs every check
 * in a fixed order on scaled integers and stops at the first failure; only an allowed
 * order touches engine state (its velocity slot). Allocation happens on denial only.
 */
import { Decimal, InstrumentSpec, type OrderType, type Side } from "@odum/domain"
import * as Either from "effect/Either"
import { type BookState, fastBooks, type Instrument, type StrategyCell } from "./internal/book.js"
import { type CompiledRiskConfig, FastLimits, type ResolvedLimits, type ResolvedStrategy } from "./internal/compiled.js"
import { type Acc, type AccLimit, ceilDivN, F, floorDivN, isMultiple, mul, P10, sumWithin, unitsAt, withinTimes, ZERO } from "./internal/fixed.js"
import { base18, compileSpec, type CompiledSpec, face36, value36 } from "./internal/spec.js"
import { format18, fromDecimal, ONE } from "./internal/scaled.js"
import { VelocityRing } from "./internal/VelocityRing.js"
import { emptyCell, type ExposureCell, type InstrumentView, type RiskBook } from "./RiskBook.js"
import * as RiskConfig from "./RiskConfig.js"
import { ALLOW, type Allow, type Deny, deny, type RiskDecision } from "./RiskDecision.js"
import type { RiskConfigError } from "./RiskError.js"
import { rank, type TradingState } from "./TradingState.js"

/**
 * What the engine reads of an order. A domain `UnifiedOrder` is one (structurally); so is
 * any object with these fields, e.g. a child order before the OMS records it.
 */
export interface RiskOrder {
  readonly strategyId: string
  readonly canonicalId: string
  readonly side: Side.Side
  readonly type: OrderType.OrderType
  /** > 0, in contracts for derivatives. */
  readonly quantity: Decimal.Decimal
  /** Required for LIMIT; ignored for MARKET (which is valued at the reference price). */
  readonly price?: Decimal.Decimal | undefined
  readonly reduceOnly?: boolean | undefined
}

/** How the engine starts. */
export interface Options {
  readonly book: RiskBook
  /** JSON config (decimals as strings); the empty config when absent. */
  readonly config?: unknown
}

/** Orders recorded in the sliding windows, for diagnostics and tests. */
export interface VelocityUsage {
  readonly strategyPerSecond: number
  readonly strategyPerMinute: number
  readonly globalPerSecond: number
  readonly globalPerMinute: number
}

const SECOND = 1_000
const MINUTE = 60_000
const BPS = 10_000n
const STATES: ReadonlyArray<TradingState> = ["ACTIVE", "REDUCING", "HALTED"]

/** What the engine keeps per strategy: the operator's trading state and the velocity window. */
class StrategyState {
  override: 0 | 1 | 2 = 0
  ring: VelocityRing | undefined = undefined
  /** The strategy's resolved config, and the config it was resolved from (saves a lookup per check). */
  resolved: ResolvedStrategy | undefined = undefined
  resolvedFrom: CompiledRiskConfig | undefined = undefined
}

/**
 * What the fast path of `check` resolves from the config and the spec for one (strategy, instrument): kept
 * on the book's strategy cell (`StrategyCell.plan`) for the engine, config and spec it names,
 * so a check reads one object instead of resolving them again. `plain` says the order meets
 * none of the checks that read more than the order, the instrument and the balance (trading
 * state other than ACTIVE aside, which is read per check: operators change it at any time).
 */
class FastPlan {
  engine: PreTradeRisk | undefined = undefined
  cfg: CompiledRiskConfig | undefined = undefined
  spec: CompiledSpec | undefined = undefined
  st: StrategyState | undefined = undefined
  strat!: ResolvedStrategy
  lim!: ResolvedLimits
  fl!: FastLimits
  /** The config's trading rank for the strategy (global and strategy config; operators' per check). */
  rank = 0
  /** A reference price is needed whatever the order's type (a tolerance or a gross exposure limit). */
  needsRef = false
  checkBalance = false
  /** No velocity, tolerance, position, asset or exposure limit applies (see `limitsAllow`). */
  plain = false
}

/** The strategy's resolved config under `cfg`, kept on its state (if it has one) for the config it came from. */
const resolvedStrategy = (strategyId: string, st: StrategyState | undefined, cfg: CompiledRiskConfig): ResolvedStrategy => {
  if (st === undefined) return cfg.strategy(strategyId)
  if (st.resolvedFrom === cfg) return st.resolved as ResolvedStrategy
  const strat = cfg.strategy(strategyId)
  st.resolved = strat
  st.resolvedFrom = cfg
  return strat
}

/** Per-check working values, reused across checks so a check allocates nothing. */
class Scratch {
  order!: RiskOrder
  now = 0
  cfg!: CompiledRiskConfig
  strat!: ResolvedStrategy
  lim!: ResolvedLimits
  spec!: CompiledSpec
  stateRank = 0
  buy = true
  /** Quantity, scale 18. */
  q = 0n
  /** Limit price, scale 18 (undefined for MARKET). */
  p: bigint | undefined = undefined
  /** Reference price, scale 18. */
  ref: bigint | undefined = undefined
  /** The price the order is valued at: its limit price, or the reference for MARKET. */
  px: bigint | undefined = undefined
  /** The order's notional at `px` as compared with notional limits, scale 36 (face value for INVERSE). */
  v36 = 0n
  sc: ExposureCell = emptyCell
  ic!: InstrumentView
  /**
   * Each cell's worst case on the order's side, before (g0) and after (g1) the order:
   * BUY `position + openBuy (+ q)`, SELL `openSell - position (+ q)`. Positive means
   * exposure on that side; every position, reduce and margin rule reads these.
   */
  sg0 = 0n
  sg1 = 0n
  ig0 = 0n
  ig1 = 0n
  st: StrategyState | undefined = undefined
}

/** The pure risk engine. Build it with `make`. */
export class PreTradeRisk {
  private config: CompiledRiskConfig
  private readonly book: RiskBook
  private globalOverride: 0 | 1 | 2 = 0
  private globalRing: VelocityRing
  /** Operator state and velocity ring per strategy: one lookup per check. */
  private readonly strategyStates = new Map<string, StrategyState>()
  private readonly specs = new Map<string, CompiledSpec>()
  private readonly c = new Scratch()
  /** The plan of a check whose strategy cell or state does not exist yet (nothing to keep it on). */
  private readonly transientPlan = new FastPlan()
  /** The state of an InMemoryRiskBook, read directly by the fast path; undefined for any other RiskBook. */
  private readonly fast: BookState | undefined

  /** Use `make`. */
  constructor(book: RiskBook, config: CompiledRiskConfig) {
    this.book = book
    this.config = config
    this.globalRing = new VelocityRing(config.ringCapacity)
    this.fast = fastBooks.get(book)
  }

  // -------------------------------------------------------------------------------------
  // Configuration and trading state
  // -------------------------------------------------------------------------------------

  /** The config in force. */
  get currentConfig(): RiskConfig.RiskConfig {
    return this.config.source
  }

  /**
   * Replaces the config: decodes and compiles `input` first, then swaps one reference.
   * A check runs wholly against the config it read at its start (old or new, never none);
   * on error the old config stays and the error says what is wrong.
   */
  replaceConfig(input: unknown): Either.Either<RiskConfig.Compiled, RiskConfigError> {
    const next = RiskConfig.load(input)
    if (Either.isRight(next)) this.config = next.right
    return next
  }

  /** Swaps in a config compiled beforehand (e.g. validated on another code path). */
  setConfig(config: RiskConfig.Compiled): void {
    this.config = config
  }

  /**
   * An operator's trading state, globally or for one strategy. It survives config
   * replacement; the most restrictive of config and operator states applies. Setting
   * ACTIVE clears the operator's restriction (the config's own state still applies).
   */
  setTradingState(state: TradingState, strategyId?: string): void {
    const r = rank(state)
    if (strategyId === undefined) this.globalOverride = r
    else this.stateOf(strategyId).override = r
  }

  /** The effective trading state, globally or for one strategy. */
  tradingState(strategyId?: string): TradingState {
    const cfg = this.config
    let r = Math.max(cfg.tradingRank, this.globalOverride)
    if (strategyId !== undefined) {
      r = Math.max(r, cfg.strategy(strategyId).tradingRank, this.strategyStates.get(strategyId)?.override ?? 0)
    }
    return STATES[r] as TradingState
  }

  /** Orders recorded in the windows ending at `now`. */
  velocityUsage(strategyId: string, now: number): VelocityUsage {
    const ring = this.strategyStates.get(strategyId)?.ring
    return {
      strategyPerSecond: ring?.countWithin(SECOND, now) ?? 0,
      strategyPerMinute: ring?.countWithin(MINUTE, now) ?? 0,
      globalPerSecond: this.globalRing.countWithin(SECOND, now),
      globalPerMinute: this.globalRing.countWithin(MINUTE, now)
    }
  }

  // -------------------------------------------------------------------------------------
  // Checks
  // -------------------------------------------------------------------------------------

  /** A cancel is always allowed, whatever the trading state: reducing risk is never blocked. */
  checkCancel(): Allow {
    return ALLOW
  }

  /**
   * Checks a new order at time `now` (epoch ms, from the caller's clock: wall clock live,
   * simulated in a backtest). Returns the first failing check, or ALLOW and records the
   * order in the velocity windows. A denied order changes no state.
   *
   * The fast path (the block `fast`) runs the checks of `evaluate` in the number domain of an
   * InMemoryRiskBook instrument (internal/fixed.ts), for the allow path: ALLOW (and the order
   * recorded) only if every check provably passes, with exact integer comparisons; as soon as
   * one might deny or a value does not fit exactly it leaves the block, and `evaluate` decides
   * in bigints (every denial, and every case the numbers cannot hold exactly). No allocation,
   * no bigint arithmetic. Every test is written as `if (!(passes)) break fast`, so a NaN (a
   * value that does not fit) never passes. Only an allow comes out of it, so the checks run in
   * any order: those that read only the order, the instrument and the balance inline, the rest
   * (`limitsAllow`) only when the plan has such limits, the strategy is not ACTIVE or the order
   * is reduce-only (with none, as in a backtest with no risk config, 641 -> 452 instructions per
   * check with the quantity memo and the velocity ring's field, counted in a loop of the
   * backtest's calls). It was a method of its own (`fastAllow`) called from here: too large for
   * V8 to inline, it cost a second call per order (`check` itself, not inlined by its callers,
   * was 45 instructions a tick in the backtest's count; with `--functions` `check` is now 362
   * where `fastAllow` and `check` were 364 + 45; counted against main 13,102 / 13,094 ->
   * 13,068 / 13,039 a tick, every run's total ~3.5M lower).
   */
  check(order: RiskOrder, now: number): RiskDecision {
    const cfg = this.config
    const book = this.fast
    fast: {
      if (book === undefined) break fast
      const inst = book.instrument(order.canonicalId)
      // Boolean fields compared with `true`: a bare truth test of a field compiles to V8's generic
      // ToBoolean (about nine instructions more for a true value; see internal/fixed.ts).
      if (inst === undefined || inst.fast !== true) break fast
      const spec = inst.compiled
      const sc = inst.cell(order.strategyId)
      let plan = sc === undefined ? undefined : (sc.plan as FastPlan | undefined)
      if (plan === undefined || plan.engine !== this || plan.cfg !== cfg || plan.spec !== spec) plan = this.planOf(order, cfg, spec, sc)
      const st = plan.st
      // 1. Trading state (the config's in the plan, the operators' read now).
      let stateRank = plan.rank
      if (this.globalOverride > stateRank) stateRank = this.globalOverride
      if (st !== undefined && st.override > stateRank) stateRank = st.override
      if (stateRank === 2) break fast
      const fl = plan.fl

      // 3. Quantity and price well-formed and on the grid (units at qs / ps; NaN if they do not fit).
      const qd = order.quantity
      // A lot or tick of 10^-k needs no division (as in `evaluate`): q is a whole count of lots
      // whenever it fits (qs is the lot's places), p whenever it has no more than k places.
      const q = inst.qtyUnits(qd)
      if (!(q > 0) || (spec.lotN !== 1 && !isMultiple(q, spec.lotN))) break fast
      let p = 0
      if (order.type === "LIMIT") {
        const pd = order.price
        if (pd === undefined) break fast
        p = unitsAt(pd, spec.ps)
        if (!(p > 0) || ((spec.tickPow10 < 0 || pd.scale > spec.tickPow10) && !isMultiple(p, spec.tickN))) break fast
      }

      // 4. Order size.
      if (!(q >= fl.minQ && q <= fl.maxQ)) break fast

      // The instrument's worst case on the order's side, before and after it (within LIM: exact).
      const buy = order.side === "BUY"
      const ig0 = buy ? inst.p + inst.b : inst.s - inst.p
      const ig1 = ig0 + q

      // 6. Reference price and notional (the tolerance with the limits below).
      const ref = inst.refN // 0: none
      const px = p > 0 ? p : ref
      if (ref === 0 && (order.type === "MARKET" || plan.needsRef === true)) break fast
      if (px === 0) break fast
      // The order's value at px: INVERSE its face (at bs = vs), otherwise q * cs * px (at vs).
      const v = spec.inverse ? mul(q, spec.csN) : spec.csOne === true ? mul(q, px) : mul(mul(q, spec.csN), px)
      if (!(v > 0)) break fast
      if (spec.inverse) {
        if (fl.invMin && !(mul(v, fl.invMinA) >= mul(px, fl.invMinB))) break fast
        if (fl.invMax && !(mul(v, fl.invMaxA) <= mul(px, fl.invMaxB))) break fast
      } else if (!(v >= fl.minV && v <= fl.maxV)) break fast

      // 5, the tolerance of 6, 7, 8, 9: REDUCING and reduce-only, and the limits a plain plan has
      // none of, out of line (a call that never runs costs this function no inlining budget).
      if (
        (plan.plain !== true || stateRank !== 0 || order.reduceOnly === true) &&
        this.limitsAllow(order, now, cfg, book, plan, inst, sc, stateRank, buy, q, p, ref, px, v, ig0, ig1) !== true
      ) {
        break fast
      }

      // 10. Balance or margin.
      if (plan.checkBalance === true && balanceWithin(fl, spec, inst, book, buy, q, v, px, ig0, ig1) !== true) break fast

      this.record(now, plan.strat, cfg, st)
      return ALLOW
    }
    return this.checkSlow(order, now, cfg)
  }

  /** `check` past its fast path: the bigint evaluation decides, and an allowed order is recorded. */
  private checkSlow(order: RiskOrder, now: number, cfg: CompiledRiskConfig): RiskDecision {
    const d = this.evaluate(order, now, undefined, cfg)
    if (d !== undefined) return d
    this.record(now, this.c.strat, this.c.cfg, this.c.st)
    return ALLOW
  }

  /** Every failing check of `order`, for diagnostics (empty if it would pass). Records nothing. */
  checkAll(order: RiskOrder, now: number): ReadonlyArray<Deny> {
    const all: Array<Deny> = []
    this.evaluate(order, now, all, this.config)
    return all
  }

  private record(now: number, strat: ResolvedStrategy, cfg: CompiledRiskConfig, state: StrategyState | undefined): void {
    const st = state ?? this.stateOf(strat.strategyId)
    // (Resolved from `cfg` already: the same object, as `cfg.strategy` keeps what it resolves; no stores per order.)
    if (st.resolvedFrom !== cfg) {
      st.resolved = strat
      st.resolvedFrom = cfg
    }
    if (st.ring === undefined) st.ring = new VelocityRing(strat.ringCapacity)
    st.ring.record(now, strat.ringCapacity)
    this.globalRing.record(now, cfg.ringCapacity)
  }

  private stateOf(strategyId: string): StrategyState {
    let st = this.strategyStates.get(strategyId)
    if (st === undefined) {
      st = new StrategyState()
      this.strategyStates.set(strategyId, st)
    }
    return st
  }

  private compiledSpec(canonicalId: string, spec: InstrumentView["spec"]): CompiledSpec {
    let c = this.specs.get(canonicalId)
    if (c === undefined || c.source !== spec) {
      c = compileSpec(spec)
      this.specs.set(canonicalId, c)
    }
    return c
  }

  /**
   * Runs the checks in order. First-failure mode (`all` undefined) returns at the first
   * denial; collect mode pushes each denial and goes on while the inputs of the later
   * checks are still known.
   */
  private evaluate(order: RiskOrder, now: number, all: Array<Deny> | undefined, cfg: CompiledRiskConfig): Deny | undefined {
    const c = this.c
    const st = this.strategyStates.get(order.strategyId)
    const strat = resolvedStrategy(order.strategyId, st, cfg)
    c.order = order
    c.now = now
    c.cfg = cfg
    c.strat = strat
    c.st = st
    c.buy = order.side === "BUY"
    let d: Deny | undefined

    // 1. Trading state: HALTED denies everything (REDUCING is checked once positions are known).
    const so = st?.override ?? 0
    c.stateRank = Math.max(cfg.tradingRank, this.globalOverride, strat.tradingRank, so)
    if (c.stateRank === 2) {
      d = deny("TRADING_HALTED", `trading is HALTED (${this.haltScope(strat, so, 2)}): only cancels are allowed`)
      if (all === undefined) return d
      all.push(d)
    }

    // 2. Instrument.
    const view = this.book.instrument(order.canonicalId)
    if (view === undefined) {
      d = deny("UNKNOWN_INSTRUMENT", `unknown instrument ${order.canonicalId}: no instrument spec`)
      all?.push(d)
      return d
    }
    const spec = this.compiledSpec(order.canonicalId, view.spec)
    c.spec = spec
    c.ic = view
    const lim = cfg.limits(strat, order.canonicalId)
    c.lim = lim

    // 3. Quantity and price are well-formed and on the grid.
    const q = fromDecimal(order.quantity)
    if (q === undefined) {
      d = this.offLot(`more than 18 decimals`)
      all?.push(d)
      return d
    }
    if (q <= 0n) {
      d = deny("INVALID_QUANTITY", `quantity ${Decimal.format(order.quantity)} is not positive for ${order.canonicalId}`)
      all?.push(d)
      return d
    }
    c.q = q
    if ((d = this.price(order)) !== undefined) {
      all?.push(d)
      return d
    }
    // A decimal with no more places than a 10^-k step is on its grid: no division needed.
    if ((spec.lotPow10 < 0 || order.quantity.scale > spec.lotPow10) && q % spec.lot !== 0n) {
      d = this.offLot(`lot size ${format18(spec.lot)}`)
      if (all === undefined) return d
      all.push(d)
    }
    if (
      c.p !== undefined &&
      (spec.tickPow10 < 0 || (order.price as Decimal.Decimal).scale > spec.tickPow10) &&
      c.p % spec.tick !== 0n
    ) {
      d = deny(
        "PRICE_OFF_TICK",
        `price ${Decimal.format(order.price as Decimal.Decimal)} is not a multiple of tick size ${format18(spec.tick)} for ${order.canonicalId}`
      )
      if (all === undefined) return d
      all.push(d)
    }

    // 4. Order size.
    if ((d = this.size()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }

    // 5. REDUCING state and reduce-only orders.
    const sc = this.book.strategyInstrument(order.strategyId, order.canonicalId) ?? emptyCell
    c.sc = sc
    c.sg0 = c.buy ? sc.position + sc.openBuy : sc.openSell - sc.position
    c.sg1 = c.sg0 + q
    c.ig0 = c.buy ? view.position + view.openBuy : view.openSell - view.position
    c.ig1 = c.ig0 + q
    if (c.stateRank === 1 && !this.reduces()) {
      d = deny(
        "TRADING_REDUCING",
        `trading is REDUCING (${this.haltScope(strat, so, 1)}): ${order.side} ${Decimal.format(order.quantity)} ${order.canonicalId} does not reduce strategy ${order.strategyId}'s position ${format18(c.sc.position)}`
      )
      if (all === undefined) return d
      all.push(d)
    }
    if (order.reduceOnly === true && (d = this.reduceOnly()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }

    // 6. Reference price, price tolerance, notional (read here: earlier denials need no reference).
    c.ref = view.referencePrice
    c.px = c.p ?? c.ref
    if (c.px !== undefined) c.v36 = spec.inverse ? face36(spec, q) : value36(spec, q, c.px)
    const needsRef =
      order.type === "MARKET" ||
      lim.priceToleranceBps !== undefined ||
      cfg.maxGrossExposure !== undefined ||
      strat.maxGrossExposure !== undefined
    const refMissing = c.ref === undefined && needsRef
    if (refMissing) {
      d = deny("NO_REFERENCE_PRICE", `no reference price for ${order.canonicalId}`)
      if (all === undefined) return d
      all.push(d)
    }
    if ((d = this.tolerance()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }
    if ((d = this.notional()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }

    // 7. Velocity (read only here; recorded by `check` once everything passed).
    if ((d = this.velocity()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }

    // 8. Position limits, open orders counted in the order's direction.
    if ((d = this.positions()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }

    // 9. Exposure.
    if (!refMissing && (d = this.exposure()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }

    // 10. Balance or margin.
    if (lim.checkBalance && c.px !== undefined && (d = this.balance()) !== undefined) {
      if (all === undefined) return d
      all.push(d)
    }
    return undefined
  }

  /**
   * The plan of `check`'s fast path for `order`'s strategy on an instrument of `spec` under `cfg`: kept
   * on the strategy cell once the cell and the strategy's state exist (a state, once it exists,
   * is kept for good), otherwise filled into `transientPlan` for this check.
   */
  private planOf(order: RiskOrder, cfg: CompiledRiskConfig, spec: CompiledSpec, sc: StrategyCell | undefined): FastPlan {
    const st = this.strategyStates.get(order.strategyId)
    const strat = resolvedStrategy(order.strategyId, st, cfg)
    const lim = cfg.limits(strat, order.canonicalId)
    // The instrument's limits in its number domain.
    let fl = lim.fast
    if (fl === undefined || fl.spec !== spec) {
      fl = new FastLimits(spec, lim, cfg.assetMaxPosition.size === 0 ? undefined : cfg.assetMaxPosition.get(spec.baseAsset))
      lim.fast = fl
    }
    const keep = sc !== undefined && st !== undefined
    const plan = keep ? new FastPlan() : this.transientPlan
    plan.engine = this
    plan.cfg = cfg
    plan.spec = spec
    plan.st = st
    plan.strat = strat
    plan.lim = lim
    plan.fl = fl
    plan.rank = Math.max(cfg.tradingRank, strat.tradingRank)
    plan.needsRef = fl.tol >= 0 || cfg.maxGrossExposure !== undefined || strat.maxGrossExposure !== undefined
    plan.checkBalance = lim.checkBalance
    plan.plain =
      strat.perSecond < 0 &&
      strat.perMinute < 0 &&
      cfg.perSecond < 0 &&
      cfg.perMinute < 0 &&
      fl.tol < 0 &&
      fl.sMaxPos === Infinity &&
      fl.iMaxPos === Infinity &&
      (fl.aMax === undefined || spec.option) &&
      strat.maxGrossAcc === undefined &&
      cfg.maxGrossAcc === undefined
    if (keep) sc.plan = plan
    return plan
  }

  /**
   * The checks of `check`'s fast path that read more than the order, the instrument and the balance:
   * REDUCING and reduce-only on the strategy's worst case, the price tolerance, velocity,
   * position, asset and exposure limits. True only if each provably passes.
   */
  private limitsAllow(
    order: RiskOrder,
    now: number,
    cfg: CompiledRiskConfig,
    book: BookState,
    plan: FastPlan,
    inst: Instrument,
    sc: StrategyCell | undefined,
    stateRank: number,
    buy: boolean,
    q: number,
    p: number,
    ref: number,
    px: number,
    v: number,
    ig0: number,
    ig1: number
  ): boolean {
    const spec = inst.compiled
    const strat = plan.strat
    const fl = plan.fl
    // 5. REDUCING and reduce-only, on the worst case of each side (cells within LIM: sums exact).
    let sp = 0
    let sb = 0
    let ss = 0
    if (sc !== undefined) {
      sp = sc.p
      sb = sc.b
      ss = sc.s
    }
    const sg0 = buy ? sp + sb : ss - sp
    const sg1 = sg0 + q
    const reduces = (buy ? sp < 0 : sp > 0) && sg1 <= 0
    if (stateRank === 1 && !reduces) return false
    if (order.reduceOnly === true && !reduces) return false

    // 6. Price tolerance.
    if (p > 0 && ref > 0 && fl.tol >= 0) {
      if (fl.bandRef !== ref) {
        // |p - ref| * 10000 <= tol * ref  <=>  |p - ref| <= floor(tol * ref / 10000).
        const x = mul(fl.tol, ref)
        if (!(x >= 0)) return false
        const width = floorDivN(x, 10_000)
        fl.bandRef = ref
        fl.bandLow = ref - width
        fl.bandHigh = ref + width
      }
      if (!(p >= fl.bandLow && p <= fl.bandHigh)) return false
    }

    // 7. Velocity.
    if (strat.perSecond >= 0 || strat.perMinute >= 0) {
      const ring = plan.st?.ring
      if (ring === undefined ? strat.perSecond === 0 : !ring.allows(strat.perSecond, SECOND, now)) return false
      if (ring === undefined ? strat.perMinute === 0 : !ring.allows(strat.perMinute, MINUTE, now)) return false
    }
    if (cfg.perSecond >= 0 || cfg.perMinute >= 0) {
      if (!this.globalRing.allows(cfg.perSecond, SECOND, now)) return false
      if (!this.globalRing.allows(cfg.perMinute, MINUTE, now)) return false
    }

    // 8. Position limits.
    if (!(sg1 <= fl.sMaxPos && ig1 <= fl.iMaxPos)) return false
    // (The sums these read are brought up to date first: see BookState.stale.)
    if (fl.aMax !== undefined && !spec.option) {
      book.settle()
      if (!assetWithin(fl.aMax, spec, inst, book, buy, q, v, px)) return false
    }

    // 9. Exposure: the increase of the worst case's value, added to the gross sums.
    if (ref > 0) {
      const sMax = strat.maxGrossAcc
      if (sMax !== undefined || cfg.maxGrossAcc !== undefined) book.settle()
      if (sMax !== undefined) {
        const total = sc !== undefined ? sc.total : (book.strategyTotals.get(order.strategyId) ?? ZERO)
        if (!exposureWithin(total, sMax, spec, buy, sp, sb, ss, sg0, sg1, ref)) return false
      }
      const gMax = cfg.maxGrossAcc
      if (gMax !== undefined && !exposureWithin(book.gross, gMax, spec, buy, inst.p, inst.b, inst.s, ig0, ig1, ref)) return false
    }
    return true
  }

  private haltScope(strat: ResolvedStrategy, override: number, r: number): string {
    const scopes: Array<string> = []
    if (this.config.tradingRank === r) scopes.push("global config")
    if (this.globalOverride === r) scopes.push("global operator")
    if (strat.tradingRank === r) scopes.push(`config of strategy ${strat.strategyId}`)
    if (override === r) scopes.push(`operator for strategy ${strat.strategyId}`)
    return scopes.join(", ")
  }

  private offLot(why: string): Deny {
    const o = this.c.order
    return deny(
      "QUANTITY_OFF_LOT",
      `quantity ${Decimal.format(o.quantity)} is not a multiple of ${why.startsWith("lot") ? why : `any lot (${why})`} for ${o.canonicalId}`
    )
  }

  /** Sets `c.p`; denies a LIMIT order without a usable price. */
  private price(o: RiskOrder): Deny | undefined {
    const c = this.c
    c.p = undefined
    if (o.type !== "LIMIT") return undefined
    if (o.price === undefined) return deny("PRICE_MISSING", `a LIMIT order needs a price (${o.canonicalId})`)
    const p = fromDecimal(o.price)
    if (p === undefined) {
      return deny(
        "PRICE_OFF_TICK",
        `price ${Decimal.format(o.price)} has more than 18 decimals, off the tick grid for ${o.canonicalId}`
      )
    }
    if (p <= 0n) return deny("INVALID_PRICE", `price ${Decimal.format(o.price)} is not positive for ${o.canonicalId}`)
    c.p = p
    return undefined
  }

  private size(): Deny | undefined {
    const { q, spec, lim, order } = this.c
    let min = spec.minQuantity
    let minSource = "venue"
    if (lim.minQuantity !== undefined && lim.minQuantity > min) {
      min = lim.minQuantity
      minSource = "risk"
    }
    if (q < min) {
      return deny(
        "QUANTITY_BELOW_MIN",
        `quantity ${Decimal.format(order.quantity)} is below min ${format18(min)} for ${order.canonicalId} (${minSource} limit)`
      )
    }
    let max = spec.maxQuantity
    let maxSource = "venue"
    if (lim.maxQuantity !== undefined && (max === undefined || lim.maxQuantity < max)) {
      max = lim.maxQuantity
      maxSource = "risk"
    }
    if (max !== undefined && q > max) {
      return deny(
        "QUANTITY_ABOVE_MAX",
        `quantity ${Decimal.format(order.quantity)} exceeds max ${format18(max)} for ${order.canonicalId} (${maxSource} limit)`
      )
    }
    return undefined
  }

  /** True if the order only reduces the strategy's position, even if its open orders on the same side fill too. */
  private reduces(): boolean {
    const { sc, sg1, buy } = this.c
    return (buy ? sc.position < 0n : sc.position > 0n) && sg1 <= 0n
  }

  private reduceOnly(): Deny | undefined {
    const { sc, sg1, buy, order } = this.c
    const pos = sc.position
    if (buy ? pos >= 0n : pos <= 0n) {
      return deny(
        "REDUCE_ONLY_WOULD_INCREASE",
        `reduce-only ${order.side} ${Decimal.format(order.quantity)} would increase strategy ${order.strategyId}'s position ${format18(pos)} in ${order.canonicalId}`
      )
    }
    if (sg1 > 0n) {
      return deny(
        "REDUCE_ONLY_WOULD_FLIP",
        `reduce-only ${order.side} ${Decimal.format(order.quantity)} (plus ${format18(buy ? sc.openBuy : sc.openSell)} open on that side) would flip strategy ${order.strategyId}'s position ${format18(pos)} in ${order.canonicalId}`
      )
    }
    return undefined
  }

  private tolerance(): Deny | undefined {
    const { p, ref, lim, order } = this.c
    const tol = lim.priceToleranceBps
    if (p === undefined || ref === undefined || tol === undefined) return undefined
    if (lim.bandRef !== ref) {
      // |p - ref| * 10000 <= tol * ref  <=>  |p - ref| <= floor(tol * ref / 10000), p and ref integers.
      const width = (tol * ref) / BPS
      lim.bandRef = ref
      lim.bandLow = ref - width
      lim.bandHigh = ref + width
    }
    if (p >= lim.bandLow && p <= lim.bandHigh) return undefined
    const diff = p > ref ? p - ref : ref - p
    const bps = Decimal.format(Decimal.div(Decimal.fromBigInt(diff * BPS), Decimal.fromBigInt(ref), 2, "up"))
    return deny(
      "PRICE_TOLERANCE",
      `limit price ${Decimal.format(order.price as Decimal.Decimal)} is ${bps} bps from reference ${format18(ref)}, beyond tolerance ${tol} bps for ${order.canonicalId}`
    )
  }

  private notionalText(): string {
    const { spec, order, px } = this.c
    const n = InstrumentSpec.notional(spec.source, order.quantity, Decimal.fromScaled(px as bigint, 18), 18, "up")
    return `${Decimal.format(n)} ${InstrumentSpec.notionalAsset(spec.source)}`
  }

  /**
   * Order notional against min/max, in the spec's notional asset (domain
   * InstrumentSpec.notional): LINEAR value vs limit (both scale 36, the limit pre-scaled),
   * INVERSE `q * cs / px` vs limit, i.e. face vs `limit * px`.
   */
  private notional(): Deny | undefined {
    const { spec, lim, px, v36, order } = this.c
    if (px === undefined) return undefined
    const inv = spec.inverse
    const venueMin = spec.minNotional
    const riskMin = lim.minNotional
    const belowVenue = venueMin !== undefined && v36 < (inv ? venueMin * px : (spec.minNotional36 as bigint))
    const belowRisk = riskMin !== undefined && v36 < (inv ? riskMin * px : (lim.minNotional36 as bigint))
    if (belowVenue || belowRisk) {
      const risk = belowRisk && (!belowVenue || (riskMin as bigint) > (venueMin as bigint))
      return deny(
        "NOTIONAL_BELOW_MIN",
        `notional ${this.notionalText()} is below min ${format18((risk ? riskMin : venueMin) as bigint)} for ${order.canonicalId} (${risk ? "risk" : "venue"} limit)`
      )
    }
    const max = lim.maxNotional
    if (max !== undefined && v36 > (inv ? max * px : (lim.maxNotional36 as bigint))) {
      return deny("NOTIONAL_ABOVE_MAX", `notional ${this.notionalText()} exceeds max ${format18(max)} for ${order.canonicalId}`)
    }
    return undefined
  }

  private velocity(): Deny | undefined {
    const { strat, cfg, now, order } = this.c
    if (strat.perSecond >= 0 || strat.perMinute >= 0) {
      const ring = this.c.st?.ring
      if (ring === undefined ? strat.perSecond === 0 : !ring.allows(strat.perSecond, SECOND, now)) {
        return deny(
          "VELOCITY_STRATEGY_PER_SECOND",
          `strategy ${order.strategyId} reached its limit of ${strat.perSecond} orders per second`
        )
      }
      if (ring === undefined ? strat.perMinute === 0 : !ring.allows(strat.perMinute, MINUTE, now)) {
        return deny(
          "VELOCITY_STRATEGY_PER_MINUTE",
          `strategy ${order.strategyId} reached its limit of ${strat.perMinute} orders per minute`
        )
      }
    }
    if (!this.globalRing.allows(cfg.perSecond, SECOND, now)) {
      return deny("VELOCITY_GLOBAL_PER_SECOND", `the global limit of ${cfg.perSecond} orders per second is reached`)
    }
    if (!this.globalRing.allows(cfg.perMinute, MINUTE, now)) {
      return deny("VELOCITY_GLOBAL_PER_MINUTE", `the global limit of ${cfg.perMinute} orders per minute is reached`)
    }
    return undefined
  }

  private positions(): Deny | undefined {
    const { sc, ic, sg1, ig1, q, buy, lim, spec, px, cfg, order } = this.c
    // sg1 / ig1 are the worst case on the order's side, so one comparison serves BUY and SELL.
    const sMax = lim.strategyMaxPosition
    if (sMax !== undefined && sg1 > sMax) {
      return deny(
        "POSITION_LIMIT_STRATEGY",
        `strategy ${order.strategyId}'s position in ${order.canonicalId} could reach ${format18(buy ? sg1 : -sg1)} (position ${format18(sc.position)}, open ${format18(buy ? sc.openBuy : sc.openSell)}, order ${Decimal.format(order.quantity)}), beyond max ${format18(sMax)}`
      )
    }
    const iMax = lim.instrumentMaxPosition
    if (iMax !== undefined && ig1 > iMax) {
      return deny(
        "POSITION_LIMIT_INSTRUMENT",
        `the position in ${order.canonicalId} could reach ${format18(buy ? ig1 : -ig1)} (position ${format18(ic.position)}, open ${format18(buy ? ic.openBuy : ic.openSell)}, order ${Decimal.format(order.quantity)}), beyond max ${format18(iMax)}`
      )
    }
    const aMax = cfg.assetMaxPosition.size === 0 ? undefined : cfg.assetMaxPosition.get(spec.baseAsset)
    if (aMax !== undefined && !spec.option && px !== undefined) {
      const ac = this.book.asset(spec.baseAsset) ?? emptyCell
      // Room left on the order's side, in base units; the order must fit in it.
      const room = buy ? aMax - ac.position - ac.openBuy : aMax + ac.position - ac.openSell
      // INVERSE: ceil(face / px) <= room  <=>  face <= room * px (integers), so no division.
      const fits = spec.inverse ? room >= 0n && face36(spec, q) <= room * px : (base18(spec, q, px) as bigint) <= room
      if (!fits) {
        const bq = base18(spec, q, px) as bigint
        const worst = buy ? ac.position + ac.openBuy + bq : ac.position - ac.openSell - bq
        return deny(
          "POSITION_LIMIT_GLOBAL",
          `the net ${spec.baseAsset} position across venues could reach ${format18(worst)} (position ${format18(ac.position)}, open ${format18(buy ? ac.openBuy : ac.openSell)}, order ${format18(bq)} ${spec.baseAsset} via ${order.canonicalId}), beyond max ${format18(aMax)}`
        )
      }
    }
    return undefined
  }

  /**
   * The increase of a cell's exposure value if the order were added to it (0 if it does
   * not grow): worstCase = max(|g|, |other side|), and the order moves g0 to g1.
   */
  private exposureIncrease(cell: ExposureCell, g0: bigint, g1: bigint, ref: bigint): bigint {
    const { buy, spec } = this.c
    let other = buy ? cell.openSell - cell.position : cell.position + cell.openBuy
    if (other < 0n) other = -other
    let before = g0 < 0n ? -g0 : g0
    if (other > before) before = other
    // before >= other, so the worst case grows only if |g1| exceeds before (and then after = |g1|).
    const after = g1 < 0n ? -g1 : g1
    if (after <= before) return 0n
    // Exact shortcuts when value36 does not round (whole contract sizes): one product instead of two.
    if (spec.inverse) return spec.faceDiv === 1n ? (after - before) * spec.faceMul : face36(spec, after) - face36(spec, before)
    if (spec.csDiv === 1n) return spec.csUnits === 1n ? (after - before) * ref : (after - before) * ref * spec.csUnits
    return value36(spec, after, ref) - value36(spec, before, ref)
  }

  private exposure(): Deny | undefined {
    const { strat, cfg, ref, sc, ic, order } = this.c
    if (ref === undefined) return undefined
    const sMax = strat.maxGrossExposure
    if (sMax !== undefined) {
      const inc = this.exposureIncrease(sc, this.c.sg0, this.c.sg1, ref)
      if (inc > 0n) {
        const gross = this.book.strategyGrossExposure(order.strategyId) + inc
        if (gross > sMax) {
          return deny(
            "EXPOSURE_LIMIT_STRATEGY",
            `strategy ${order.strategyId}'s gross exposure would reach ${fmt36(gross)} (+${fmt36(inc)} from ${order.canonicalId}), beyond max ${fmt36(sMax)}`
          )
        }
      }
    }
    const gMax = cfg.maxGrossExposure
    if (gMax !== undefined) {
      const inc = this.exposureIncrease(ic, this.c.ig0, this.c.ig1, ref)
      if (inc > 0n) {
        const gross = this.book.grossExposure() + inc
        if (gross > gMax) {
          return deny(
            "EXPOSURE_LIMIT",
            `gross exposure would reach ${fmt36(gross)} (+${fmt36(inc)} from ${order.canonicalId}), beyond max ${fmt36(gMax)}`
          )
        }
      }
    }
    return undefined
  }

  private balance(): Deny | undefined {
    const { spec, q, buy, order, lim } = this.c
    const px = this.c.px as bigint
    if (spec.spot) {
      const asset = buy ? spec.quoteAsset : spec.baseAsset
      const available = this.book.available(spec.venue, asset)
      if (available === undefined) return this.balanceUnknown(asset)
      if (buy) {
        const need = this.c.v36
        if (need > available * ONE) {
          return deny(
            "INSUFFICIENT_BALANCE",
            `buying ${Decimal.format(order.quantity)} ${order.canonicalId} at ${format18(px)} needs ${fmt36(need)} ${asset}, available ${format18(available)} at ${spec.venue}`
          )
        }
        return undefined
      }
      const need = base18(spec, q, px) as bigint
      if (need > available) {
        return deny(
          "INSUFFICIENT_BALANCE",
          `selling ${Decimal.format(order.quantity)} ${order.canonicalId} needs ${format18(need)} ${asset}, available ${format18(available)} at ${spec.venue}`
        )
      }
      return undefined
    }
    // Derivatives: initial margin on the part that opens (or extends) the account's
    // position; the part that closes it needs none. Open orders on the same side are
    // assumed to close first, so they shrink what this order can close.
    // What this order can close is -ig0 (the opposite position less same-side open orders).
    const { ig0, ig1 } = this.c
    const opening = ig0 >= 0n ? q : ig1 > 0n ? ig1 : 0n
    if (opening === 0n) return undefined
    const asset = spec.settlementAsset
    const available = this.book.available(spec.venue, asset)
    if (available === undefined) return this.balanceUnknown(asset)
    const lev = lim.leverage
    const face = opening === q ? this.c.v36 : spec.inverse ? face36(spec, opening) : value36(spec, opening, px)
    const short = spec.inverse ? face * ONE > available * px * lev : face > available * lev
    if (!short) return undefined
    // In the margin asset at scale 36: the base coin for INVERSE, the settlement asset otherwise.
    const notional = spec.inverse ? (face * ONE) / px : face
    const margin = (notional * ONE + lev - 1n) / lev
    return deny(
      "INSUFFICIENT_BALANCE",
      `margin ${fmt36(margin)} ${asset} (notional ${fmt36(notional)} / leverage ${format18(lev)}) for ${Decimal.format(order.quantity)} ${order.canonicalId} exceeds available ${format18(available)} at ${spec.venue}`
    )
  }

  private balanceUnknown(asset: string): Deny {
    const { spec, order } = this.c
    return deny("BALANCE_UNKNOWN", `no ${asset} balance known at ${spec.venue} for ${order.canonicalId}`)
  }
}

/**
 * The global (per base asset) position check of `check`'s fast path: true if the order's base
 * quantity (an upper bound for INVERSE: face / px rounded up) fits under `aMax` with the
 * asset's position and open orders on the order's side.
 */
const assetWithin = (
  aMax: AccLimit,
  spec: CompiledSpec,
  inst: Instrument,
  book: BookState,
  buy: boolean,
  q: number,
  v: number,
  px: number
): boolean => {
  let bq = spec.csOne ? q : mul(q, spec.csN)
  let bScale = spec.bs
  if (spec.inverse) {
    bq = NaN
    for (let k = F; k >= 0; k--) {
      const e = k + spec.ps - spec.bs
      if (e < 0 || e > 22) continue
      const num = mul(v, P10[e] as number)
      if (num === num) {
        bq = ceilDivN(num, px)
        bScale = k
        break
      }
    }
  }
  if (!(bq >= 0)) return false
  const a = inst.asset ?? book.assets.get(spec.baseAsset)
  if (a === undefined) return sumWithin(ZERO, false, ZERO, bq, bScale, aMax)
  // BUY: position + open buys + order <= max; SELL: open sells - position + order <= max.
  const side = buy ? a.buy : a.sell
  return !a.pos.huge && !side.huge && sumWithin(a.pos, !buy, side, bq, bScale, aMax)
}

/** An exposure check of `check`'s fast path: true if the cell's worst-case value grows by nothing, or keeps `acc` within `limit`. */
const exposureWithin = (
  acc: Acc,
  limit: AccLimit,
  spec: CompiledSpec,
  buy: boolean,
  pos: number,
  openBuy: number,
  openSell: number,
  g0: number,
  g1: number,
  ref: number
): boolean => {
  const inc = exposureIncreaseN(spec, buy, pos, openBuy, openSell, g0, g1, ref)
  if (!(inc >= 0)) return false
  return inc === 0 || (!acc.huge && !acc.plusExceeds(inc, spec.vs, limit))
}

/**
 * The balance / margin check of `check`'s fast path (see `balance`). Inlined there: only the
 * LINEAR margin at leverage 1 is here, spot balances and other margins are out of line
 * (`spotWithin`, `marginWithin`), which leaves `check` the inlining budget for the
 * velocity ring's `record`.
 */
const balanceWithin = (
  fl: FastLimits,
  spec: CompiledSpec,
  inst: Instrument,
  book: BookState,
  buy: boolean,
  q: number,
  v: number,
  px: number,
  ig0: number,
  ig1: number
): boolean => {
  if (spec.spot === true) return spotWithin(spec, inst, book, buy, q, v)
  // Margin on the part that opens the account's position.
  const opening = ig0 >= 0 ? q : ig1 > 0 ? ig1 : 0
  if (opening === 0) return true
  const bal = inst.settleBalance ?? book.settleBalanceOf(inst)
  if (bal === undefined || bal.huge === true) return false
  if (spec.inverse === true || fl.levN !== 1 || fl.levS !== 0) return marginWithin(fl, spec, bal, opening, q, v, px)
  // LINEAR at leverage 1: face <= available.
  return bal.covers(opening === q ? v : mul(mul(opening, spec.csN), px), spec.vs)
}

/** `balanceWithin` of a spot listing: the quote balance covers a buy's value, the base balance a sell's quantity. */
const spotWithin = (spec: CompiledSpec, inst: Instrument, book: BookState, buy: boolean, q: number, v: number): boolean => {
  if (buy) {
    const bal = inst.quoteBalance ?? book.quoteBalanceOf(inst)
    return bal !== undefined && !bal.huge && bal.covers(v, spec.vs)
  }
  const bal = inst.baseBalance ?? book.baseBalanceOf(inst)
  const bq = spec.csOne === true ? q : mul(q, spec.csN)
  return bal !== undefined && !bal.huge && bq >= 0 && bal.covers(bq, spec.bs)
}

/** `balanceWithin`'s margin on `opening` of an INVERSE listing, or of a LINEAR one at a leverage other than 1. */
const marginWithin = (fl: FastLimits, spec: CompiledSpec, bal: Acc, opening: number, q: number, v: number, px: number): boolean => {
  const face = opening === q ? v : spec.inverse ? mul(opening, spec.csN) : mul(mul(opening, spec.csN), px)
  // INVERSE: face <= available * px * leverage  <=>  face * 10^(ps + levS) <= available * (px * levN).
  if (spec.inverse) return fl.levS + spec.ps <= 22 && withinTimes(mul(face, P10[fl.levS + spec.ps] as number), spec.bs, bal, mul(px, fl.levN))
  // LINEAR: face <= available * leverage  <=>  face * 10^levS <= available * levN (leverage 1: face <= available).
  if (fl.levN === 1 && fl.levS === 0) return bal.covers(face, spec.vs)
  return fl.levS <= 22 && withinTimes(mul(face, P10[fl.levS] as number), spec.vs, bal, fl.levN)
}

/**
 * `exposureIncrease` in numbers: the increase (at `vs`) of a cell's worst-case value if
 * the order moves its side from g0 to g1; NaN when the product does not fit.
 */
const exposureIncreaseN = (
  spec: CompiledSpec,
  buy: boolean,
  pos: number,
  openBuy: number,
  openSell: number,
  g0: number,
  g1: number,
  ref: number
): number => {
  let other = buy ? openSell - pos : pos + openBuy
  if (other < 0) other = -other
  let before = g0 < 0 ? -g0 : g0
  if (other > before) before = other
  const after = g1 < 0 ? -g1 : g1
  if (after <= before) return 0
  const d = after - before
  return spec.inverse ? mul(d, spec.csN) : spec.csOne ? mul(d, ref) : mul(mul(d, spec.csN), ref)
}

const fmtScaled = (x: bigint, scale: number): string => Decimal.format(Decimal.fromScaled(x, scale))
const fmt36 = (x: bigint): string => fmtScaled(x, 36)

/** Builds an engine over `book` with the given JSON config (the empty config when absent). */
export const make = (options: Options): Either.Either<PreTradeRisk, RiskConfigError> =>
  Either.map(RiskConfig.load(options.config ?? RiskConfig.empty), (cfg) => new PreTradeRisk(options.book, cfg))
