/**
 * Throws for a time past the int64 range (nanosecond times are int64 everywhere in the
 * pipeline): the simulated venue keeps its clocks in `BigInt64Array`s, which would silently
 * wrap it. Its callers compare inline (the bound written out: a bundle turns module constants
 * into vars V8 does not fold) and call this only past it, so the error's path stays out of
 * the hot setters.
 */
export const pastInt64 = (ns: bigint): never => {
  throw new RangeError(`Time ${ns} ns is past the int64 range the simulated venue keeps its clocks in`)
}
