/**
 * `npm run bench`: runs every `src/*.bench.ts` (each exports `run()`), or only those whose
 * file name contains one of the arguments (`npm run bench -- risk oms`). Each benchmark
 * prints its own figures and the ratio to its target.
 *
 * Each benchmark file runs in a process of its own (this program re-run with `--one <file>`,
 * with the same Node flags): benchmarks run one after another in one process measured each
 * other's leftovers, the JIT's type feedback from the same libraries used another way and
 * the heap they left. The execution core's routed order measured 0.91x of its target after
 * the backtest, algorithm and domain benchmarks in the same process, and 1.2x alone.
 */
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const dir = fileURLToPath(new URL(".", import.meta.url))
const args = process.argv.slice(2)

if (args[0] === "--one") {
  // A child: one benchmark file.
  const file = args[1]!
  const mod = (await import(new URL(file, import.meta.url).href)) as { run: () => Promise<void> }
  await mod.run()
  process.exit(0)
}

const filters = args
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()

// The apps run the pipeline with a larger young generation (docs/performance.md); so do the benchmarks.
const v8Flags = process.execArgv.filter((a) => a.startsWith("--max-"))
console.log(`node ${process.version} ${v8Flags.join(" ") || "(default heap flags)"}, ${files.length} benchmark file(s), each in its own process\n`)
let failed = 0
for (const file of files) {
  console.log(`== ${file}`)
  // The same Node flags (the TypeScript loader's included), this program, one file.
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--one", file], { stdio: "inherit" })
  if (child.status !== 0) {
    failed++
    console.error(`${file} failed: exit ${child.status ?? child.signal}`)
  }
  console.log("")
}
process.exit(failed > 0 ? 1 : 0)
