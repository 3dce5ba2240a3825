#!/usr/bin/env node
// Scaffolds a publishable library: node tools/scripts/new-lib.mjs <dir> <package> "<tags>" "<description>" [dep@range ...]
// Every library gets the same build, test, lint and packaging targets, so Nx treats them alike.
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"

const [dir, name, tags, description, ...deps] = process.argv.slice(2)
if (!dir || !name || !tags || !description) {
  console.error("usage: new-lib.mjs <dir> <@odum/name> \"scope:x,type:y\" \"description\" [dep@range ...]")
  process.exit(2)
}
if (existsSync(join(dir, "package.json"))) {
  console.error(`${dir}/package.json exists already`)
  process.exit(2)
}
const up = relative(dir, ".") || "."
mkdirSync(join(dir, "src/internal"), { recursive: true })
mkdirSync(join(dir, "test"), { recursive: true })
const dependencies = Object.fromEntries(
  deps.map((d) => {
    const at = d.lastIndexOf("@")
    return at > 0 ? [d.slice(0, at), d.slice(at + 1)] : [d, "*"]
  })
)
const pkg = {
  name,
  version: "0.1.0",
  description,
  license: "UNLICENSED",
  type: "module",
  sideEffects: false,
  engines: { node: ">=20.19.0" },
  main: "./dist/index.cjs",
  module: "./dist/index.js",
  types: "./dist/index.d.cts",
  exports: {
    ".": {
      import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
      require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" }
    },
    "./package.json": "./package.json"
  },
  files: ["dist", "README.md"],
  scripts: {
    build: "tsup",
    typecheck: "tsc -p tsconfig.json --noEmit",
    lint: "eslint .",
    test: "vitest run",
    "check-package": "publint --strict && attw --pack . --profile node16"
  },
  nx: { tags: tags.split(",") },
  dependencies
}
writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n")
writeFileSync(
  join(dir, "tsconfig.json"),
  JSON.stringify({ extends: `${up}/tsconfig.base.json`, include: ["src", "test", "*.ts"] }, null, 2) + "\n"
)
writeFileSync(
  join(dir, "tsup.config.ts"),
  `import { libraryBuild } from "${up}/tools/build/tsup.lib.js"\n\nexport default libraryBuild()\n`
)
const short = name.replace("@odum/", "")
writeFileSync(
  join(dir, "vitest.config.ts"),
  `import { odumProject } from "${up}/tools/build/vitest.shared.js"\n\nexport default odumProject("${short}")\n`
)
if (!existsSync(join(dir, "src/index.ts"))) writeFileSync(join(dir, "src/index.ts"), "export {}\n")
if (!existsSync(join(dir, "README.md"))) writeFileSync(join(dir, "README.md"), `# ${name}\n\n${description}\n`)
console.log(`created ${dir} (${name})`)
