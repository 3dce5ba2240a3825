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

/** The vitest project config of one library or app, named after its folder. */
export const odumProject = (name: string, extra: UserWorkspaceConfig["test"] = {}) =>
  defineProject({
    resolve: { alias: odumAlias },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      ...extra
    }
  })
