import { defineConfig } from "tsup"

// The app bundles the workspace libraries it uses (their sources), and leaves every npm
// package external: those are the app's installed dependencies, and some (the GCS client)
// cannot be bundled into ESM because they require Node built-ins dynamically.
export default defineConfig({
  entry: ["src/main.ts"],
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
  noExternal: [/^@odum\//],
  external: [/^(?!@odum\/)[^./]/]
})
