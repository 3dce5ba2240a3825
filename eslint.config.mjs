// ESLint 9 flat config (in place of the legacy .eslintrc.json).
// Module boundaries are Nx tags, enforced by @nx/enforce-module-boundaries:
//   - libraries never import apps;
//   - shared libraries never import backtest- or live-only code;
//   - adapters never import each other (they build on the adapter kit only);
//   - only feature libraries (backtest/live engines) and apps compose adapters.
import nx from "@nx/eslint-plugin"
import tseslint from "typescript-eslint"

export default [
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.nx/**", "**/gen/**", "**/coverage/**"] },
  ...nx.configs["flat/base"],
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts", "**/*.mjs", "**/*.js"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@nx/enforce-module-boundaries": [
        "error",
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: "type:domain", notDependOnLibsWithTags: ["type:app", "type:feature", "type:service", "type:adapter"] },
            { sourceTag: "type:util", notDependOnLibsWithTags: ["type:app", "type:feature", "type:service", "type:adapter"] },
            { sourceTag: "type:service", notDependOnLibsWithTags: ["type:app", "type:feature", "type:adapter"] },
            { sourceTag: "type:adapter", notDependOnLibsWithTags: ["type:app", "type:feature", "type:adapter"] },
            // Feature libraries (the backtest and live engines) compose services and adapters.
            { sourceTag: "type:feature", notDependOnLibsWithTags: ["type:app"] },
            // Apps that offer both backtest and live commands (the odum CLI, the benchmarks)
            // compose every scope; they are apps, so nothing may import them.
            { sourceTag: "scope:composition", onlyDependOnLibsWithTags: ["*"] },
            { sourceTag: "scope:shared", onlyDependOnLibsWithTags: ["scope:shared"] },
            { sourceTag: "scope:backtest", onlyDependOnLibsWithTags: ["scope:shared", "scope:backtest"] },
            { sourceTag: "scope:live", onlyDependOnLibsWithTags: ["scope:shared", "scope:live"] }
          ]
        }
      ]
    }
  },
  {
    // Build and test configuration files share the workspace's build helpers in tools/build.
    files: ["**/*.config.ts", "**/*.config.mjs"],
    rules: { "@nx/enforce-module-boundaries": "off" }
  },
  {
    // Tests, benchmarks and tools may import what they exercise across type lines.
    files: ["**/test/**", "tools/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" }
  }
]
