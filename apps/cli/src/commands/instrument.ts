/**
 * `odum instrument ...`: canonical instrument ids from the command line. Each command
 * prints one line of JSON on stdout; a bad id fails with the library's
 * `InstrumentIdError`, which `Cli.run` turns into one line on stderr and exit status 2.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Ccxt, Deribit, Ib, InstrumentId } from "@odum/instrument-id"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

const id = Args.text({ name: "id" }).pipe(
  Args.withDescription("a canonical instrument id, e.g. BINANCE-FUTURES:PERPETUAL:BTC-USDT")
)

const printJson = (value: unknown) => Console.log(JSON.stringify(value))

/** `odum instrument parse <id>`: the structured key of an id. */
export const parse = Command.make("parse", { id }, ({ id }) =>
  Effect.flatMap(InstrumentId.parse(id), printJson)
).pipe(Command.withDescription("Parse a canonical id and print its key as JSON."))

const to = Options.choice("to", ["ccxt", "deribit", "ib"]).pipe(
  Options.withDescription("the venue form: ccxt {exchange, symbol}, deribit {instrument_name} or ib (contract fields)")
)

/** `odum instrument convert <id> --to ccxt|deribit|ib`: the venue's own name for an instrument. */
export const convert = Command.make("convert", { id, to }, ({ id, to }) =>
  Effect.gen(function* () {
    const key = yield* InstrumentId.parse(id)
    switch (to) {
      case "ccxt":
        return yield* printJson(yield* Ccxt.toCcxt(key))
      case "deribit":
        return yield* printJson(yield* Deribit.toDeribit(key))
      case "ib":
        return yield* printJson(yield* Ib.toIb(key))
    }
  })
).pipe(Command.withDescription("Convert a canonical id to its ccxt, Deribit or Interactive Brokers form (JSON)."))

/** The `instrument` command group. */
export const instrument = Command.make("instrument").pipe(
  Command.withDescription("Canonical instrument ids: parse them and convert them to venue forms."),
  Command.withSubcommands([parse, convert])
)
