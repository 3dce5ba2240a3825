/**
 * `npm run count -- [scenario] [orders]`: instructions per order through the execution core,
 * counted by valgrind's callgrind, for comparing two versions of the code on a machine whose
 * timings are noisy (a shared VM moves the benchmarks' rates by ±20-40% between runs; an
 * instruction count does not move).
 *
 * The execution benchmark's core (`setup` in execution.bench.ts) is bundled with esbuild and
 * run twice under callgrind, in parallel, each building the same `warm-up + orders` requests:
 * `warm-up` orders, then `warm-up + orders`; the difference is the cost of `orders` orders on a
 * warmed-up core. Node runs with flags that make
 * the count repeatable (to ~0.01%): `--predictable` (no concurrent JIT or GC threads, no
 * timing-driven decisions), fixed hash and random seeds, no memory reducer, and an initial old
 * space of 1 GB, so that heap growth is never decided from measured GC speed; ASLR is off
 * (`setarch -R`). The GC work counted is therefore mostly scavenges: the count compares code,
 * it is not a CPU-time figure. It does not see cache misses either.
 *
 * Defaults: routed, 20,000 orders after 20,000 (about 2 minutes on 2 cores).
 *
 * `--functions [n]` also prints where the instructions go: the `n` (default 40) functions
 * with the most instructions per order, JIT-compiled JavaScript named through Node's perf map
 * (`--perf-basic-prof`) and the bundle's source map (`name (lib/src/File.ts:line)`), V8
 * builtins and runtime functions by their symbol (`Builtins_RecordWriteSaveFP` is the write
 * barrier's slow path, `Builtins_FindOrderedHashMapEntry` a Map lookup). Self cost, no
 * callees. Needs `callgrind_annotate` (Debian package valgrind).
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { SourceMap } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { writeTradeCatalog } from "./internal/tradeCatalog.js"

const args = process.argv.slice(2)
const fIndex = args.indexOf("--functions")
const functions = fIndex >= 0
const topN = functions && /^\d+$/.test(args[fIndex + 1] ?? "") ? Number(args[fIndex + 1]) : 40
const positional = args.filter((a, i) => i !== fIndex && !(functions && i === fIndex + 1 && /^\d+$/.test(a)))
const scenario = positional[0] ?? "routed"
const orders = Number(positional[1] ?? 20_000)
/** Orders (ticks) before the measured ones: ODUM_COUNT_WARM_UP [20,000; the backtest's JIT settles later, 60,000 there]. */
const WARM_UP = Number(process.env["ODUM_COUNT_WARM_UP"] ?? (scenario === "backtest" ? 60_000 : 20_000))
/** ODUM_COUNT_KEEP=1 keeps callgrind's output and the perf maps (for callers: callgrind_annotate --tree=caller). */
const keep = process.env["ODUM_COUNT_KEEP"] !== undefined
if (!Number.isSafeInteger(WARM_UP) || WARM_UP < 0) throw new Error(`ODUM_COUNT_WARM_UP must be a non-negative integer, got ${process.env["ODUM_COUNT_WARM_UP"]}`)
if (!Number.isSafeInteger(orders) || orders <= 0) throw new Error(`orders must be a positive integer, got ${positional[1]}`)
if (!["routed", "explicit", "routed-elsewhere", "backtest"].includes(scenario)) {
  throw new Error(`scenario must be routed, explicit, routed-elsewhere or backtest, got ${scenario}`)
}

const NODE_FLAGS = [
  "--predictable",
  "--hash-seed=1",
  "--random-seed=1",
  "--no-memory-reducer",
  "--initial-old-space-size=1024",
  "--max-semi-space-size=128"
]

/** V8's garbage collector and heap bookkeeping, by C++ symbol. */
const GC_SYMBOL = /Scaveng|v8::internal::Heap::|Evacuat|BodyDescriptor|HeapObject::SizeFromMap|SemiSpace|Pretenuring|MemoryChunk|ConcurrentMarking|FreeList|PagedSpace|heap::base::|MarkCompact|Sweeper/

interface Run {
  readonly instructions: number
  /** With `--functions`: callgrind's output file and the process's perf map. */
  readonly out?: string
  readonly perfMap?: string
}

