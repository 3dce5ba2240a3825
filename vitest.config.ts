import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

export default defineConfig({
  test: {
    projects,
    // Integration tests share PostgreSQL, Redis and local ports; two cores run them well.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2 } }
  }
})
