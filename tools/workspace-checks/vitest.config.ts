import { odumProject } from "../../tools/build/vitest.shared.js"

export default odumProject("workspace-checks", { testTimeout: 60_000 })
