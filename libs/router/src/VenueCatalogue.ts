/**
 * The venue catalogue: which venues list an instrument, under which canonical id, with
 * which fees, grid, limits, latency and access path, and which listings are economically
 * equivalent (interchangeable for routing). Built once from `RouterConfig`, then read-only.
 */
import { Decimal, type InstrumentSpec } from "@odum/domain"
import { InstrumentId } from "@odum/instrument-id"
import * as Either from "effect/Either"
import type { Access, NoBookModel, RouterConfig } from "./RouterConfig.js"
import { RouterConfigError } from "./RouterError.js"

/** One instrument on one venue, with everything the cost model needs. */
export interface Listing {
  /** The venue-specific canonical id, without an asset-class prefix ("OKX:SPOT_PAIR:BTC-USDT"). */
  readonly canonicalId: string
  readonly venue: string
  readonly access: Access
  readonly latencyMs: number
  readonly enabled: boolean
  /** Tick, lot, minimum quantity and notional, fees, contract size. */
  readonly spec: InstrumentSpec.InstrumentSpec
  /** The model priced when the listing's book is unknown. */
  readonly noBookModel: NoBookModel
  /** Position in the catalogue; cost ties go to the earlier listing. */
  readonly index: number
  /** The equivalence group: listings with the same group are interchangeable. */
  readonly group: number
}

/** The catalogue: listings in configuration order and their equivalence groups. */
export interface VenueCatalogue {
  readonly listings: ReadonlyArray<Listing>
  /** Listings by group number, each in catalogue order. */
  readonly groups: ReadonlyArray<ReadonlyArray<Listing>>
  readonly byId: ReadonlyMap<string, Listing>
}

const fail = (reason: RouterConfigError["reason"], message: string) => Either.left(new RouterConfigError({ reason, message }))

/**
 * The automatic equivalence key: same kind, base, quote, settlement asset, contract type,
 * expiry, strike and right. Contract sizes may differ: quantities are compared in
 * underlying units (`quantity × contractSize`).
 */
const autoKey = (s: InstrumentSpec.InstrumentSpec): string =>
  [
    s.kind,
    s.baseAsset,
    s.quoteAsset,
    s.settlementAsset,
    s.contractType,
    s.expiry ?? "",
    s.strike === undefined ? "" : Decimal.format(s.strike),
    s.right ?? ""
  ].join("|")

/** A canonical id in the catalogue's spelling (no asset-class prefix), or undefined if it does not parse. */
export const normaliseId = (id: string): string | undefined => {
  const parsed = InstrumentId.parse(id)
  if (Either.isLeft(parsed)) return undefined
  const { assetClass: _assetClass, ...key } = parsed.right
  return InstrumentId.format(key)
}

