import { odumProject } from "../../tools/build/vitest.shared.js"

export default odumProject("execution")
