#!/usr/bin/env node
// Runs the TypeScript sources through tsx: the emulator is a private test tool, never built.
import { register } from "tsx/esm/api"

register()
const { main } = await import("../src/cli.ts")
await main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : e)
  process.exit(2)
})
