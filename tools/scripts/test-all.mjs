#!/usr/bin/env node
// The project's one test command (`npm test`): lint, typecheck, build and package checks
// through Nx (cached), then every vitest project in one run, then the totals alone on a
// line as "N passed, N failed". Exits non-zero if any stage failed.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"

const env = { ...process.env, NX_DAEMON: "false", NX_NO_CLOUD: "true", NX_TUI: "false" }
const run = (cmd, args) => {
  console.log(`\n$ ${cmd} ${args.join(" ")}`)
  return spawnSync(cmd, args, { stdio: "inherit", env }).status === 0
}

const failures = []
if (!run("npx", ["nx", "run-many", "-t", "lint", "typecheck", "build", "check-package", "check-generated", "--parallel=2", "--outputStyle=static"]))
  failures.push("lint/typecheck/build/package checks")

const report = ".vitest-report.json"
rmSync(report, { force: true })
if (!run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]))
  failures.push("tests")

let passed = 0
let failed = 0
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"))
  passed = r.numPassedTests
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0)
  if (r.numTotalTests === 0) failures.push("no test ran")
}
if (failures.length > 0) console.log(`\nFailed: ${failures.join(", ")}`)
console.log(`\n${passed} passed, ${failed} failed`)
process.exit(failures.length > 0 || failed > 0 ? 1 : 0)
