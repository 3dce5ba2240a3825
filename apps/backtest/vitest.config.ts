import { odumProject } from "../../tools/build/vitest.shared.js"

export default odumProject("backtest-service", { testTimeout: 60_000 })