/** Builds the catalogue, checking every cross-reference; the error names the first problem. */
export const make = (config: RouterConfig): Either.Either<VenueCatalogue, RouterConfigError> => {
  const profiles = new Map<string, RouterConfig["venues"][number]>()
  for (const v of config.venues) {
    if (profiles.has(v.venue)) return fail("Duplicate", `venue ${v.venue} has two profiles`)
    profiles.set(v.venue, v)
  }
  const drafts: Array<Omit<Listing, "group">> = []
  const byId = new Map<string, number>()
  for (const { noBookModel, spec } of config.listings) {
    const parsed = InstrumentId.parse(spec.canonicalId)
    if (Either.isLeft(parsed)) return fail("InvalidListing", parsed.left.message)
    const key = parsed.right
    if (key.venue !== spec.venue) {
      return fail("InvalidListing", `${spec.canonicalId}: the id names venue ${key.venue} but the spec says ${spec.venue}`)
    }
    if (key.base !== spec.baseAsset || key.quote !== spec.quoteAsset) {
      return fail(
        "InvalidListing",
        `${spec.canonicalId}: the id names ${key.base}-${key.quote} but the spec says ${spec.baseAsset}-${spec.quoteAsset}`
      )
    }
    const profile = profiles.get(spec.venue)
    if (profile === undefined) return fail("UnknownVenue", `${spec.canonicalId}: venue ${spec.venue} has no profile in "venues"`)
    const canonicalId = normaliseId(spec.canonicalId)!
    if (byId.has(canonicalId)) return fail("Duplicate", `${canonicalId} is listed twice`)
    byId.set(canonicalId, drafts.length)
    drafts.push({
      canonicalId,
      venue: spec.venue,
      access: profile.access,
      latencyMs: profile.latencyMs,
      enabled: profile.enabled,
      spec,
      noBookModel: noBookModel ?? config.costs.noBookModel,
      index: drafts.length
    })
  }

  // Union-find over listing indices: automatic keys first, then explicit equivalences.
  const parent = drafts.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!
      i = parent[i]!
    }
    return i
  }
  const union = (a: number, b: number) => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  if (config.autoEquivalence) {
    const first = new Map<string, number>()
    drafts.forEach((d, i) => {
      const k = autoKey(d.spec)
      const j = first.get(k)
      if (j === undefined) first.set(k, i)
      else union(i, j)
    })
  }
  for (const members of config.equivalences) {
    const indices: Array<number> = []
    for (const id of members) {
      const normal = normaliseId(id)
      const i = normal === undefined ? undefined : byId.get(normal)
      if (i === undefined) return fail("InvalidEquivalence", `equivalence names ${JSON.stringify(id)}, which is not listed`)
      indices.push(i)
    }
    const [head, ...rest] = indices
    if (head === undefined) continue
    const a = drafts[head]!.spec
    for (const j of rest) {
      const b = drafts[j]!.spec
      if (a.kind !== b.kind || a.contractType !== b.contractType) {
        return fail(
          "InvalidEquivalence",
          `${a.canonicalId} (${a.kind} ${a.contractType}) and ${b.canonicalId} (${b.kind} ${b.contractType}) are not interchangeable`
        )
      }
      union(head, j)
    }
  }

  const groupOf = new Map<number, number>()
  const groups: Array<Array<Listing>> = []
  const listings: Array<Listing> = drafts.map((d, i) => {
    const root = find(i)
    let g = groupOf.get(root)
    if (g === undefined) {
      g = groups.length
      groupOf.set(root, g)
      groups.push([])
    }
    const listing: Listing = { ...d, group: g }
    groups[g]!.push(listing)
    return listing
  })
  // Explicitly joined listings must agree on contract type across the whole merged group.
  for (const group of groups) {
    const kinds = new Set(group.map((l) => `${l.spec.kind} ${l.spec.contractType}`))
    if (kinds.size > 1) {
      return fail("InvalidEquivalence", `group ${group.map((l) => l.canonicalId).join(", ")} mixes ${[...kinds].join(" and ")}`)
    }
  }
  return Either.right({
    listings,
    groups,
    byId: new Map(listings.map((l) => [l.canonicalId, l]))
  })
}

/** The listing of a canonical id (with or without an asset-class prefix), or undefined. */
export const lookup = (catalogue: VenueCatalogue, canonicalId: string): Listing | undefined => {
  const hit = catalogue.byId.get(canonicalId)
  if (hit !== undefined) return hit
  const normal = normaliseId(canonicalId)
  return normal === undefined ? undefined : catalogue.byId.get(normal)
}

/** The listings interchangeable with `listing` (itself included), in catalogue order. */
export const equivalents = (catalogue: VenueCatalogue, listing: Listing): ReadonlyArray<Listing> =>
  catalogue.groups[listing.group]!

/** The venues listing an instrument or an equivalent of it. */
export const venuesFor = (catalogue: VenueCatalogue, canonicalId: string): ReadonlyArray<string> => {
  const listing = lookup(catalogue, canonicalId)
  return listing === undefined ? [] : [...new Set(equivalents(catalogue, listing).map((l) => l.venue))]
}
