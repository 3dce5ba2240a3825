/**
 * `npm run bench`: runs every `src/*.bench.ts` (each exports `run()`), or only those whose
 * file name contains one of the arguments (`npm run bench -- risk oms`). Each benchmark
 * prints its own figures and the ratio to its target.
 */
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const dir = fileURLToPath(new URL(".", import.meta.url))
const filters = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()

// The apps run the pipeline with a larger young generation (docs/performance.md); so do the benchmarks.
const v8Flags = process.execArgv.filter((a) => a.startsWith("--max-"))
console.log(`node ${process.version} ${v8Flags.join(" ") || "(default heap flags)"}, ${files.length} benchmark file(s)\n`)
let failed = 0
for (const file of files) {
  console.log(`== ${file}`)
  try {
    const mod = (await import(new URL(file, import.meta.url).href)) as { run: () => Promise<void> }
    await mod.run()
  } catch (error) {
    failed++
    console.error(`${file} failed:`, error)
  }
  console.log("")
}
process.exit(failed > 0 ? 1 : 0)