/** Instructions executed by `node <flags> <bundle> <args>` under callgrind. */
const run = (bundle: string, args: ReadonlyArray<string>, out: string | undefined): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      "setarch",
      [
        "-R",
        "valgrind",
        "--tool=callgrind",
        `--callgrind-out-file=${out ?? "/dev/null"}`,
        process.execPath,
        ...NODE_FLAGS,
        // The perf map goes to /tmp/perf-<pid>.map; the V8 log it turns on, beside callgrind's output.
        ...(out === undefined ? [] : ["--perf-basic-prof", "--no-logfile-per-isolate", `--logfile=${out}.v8.log`]),
        bundle,
        ...args
      ],
      { stdio: ["ignore", "ignore", "pipe"] }
    )
    let err = ""
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.on("error", (e) => reject(new Error(`cannot run valgrind (Debian package valgrind; setarch is util-linux): ${e.message}`)))
    child.on("close", (code) => {
      const m = /I\s+refs:\s+([\d,]+)/.exec(err)
      if (code !== 0 || m === null) reject(new Error(`callgrind run ${args.join(" ")} failed (exit ${code}):\n${err.slice(-2000)}`))
      else {
        const instructions = Number(m[1]!.replaceAll(",", ""))
        // valgrind runs node in the process setarch started, so node's perf map carries its pid.
        resolve(out === undefined ? { instructions } : { instructions, out, perfMap: `/tmp/perf-${child.pid}.map` })
      }
    })
  })

/** Self instructions per function of one callgrind run, JIT code named through the perf map and the source map. */
const selfCosts = (r: Run, sourceMap: SourceMap | undefined, bundle: string): Map<string, number> => {
  const jit: Array<readonly [number, number, string]> = []
  if (r.perfMap !== undefined && existsSync(r.perfMap)) {
    for (const line of readFileSync(r.perfMap, "utf8").split("\n")) {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line)
      if (m !== null) jit.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3]!])
    }
    jit.sort((a, b) => a[0] - b[0])
  }
  const nameAt = (address: number): string | undefined => {
    let lo = 0
    let hi = jit.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (jit[mid]![0] <= address) lo = mid + 1
      else hi = mid - 1
    }
    const e = jit[hi]
    if (e === undefined || address >= e[0] + e[1]) return undefined
    // "JS:*name file:///...bundle.mjs:line:column": the name and its source position.
    const m = /^JS:[*~^+-]?(\S*) .*?:(\d+):(\d+)$/.exec(e[2])
    if (m === null) return e[2]
    const at = sourceMap?.findEntry(Number(m[2]) - 1, Number(m[3]) - 1)
    const where =
      at !== undefined && "originalSource" in at && at.originalSource !== undefined
        ? `${at.originalSource.replace(/^.*?\/(libs|tools|apps)\//, "$1/").replace(/^libs\//, "")}:${(at.originalLine ?? 0) + 1}`
        : `${bundle}:${m[2]}`
    return `${m[1] || "(anonymous)"} (${where})`
  }
  const text = execFileSync("callgrind_annotate", ["--threshold=100", r.out!], { encoding: "utf8", maxBuffer: 1 << 28 })
  const costs = new Map<string, number>()
  for (const line of text.split("\n")) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line)
    if (m === null || m[2]!.includes("PROGRAM TOTALS")) continue
    const symbol = m[2]!
    const address = /^\?\?\?:0x([0-9a-f]+)/.exec(symbol)
    const name =
      (address === null ? undefined : nameAt(parseInt(address[1]!, 16))) ??
      symbol.replace(/^\?\?\?:/, "").replace(/ \[[^\]]*\]$/, "").replace(/\(.*$/, "").slice(0, 100)
    costs.set(name, (costs.get(name) ?? 0) + Number(m[1]!.replaceAll(",", "")))
  }
  return costs
}

/** The program run under callgrind and the arguments of its two runs: the warm-up alone, then warm-up and measured. */
interface Plan {
  readonly entry: string
  readonly unit: string
  readonly base: ReadonlyArray<string>
  readonly total: ReadonlyArray<string>
  /** Units before the measured ones, and measured (the difference of the two runs). */
  readonly after: number
  readonly measured: number
}

/** The execution benchmark's core: `orders` orders after WARM_UP on the same core. */
const executionPlan = (): Plan => ({
  entry: "count/executionOrders.ts",
  unit: "order",
  base: [scenario, String(WARM_UP), "0", String(WARM_UP + orders)],
  total: [scenario, String(WARM_UP), String(orders), String(WARM_UP + orders)],
  after: WARM_UP,
  measured: orders
})

