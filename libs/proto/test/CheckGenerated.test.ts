import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { checkGenerated, libraryRoot } from "../scripts/check-generated.js"

const copies: Array<string> = []
const copyLibrary = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "odum-proto-check-"))
  copies.push(dir)
  for (const p of ["proto", "src/gen", "buf.yaml", "buf.gen.yaml"]) cpSync(join(libraryRoot, p), join(dir, p), { recursive: true })
  return dir
}
afterEach(() => {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe("check-generated", () => {
  it("passes on the committed src/gen: it is what buf generates from proto/ today", () => {
    const result = checkGenerated()
    expect(result.problems).toEqual([])
    expect(result.ok).toBe(true)
  })

  it("fails, naming the file, when a .proto changed but src/gen was not regenerated", () => {
    const dir = copyLibrary()
    const file = join(dir, "proto/odum/execution/v1/order.proto")
    writeFileSync(file, readFileSync(file, "utf8").replace("SIDE_SELL = 2;", "SIDE_SELL = 2;\n  SIDE_SHORT = 3;"))
    const result = checkGenerated(dir)
    expect(result.ok).toBe(false)
    expect(result.problems).toEqual(["differs: src/gen/odum/execution/v1/order_pb.ts"])
  })

  it("fails on a generated file edited by hand or deleted, and on a stale file no .proto makes", () => {
    const dir = copyLibrary()
    rmSync(join(dir, "src/gen/odum/execution/v1/execution_service_pb.ts"))
    writeFileSync(join(dir, "src/gen/odum/execution/v1/old_pb.ts"), "export {}\n")
    const edited = join(dir, "src/gen/odum/execution/v1/execution_result_pb.ts")
    writeFileSync(edited, readFileSync(edited, "utf8") + "\n")
    const result = checkGenerated(dir)
    expect(result.ok).toBe(false)
    expect([...result.problems].sort()).toEqual([
      "differs: src/gen/odum/execution/v1/execution_result_pb.ts",
      "missing: src/gen/odum/execution/v1/execution_service_pb.ts",
      "not generated from any .proto (stale): src/gen/odum/execution/v1/old_pb.ts"
    ])
  })

  it("fails when a .proto breaks buf lint (enum zero value not UNSPECIFIED)", () => {
    const dir = copyLibrary()
    const file = join(dir, "proto/odum/execution/v1/order.proto")
    writeFileSync(file, readFileSync(file, "utf8").replace("SIDE_UNSPECIFIED = 0;", "SIDE_NONE = 0;"))
    const result = checkGenerated(dir)
    expect(result.ok).toBe(false)
    expect(result.problems.join("\n")).toMatch(/buf lint failed[\s\S]*SIDE_NONE/)
  })
})
