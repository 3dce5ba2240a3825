/**
 * The encoded spec of a BTC/USDT spot listing as the benchmarks use it (tick 0.01, lot and
 * minimum 0.00001 BTC, minimum notional 5 USDT, one fee for maker and taker): the same
 * listing in the execution core's and the router's small-decision benchmarks.
 */
export const btcUsdtSpotSpec = (canonicalId: string, venue: string, fee = "0.001") => ({
  canonicalId,
  venue,
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "SPOT",
  tickSize: "0.01",
  lotSize: "0.00001",
  minQuantity: "0.00001",
  minNotional: "5",
  makerFee: fee,
  takerFee: fee,
  contractSize: "1",
  contractType: "LINEAR"
})
