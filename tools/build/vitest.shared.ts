import { fileURLToPath } from "node:url"
import { defineProject, type UserWorkspaceConfig } from "vitest/config"

const root = fileURLToPath(new URL("../..", import.meta.url))

/**
 * Workspace libraries resolve to their TypeScript sources in tests (the same mapping as
 * `paths` in tsconfig.base.json), so a test never runs against a stale build.
 */
export const odumAlias = [
  { find: /^@odum\/adapter-(.*)$/, replacement: `${root}libs/adapters/$1/src/index.ts` },
  { find: /^@odum\/(.*)$/, replacement: `${root}libs/$1/src/index.ts` }
]

/**
 * The time one test may take unless its project or the test says otherwise. vitest's own
 * default (5 s) is too tight for `.ci/run`: every project's tests run at once on the CI
 * machine's two cores, beside PostgreSQL and the emulators, so a property test that takes
 * 2.4 s alone took over 5 s there and failed a run. A hung test still fails, after a minute.
 * Hooks (starting a server, migrating a database) get the same minute instead of 10 s.
 */
export const defaultTestTimeoutMs = 60_000

/** The vitest project config of one library or app, named after its folder. */
export const odumProject = (name: string, extra: UserWorkspaceConfig["test"] = {}) =>
  defineProject({
    resolve: { alias: odumAlias },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: defaultTestTimeoutMs,
      hookTimeout: defaultTestTimeoutMs,
      ...extra
    }
  })
