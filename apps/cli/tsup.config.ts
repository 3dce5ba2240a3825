import { defineConfig } from "tsup"

// The app bundles the workspace libraries it uses, so dist/main.js runs on its own.
export default defineConfig({
  entry: ["src/main.ts"],
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
  noExternal: [/^@odum\//]
})
