import { fileURLToPath } from "node:url"
import { defineProject } from "vitest/config"
import { odumAlias, odumProject } from "../../tools/build/vitest.shared.js"

// The GCS test starts the emulator, a tool (not a library), so it needs its own alias ahead
// of the shared `@odum/*` -> `libs/*` mapping. End-to-end runs over the sample data take seconds.
const emulator = fileURLToPath(new URL("../../tools/gcs-emulator/src/index.ts", import.meta.url))
const base = odumProject("backtest", { testTimeout: 180_000 })

export default defineProject({
  ...base,
  resolve: { ...base.resolve, alias: [{ find: /^@odum\/gcs-emulator$/, replacement: emulator }, ...odumAlias] }
})
