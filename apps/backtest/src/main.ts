import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Layer from "effect/Layer"
import { ServerLive } from "./Server.js"

Layer.launch(ServerLive).pipe(NodeRuntime.runMain)
