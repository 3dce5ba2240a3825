// Checks that src/gen is exactly what `buf generate` makes from proto/ today, and that the
// .proto files pass `buf lint`. Run by `npm run check-generated` (and so by the repo's
// test command through Nx); needs no git, only the buf and protoc-gen-es npm packages.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/** The library folder (libs/proto), whatever the working directory. */
export const libraryRoot = fileURLToPath(new URL("..", import.meta.url))

/** Outcome of a check: `problems` is empty when the generated code is current. */
export interface CheckResult {
  readonly ok: boolean
  readonly problems: ReadonlyArray<string>
}

// buf finds protoc-gen-es on PATH; npm adds node_modules/.bin when run as a script, but a
// test or a plain `tsx` run does not, so both .bin folders are put in front explicitly.
const toolEnv: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: [
    join(libraryRoot, "node_modules/.bin"),
    join(libraryRoot, "../../node_modules/.bin"),
    process.env["PATH"] ?? ""
  ].join(delimiter)
}

const run = (root: string, args: ReadonlyArray<string>): string | undefined => {
  const r = spawnSync("buf", args, { cwd: root, env: toolEnv, encoding: "utf8" })
  if (r.error) return `buf ${args.join(" ")} could not start: ${r.error.message}`
  if (r.status !== 0) return `buf ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`.trimEnd()
  return undefined
}

const listFiles = (dir: string): Array<string> => {
  if (!existsSync(dir)) return []
  const out: Array<string> = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(relative(dir, p))
    }
  }
  walk(dir)
  return out.sort()
}

/** Compares two generated trees file by file; returns one line per difference. */
export const compareTrees = (expectedDir: string, actualDir: string, label = "src/gen"): Array<string> => {
  const expected = listFiles(expectedDir)
  const actual = new Set(listFiles(actualDir))
  const problems: Array<string> = []
  for (const f of expected) {
    if (!actual.has(f)) problems.push(`missing: ${label}/${f}`)
    else if (!readFileSync(join(expectedDir, f)).equals(readFileSync(join(actualDir, f))))
      problems.push(`differs: ${label}/${f}`)
    actual.delete(f)
  }
  for (const f of actual) problems.push(`not generated from any .proto (stale): ${label}/${f}`)
  return problems
}

/** Lints the .proto files, generates into a temporary folder and compares it with src/gen. */
export const checkGenerated = (root: string = libraryRoot): CheckResult => {
  const lint = run(root, ["lint"])
  if (lint !== undefined) return { ok: false, problems: [lint] }
  const out = mkdtempSync(join(tmpdir(), "odum-proto-gen-"))
  try {
    const gen = run(root, ["generate", "--template", "buf.gen.yaml", "--output", out])
    if (gen !== undefined) return { ok: false, problems: [gen] }
    const problems = compareTrees(join(out, "src/gen"), join(root, "src/gen"))
    return { ok: problems.length === 0, problems }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = checkGenerated()
  if (result.ok) {
    console.log("@odum/proto: buf lint passed and src/gen is up to date with proto/")
  } else {
    console.error("@odum/proto: generated code is NOT current with proto/:")
    for (const p of result.problems) console.error(`  ${p}`)
    console.error("Fix: run `npm run generate -w @odum/proto` and commit libs/proto/src/gen.")
    process.exit(1)
  }
}
