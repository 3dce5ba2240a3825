/**
 * The `odum` program: the root command and how failures become exit statuses. Each
 * command group lives in `commands/<group>.ts` and is added to `subcommands` here, so
 * groups never touch each other.
 *
 * Exit statuses: 0 success; 2 bad input (a usage error, or an input a command refused,
 * such as a malformed instrument id), with one line on stderr; 1 anything else, also one
 * line; 130 interrupted.
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import type { Teardown } from "@effect/platform/Runtime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import pkg from "../package.json" with { type: "json" }
import { backtest } from "./commands/backtest.js"
import { data } from "./commands/data.js"
import { instrument } from "./commands/instrument.js"

/** The command groups under `odum`. */
const subcommands = [instrument, data, backtest] as const

/** The root `odum` command. */
export const odum = Command.make("odum").pipe(
  Command.withDescription("Odum execution services: instruments, market data, backtests."),
  Command.withSubcommands(subcommands)
)

/** A failure that has been reported already and only needs the process to exit with `code`. */
export class ExitCode extends Data.TaggedError("ExitCode")<{ readonly code: number }> {}

/** Errors whose message is the whole story: the input was wrong, so the status is 2. */
const BAD_INPUT_TAGS: ReadonlySet<string> = new Set(["InstrumentIdError"])

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : undefined

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error) ?? String(error)

/**
 * Runs `odum` on `process.argv`. Every failure is reported here as one line on stderr
 * (usage errors are reported by @effect/cli itself) and becomes an `ExitCode`.
 */
export const run = (argv: ReadonlyArray<string>) =>
  Command.run(odum, { name: "odum", version: pkg.version })(argv).pipe(
    Effect.catchAll((error) => {
      if (ValidationError.isValidationError(error)) return Effect.fail(new ExitCode({ code: 2 }))
      const code = BAD_INPUT_TAGS.has(tagOf(error) ?? "") ? 2 : 1
      return Effect.zipRight(Console.error(`odum: ${oneLine(messageOf(error))}`), Effect.fail(new ExitCode({ code })))
    }),
    Effect.catchAllDefect((defect) =>
      Effect.zipRight(
        Console.error(`odum: internal error: ${oneLine(messageOf(defect))}`),
        Effect.fail(new ExitCode({ code: 1 }))
      )
    )
  )

/** Maps the program's exit to the process exit status (see the module comment). */
export const teardown: Teardown = (exit, onExit) => {
  if (Exit.isSuccess(exit)) return onExit(0)
  if (Cause.isInterruptedOnly(exit.cause)) return onExit(130)
  const failure = Cause.failureOption(exit.cause)
  onExit(Option.isSome(failure) && failure.value instanceof ExitCode ? failure.value.code : 1)
}
