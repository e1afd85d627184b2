// The `swaplab` program: commander's root command set up the lab's way (output through CliIo,
// errors as one `swaplab: ...` line with exit 2, help on stdout with exit 0), and the helpers
// every command module uses to add itself. A command module exports one function of type
// RegisterCommand; commands.ts lists them in help order (see main/README.md).

import { Command, CommanderError, type Option } from 'commander'
import { commandPath, labError, parsedArgs, UsageError, valueOption, type ParsedArgs } from './args'

export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  /** Is stderr a terminal (progress bar) or not (plain lines)? */
  stderrTty: boolean
  columns?: number
  env: NodeJS.ProcessEnv
  appVersion: string
}

export interface CliContext {
  io: CliIo
  /** What the command's action returned: 0 ok, 1 a run failed, 2 bad input, 130/143 signals. */
  exitCode: number
}

/** A command's body: its parsed options and operands in, an exit code out. */
export type CommandBody = (args: ParsedArgs, io: CliIo) => Promise<number>

/** Adds one command (with its options, help and action) to the program. */
export type RegisterCommand = (program: Command, cli: CliContext) => void

const ROOT_NOTES = `
Every command takes --db FILE (default: SWAPLAB_DB, else swaplab.db in the user's data folder).
Without run ids, compare and export use the most recent experiment. docs/cli.md has the long
form with examples.

Exit codes: 0 all runs done, 1 a run failed / was cancelled or interrupted (or an unexpected
error), 2 bad input (the message names the field), 130/143 stopped by SIGINT/SIGTERM.
`

/** The root command, before any command is registered on it (subcommands inherit its output settings). */
export function createProgram(io: CliIo): Command {
  const program = new Command('swaplab')
  program
    .usage('<command> [options]')
    .description('Swap Lab: Linux swap designs, simulated and on real kernels, side by side.')
    .enablePositionalOptions()
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t), outputError: () => undefined })
    .exitOverride((e) => {
      throw labError(e, program)
    })
    .version(`swaplab ${io.appVersion}`, '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .configureHelp({ optionDescription: (o) => o.description })
    .addHelpText('after', ROOT_NOTES)
  return program
}

/**
 * A command under `parent`: `nameAndArgs` as commander takes it ('show <id>', 'compare [ids...]').
 * Its commander errors become the lab's one-line messages naming this command.
 */
export function addCommand(parent: Command, nameAndArgs: string, description: string): Command {
  const cmd = parent.command(nameAndArgs).description(description)
  cmd.exitOverride((e) => {
    throw labError(e, cmd)
  })
  return cmd
}

/** --db, which every command that opens the run store takes. */
export function dbOption(): Option {
  return valueOption('--db <file>', 'the run database (default: SWAPLAB_DB, else swaplab.db in the user data folder)')
}

/** The action of a command whose body reads ParsedArgs and returns an exit code. */
export function action(cli: CliContext, body: CommandBody): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    cli.exitCode = await body(parsedArgs(args.at(-1) as Command), cli.io)
  }
}

/** Help or --version was printed: commander's way out with exit code 0. */
export const isHelpOrVersion = (e: unknown): boolean => e instanceof CommanderError && e.exitCode === 0

/**
 * `swaplab help [command...]`: the help of a command or subcommand (`help kernels fetch`), the
 * same text as `--help`; an unknown name is refused like an unknown command. Registered last.
 */
export const registerHelp: RegisterCommand = (program) => {
  addCommand(program, 'help [command...]', 'help for a command (the same as swaplab <command> --help)').action(async (words: string[]) => {
    let cmd = program
    for (const word of words) {
      const sub = cmd.commands.find((c) => c.name() === word && c.name() !== 'help')
      if (!sub) {
        const names = cmd
          .createHelp()
          .visibleCommands(cmd)
          .map((c) => c.name())
        const where = commandPath(cmd)
        throw new UsageError(`unknown ${where ? `${where} ` : ''}command "${word}"; expected one of ${names.join(', ')}`)
      }
      cmd = sub
    }
    cmd.outputHelp()
  })
}
