// The vitest projects of the monorepo: every library, app and tool with a vitest config.
// Vitest 3.2 takes this list through `test.projects` in vitest.config.ts (the standalone
// workspace file is deprecated there), so this file is the one list both read.
export default [
  "libs/*/vitest.config.ts",
  "libs/adapters/*/vitest.config.ts",
  "apps/*/vitest.config.ts",
  "tools/*/vitest.config.ts"
]
