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
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const scenario = process.argv[2] ?? "routed"
const orders = Number(process.argv[3] ?? 20_000)
const WARM_UP = 20_000
if (!Number.isSafeInteger(orders) || orders <= 0) throw new Error(`orders must be a positive integer, got ${process.argv[3]}`)

const NODE_FLAGS = [
  "--predictable",
  "--hash-seed=1",
  "--random-seed=1",
  "--no-memory-reducer",
  "--initial-old-space-size=1024",
  "--max-semi-space-size=128"
]

/** Instructions executed by `node <flags> <bundle> <args>` under callgrind. */
const instructions = (bundle: string, args: ReadonlyArray<string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      "setarch",
      ["-R", "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath, ...NODE_FLAGS, bundle, ...args],
      { stdio: ["ignore", "ignore", "pipe"] }
    )
    let err = ""
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.on("error", (e) => reject(new Error(`cannot run valgrind (Debian package valgrind; setarch is util-linux): ${e.message}`)))
    child.on("close", (code) => {
      const m = /I\s+refs:\s+([\d,]+)/.exec(err)
      if (code !== 0 || m === null) reject(new Error(`callgrind run ${args.join(" ")} failed (exit ${code}):\n${err.slice(-2000)}`))
      else resolve(Number(m[1]!.replaceAll(",", "")))
    })
  })

const dir = mkdtempSync(join(tmpdir(), "odum-count-"))
try {
  const bundle = join(dir, "executionOrders.mjs")
  await build({
    entryPoints: [fileURLToPath(new URL("count/executionOrders.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)),
    outfile: bundle,
    logLevel: "warning"
  })
  console.log(`callgrind: ${scenario}, ${orders.toLocaleString("en-US")} orders after ${WARM_UP.toLocaleString("en-US")} on the same core (two runs in parallel)`)
  const [base, total] = await Promise.all([
    instructions(bundle, [scenario, String(WARM_UP), "0", String(WARM_UP + orders)]),
    instructions(bundle, [scenario, String(WARM_UP), String(orders), String(WARM_UP + orders)])
  ])
  const perOrder = (total - base) / orders
  console.log(`${Math.round(perOrder).toLocaleString("en-US")} instructions per order (${total.toLocaleString("en-US")} - ${base.toLocaleString("en-US")})`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
