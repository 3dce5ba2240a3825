import { libraryBuild } from "../../tools/build/tsup.lib.js"

export default libraryBuild()