/**
 * The backtest benchmark's one-order-per-tick run: the replicated real trades written to a
 * catalog first (natively, once), then the replay over the first WARM_UP ticks, and over the
 * first WARM_UP + `orders` ticks. A range ends before a tick's timestamp, so it holds the
 * ticks before the first tick of that timestamp. The replay gives the event loop a turn every
 * 8,192 ticks (`yieldEvery`), not every 20 ms of wall clock, so that the turns (and the
 * prefetched row groups' reads and decoding that run in them) fall at the same ticks in
 * every run.
 */
const backtestPlan = async (dir: string): Promise<Plan> => {
  const root = join(dir, "catalog")
  const { replay } = await writeTradeCatalog(root, WARM_UP + orders + 1)
  const from = replay.ts[0]!
  // The ticks before the first tick of the timestamp that ends the range (ties shift it).
  const ticksBefore = (n: number) => {
    let ticks = n
    while (ticks > 0 && replay.ts[ticks - 1]! >= replay.ts[n]!) ticks--
    return ticks
  }
  const args = (n: number) => [root, String(from), String(replay.ts[n]!), String(ticksBefore(n))]
  const after = ticksBefore(WARM_UP)
  return {
    entry: "count/backtestTicks.ts",
    unit: "tick",
    base: args(WARM_UP),
    total: args(WARM_UP + orders),
    after,
    measured: ticksBefore(WARM_UP + orders) - after
  }
}

const dir = mkdtempSync(join(tmpdir(), "odum-count-"))
try {
  const plan = scenario === "backtest" ? await backtestPlan(dir) : executionPlan()
  const bundle = join(dir, "program.mjs")
  await build({
    entryPoints: [fileURLToPath(new URL(plan.entry, import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)),
    outfile: bundle,
    sourcemap: functions,
    logLevel: "warning",
    // Dependencies that load CommonJS modules (ucs) need `require` in the ES module bundle.
    banner: { js: 'import { createRequire as __odumCreateRequire } from "node:module"; const require = __odumCreateRequire(import.meta.url);' }
  })
  const units = plan.measured
  const unit = plan.unit
  console.log(
    `callgrind: ${scenario}, ${units.toLocaleString("en-US")} ${unit}s after ${plan.after.toLocaleString("en-US")} (two runs in parallel)`
  )
  const [base, total] = await Promise.all([
    run(bundle, plan.base, functions ? join(dir, "base.out") : undefined),
    run(bundle, plan.total, functions ? join(dir, "total.out") : undefined)
  ])
  const perOrder = (total.instructions - base.instructions) / units
  console.log(
    `${Math.round(perOrder).toLocaleString("en-US")} instructions per ${unit} (${total.instructions.toLocaleString("en-US")} - ${base.instructions.toLocaleString("en-US")})`
  )
  if (functions) {
    const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, "utf8")))
    const a = selfCosts(base, map, "bundle")
    const b = selfCosts(total, map, "bundle")
    const rows = [...new Set([...a.keys(), ...b.keys()])]
      .map((k) => [k, ((b.get(k) ?? 0) - (a.get(k) ?? 0)) / units] as const)
      .sort((x, y) => y[1] - x[1])
    // Young-generation GC: a few scavenges fall in the measured window, and where they fall moves
    // with the bytes allocated, so two versions of the code can differ by hundreds of
    // instructions per order here for a small change in allocation. Compare the rest.
    const gc = rows.reduce((sum, [name, n]) => (GC_SYMBOL.test(name) ? sum + n : sum), 0)
    console.log(
      `of which young-generation GC and heap bookkeeping ${Math.round(gc).toLocaleString("en-US")}, the rest ${Math.round(perOrder - gc).toLocaleString("en-US")} (compare this between versions)`
    )
    console.log(`\nself instructions per ${unit}, top ${topN} (JIT code by function, V8 builtins and runtime by symbol):`)
    for (const [name, n] of rows.slice(0, topN)) console.log(`${Math.round(n).toLocaleString("en-US").padStart(8)}  ${name}`)
    if (keep) console.log(`kept: callgrind output ${dir}/{base,total}.out, perf maps ${base.perfMap} and ${total.perfMap}`)
    else for (const r of [base, total]) if (r.perfMap !== undefined) rmSync(r.perfMap, { force: true })
  }
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true })
}
