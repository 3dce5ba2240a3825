import { odumProject } from "../../tools/build/vitest.shared.js"

export default odumProject("cli", { testTimeout: 120_000 })
