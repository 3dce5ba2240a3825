import { parseArgs } from "node:util"
import { startGcsEmulator } from "./GcsEmulator.js"

const usage = `gcs-emulator [--port N] [--host ADDR] [--bucket NAME]... [--auto-create-buckets]

Serves the GCS JSON API subset used by @google-cloud/storage from memory.
Point a client at it with apiEndpoint = the printed URL (or STORAGE_EMULATOR_HOST).`

/** Runs the emulator until SIGINT/SIGTERM; prints its URL on the first line of stdout. */
export const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      bucket: { type: "string", multiple: true, default: [] },
      "auto-create-buckets": { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    },
    strict: true
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`)
  const emulator = await startGcsEmulator({
    port,
    host: values.host,
    buckets: values.bucket,
    autoCreateBuckets: values["auto-create-buckets"]
  })
  console.log(emulator.url)
  const stop = () => {
    void emulator.close().then(() => process.exit(0))
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}
