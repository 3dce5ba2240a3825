import { odumProject } from "../../tools/build/vitest.shared.js"

// The importer tests read the real files (up to 28 MB of JSON lines each): give them time.
export default odumProject("marketdata", { testTimeout: 120_000 })
