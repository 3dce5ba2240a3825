import { describe, expect, it } from "@effect/vitest"
import { Ids } from "@odum/domain"
import type { ExecutionReport as WireReport } from "@odum/proto"
import { ResultCodec } from "@odum/proto"
import * as Either from "effect/Either"
import type { ExecutionReport } from "../src/index.js"
import { D, limit, makeEnv } from "./fixtures.js"

// The report is the wire contract's shape, field for field, both ways (checked by the compiler).
const toWire = (r: ExecutionReport.ExecutionReport): WireReport.ExecutionReport => r
const fromWire = (r: WireReport.ExecutionReport): ExecutionReport.ExecutionReport => r

describe("ExecutionReport", () => {
  it("round-trips through the protobuf ExecutionReport unchanged (status, fill, quantity, price, message)", () => {
    const env = makeEnv()
    env.venue.script = () => "ack"
    const request = limit({ quantity: D("1") })
    env.core.submit(request)
    env.venue.fill(Ids.clientOrderIdFor(request.operationId), D("0.4"), D("50000.5"))
    env.core.submit(limit({ quantity: D("9") })) // denied: a message
    expect(env.reports.length).toBeGreaterThan(4)
    for (const report of env.reports) {
      const decoded = ResultCodec.decodeExecutionReport(ResultCodec.encodeExecutionReport(toWire(report)))
      expect(Either.map(decoded, fromWire)).toEqual(Either.right(report))
    }
    const fill = env.reports.find((r) => r.fill !== undefined)!
    expect(fill.status).toBe("PARTIALLY_FILLED")
    expect(fill.averagePrice).toEqual(D("50000.5"))
  })
})
