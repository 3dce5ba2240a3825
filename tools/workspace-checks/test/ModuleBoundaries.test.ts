import { createProjectGraphAsync } from "@nx/devkit"
import { ESLint } from "eslint"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const eslint = new ESLint({ cwd: root })

/** Lints `source` as if it were the file at `path` (relative to the workspace root). */
const boundaryErrors = async (path: string, source: string) => {
  const [result] = await eslint.lintText(source, { filePath: `${root}${path}` })
  return (result?.messages ?? []).filter((m) => m.ruleId === "@nx/enforce-module-boundaries")
}

const fixture = (name: string) => `tools/workspace-checks/fixtures/${name}/probe.ts`

describe("module boundaries (Nx tags, enforced by lint)", () => {
  beforeAll(async () => {
    // The lint rule reads Nx's project graph; make sure it exists and is current.
    await createProjectGraphAsync({ exitOnError: false })
  })

  it("lets a backtest-only library import a shared one (control)", async () => {
    const errors = await boundaryErrors(
      fixture("backtest-only"),
      `import { shared_lib } from "@odum-fixture/shared-lib"\nexport const x = shared_lib\n`
    )
    expect(errors).toEqual([])
  })

  it("fails when a shared library imports backtest-only code", async () => {
    const errors = await boundaryErrors(
      fixture("shared-lib"),
      `import { backtest_only } from "@odum-fixture/backtest-only"\nexport const x = backtest_only\n`
    )
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(/scope:shared/)
  })

  it("fails when a shared library imports live-only code", async () => {
    const errors = await boundaryErrors(
      fixture("shared-lib"),
      `import { live_only } from "@odum-fixture/live-only"\nexport const x = live_only\n`
    )
    expect(errors).toHaveLength(1)
  })

  it("fails when a backtest library imports live-only code", async () => {
    const errors = await boundaryErrors(
      fixture("backtest-only"),
      `import { live_only } from "@odum-fixture/live-only"\nexport const x = live_only\n`
    )
    expect(errors).toHaveLength(1)
  })

  it("fails when an adapter imports another adapter", async () => {
    const errors = await boundaryErrors(
      fixture("adapter-a"),
      `import { adapter_b } from "@odum-fixture/adapter-b"\nexport const x = adapter_b\n`
    )
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(/type:adapter/)
  })

  it("fails when a library imports an app", async () => {
    const errors = await boundaryErrors(
      fixture("shared-lib"),
      `import { app } from "@odum-fixture/app"\nexport const x = app\n`
    )
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(/apps are forbidden|type:app/)
  })

  it("fails when a real library imports the odum app", async () => {
    const errors = await boundaryErrors("libs/domain/src/probe.ts", `import "@odum/cli"\nexport const x = 1\n`)
    expect(errors.length).toBeGreaterThan(0)
  })
})
