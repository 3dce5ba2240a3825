#!/usr/bin/env node
// Entry point of the `odum` program. In a source checkout it runs the TypeScript sources
// through tsx (so `npx odum` works right after `npm ci`, with no build step and no stale
// build); an installed package without sources runs the bundled dist/main.js.
//
// A backtest allocates a few short-lived objects per order: it runs with a larger young
// generation (`--max-semi-space-size`, see docs/performance.md), which roughly halves the
// garbage collector's share. When the flag is missing the command is re-run in a child
// process that has it (set ODUM_NO_GC_TUNING=1 to run as is).
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const GC_FLAG = "--max-semi-space-size=128"
const tuned =
  process.execArgv.some((a) => a.startsWith("--max-semi-space-size")) ||
  (process.env.NODE_OPTIONS ?? "").includes("--max-semi-space-size") ||
  process.env.ODUM_NO_GC_TUNING === "1"
if (!tuned && process.argv[2] === "backtest") {
  const child = spawnSync(process.execPath, [...process.execArgv, GC_FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit"
  })
  process.exit(child.status ?? (child.signal === null ? 1 : 128))
}

const source = new URL("../src/main.ts", import.meta.url)
if (existsSync(fileURLToPath(source))) {
  const { register } = await import("tsx/esm/api")
  register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) })
  await import(source.href)
} else {
  await import(new URL("../dist/main.js", import.meta.url).href)
}
