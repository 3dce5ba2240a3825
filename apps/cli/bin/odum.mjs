#!/usr/bin/env node
// Entry point of the `odum` program. In a source checkout it runs the TypeScript sources
// through tsx (so `npx odum` works right after `npm ci`, with no build step and no stale
// build); an installed package without sources runs the bundled dist/main.js.
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const source = new URL("../src/main.ts", import.meta.url)
if (existsSync(fileURLToPath(source))) {
  const { register } = await import("tsx/esm/api")
  register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) })
  await import(source.href)
} else {
  await import(new URL("../dist/main.js", import.meta.url).href)
}
