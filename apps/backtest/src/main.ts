import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Backtest } from "@odum/backtest"
import * as Layer from "effect/Layer"
import { ServerLive } from "./Server.js"

// The service runs replay after replay in one process: a sparse one must not leave V8
// allocating the next one's short-lived records in the old generation (Backtest.tuneHeap).
Backtest.tuneHeap()

Layer.launch(ServerLive).pipe(NodeRuntime.runMain)
