export { type GcsEmulator, type GcsEmulatorOptions, type RecordedRequest, startGcsEmulator } from "./GcsEmulator.js"
export type {
  CorruptFault,
  DelayFault,
  Fault,
  FaultMatch,
  ResetFault,
  ResetMidStreamFault,
  StatusFault
} from "./Faults.js"
export type { PutOptions, StoredObject } from "./Store.js"
