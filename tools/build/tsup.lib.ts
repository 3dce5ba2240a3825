import { defineConfig, type Options } from "tsup"

/**
 * The one build every publishable library uses: ESM + CJS + .d.ts from `src/index.ts`.
 * Other `@odum/*` packages stay external (they are declared dependencies), so each
 * library ships only its own code.
 */
export const libraryBuild = (overrides: Partial<Options> = {}) =>
  defineConfig({
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    target: "node20",
    external: [/^@odum\//],
    ...overrides
  })
