/**
 * Canonical id parsing runs once per order (and per replayed order in a backtest), so it
 * must stay far below a microsecond. Prints parses/s over a mix of real ids, beside a
 * target of 1,000,000/s (one microsecond each), plus format and ccxt conversion figures.
 */
import { Ccxt, InstrumentId } from "@odum/instrument-id"

const IDS = [
  "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
  "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
  "DERIBIT:PERPETUAL:BTC-USD@INV",
  "DERIBIT:OPTION:BTC-USD-50000-20241231-C",
  "BYBIT:FUTURE:ETH-USDT-20241227",
  "CRYPTO:OKX:PERPETUAL:SOL-USD@INV",
  "IB:OPTION:AAPL-USD-150-20241220-C",
  "IB:EQUITY:BRK.B-USD-NYSE"
]

const TARGET_PARSES_PER_SECOND = 1_000_000

const measure = (
  label: string,
  iterations: number,
  body: (i: number) => unknown,
  warmUp: (i: number) => unknown = body
): number => {
  let sink = 0
  for (let i = 0; i < Math.min(iterations, 200_000); i++) sink += warmUp(i) ? 1 : 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) sink += body(i) ? 1 : 0
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const rate = iterations / seconds
  console.log(`${label.padEnd(34)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} /s  (${((seconds / iterations) * 1e9).toFixed(0)} ns each)${sink < 0 ? "!" : ""}`)
  return rate
}

/** Runs the instrument-id benchmarks and prints their figures. */
export async function run(): Promise<void> {
  const n = 2_000_000
  const mask = IDS.length - 1
  // Orders decoded from protobuf carry a new string instance each time: its hash is not
  // computed yet, which the cache lookup has to do. Each instance here is parsed once.
  const m = 300_000
  const fresh = Array.from({ length: 2 * m }, (_, i) => Buffer.from(IDS[i & mask]!).toString())
  const parseRate = measure(
    "InstrumentId.parse (cache hit)",
    m,
    (i) => InstrumentId.parse(fresh[m + i]!),
    (i) => InstrumentId.parse(fresh[i]!)
  )
  const coldRate = measure("InstrumentId.parseUncached", n, (i) => InstrumentId.parseUncached(fresh[i % m]!))
  const bad = ["BINANCE:PERP:BTC-USDT", "DERIBIT:FUTURE:BTC-USD-20241331@INV"]
  measure("InstrumentId.parse (invalid ids)", 200_000, (i) => InstrumentId.parse(bad[i & 1]!))
  const keys = IDS.map((id) => InstrumentId.unsafeParse(id))
  measure("InstrumentId.format", n, (i) => InstrumentId.format(keys[i & mask]!))
  const cryptoKeys = keys.slice(0, 6)
  measure("Ccxt.toCcxt", n, (i) => Ccxt.toCcxt(cryptoKeys[i % 6]!))
  const target = TARGET_PARSES_PER_SECOND.toLocaleString("en-US")
  console.log(`parse ratio to target (${target}/s): ${(parseRate / TARGET_PARSES_PER_SECOND).toFixed(2)}x repeated, ${(coldRate / TARGET_PARSES_PER_SECOND).toFixed(2)}x uncached`)
}
