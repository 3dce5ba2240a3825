import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** Reads a file of the shared real market data (`/work/shared/data/real`, beside the repository). */
export const readRealData = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../../../shared/data/real/${name}`, import.meta.url)), "utf8")

/** `YYYYMMDD` of a millisecond timestamp, in UTC. */
export const utcYmd = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, "")
