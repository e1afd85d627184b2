// What every `swaplab` command shares about its words. Commands declare their options once,
// as commander options (flags, value placeholder, help text); commander parses argv against
// that list and writes `--help` / `swaplab help <command>` from the same list. This file has
// the option kinds the lab uses, the lab's one-line messages for commander's errors, and the
// ParsedArgs view the command bodies read (every value of an option, in order).

import { type Command, type CommanderError, Option } from 'commander'

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface ParsedArgs {
  positional: string[]
  /** Every value given for each option (by its long name without --), in order; a bare flag is "true". */
  options: Map<string, string[]>
}

const longName = (o: Option): string => o.long ?? o.short ?? o.flags

/**
 * An option that takes a value (`--key value` or `--key=value`). Every value given is kept, in
 * order: repeatable options (--design, --sweep, --set) read them all, the others the last one.
 * A value that is itself a --flag means the value was left out.
 */
export function valueOption(flags: string, description: string): Option {
  const o = new Option(flags, description)
  return o.argParser((v: string, previous: unknown): string[] => {
    if (v.startsWith('--') && v.length > 2) throw new UsageError(`${longName(o)} needs a value`)
    return [...(Array.isArray(previous) ? (previous as string[]) : []), v]
  })
}

/** A flag without a value (`--json`). */
export function flagOption(flags: string, description: string): Option {
  return new Option(flags, description)
}

/**
 * A flag that may also be given true or false (`--random`, `--random=false`, `--random false`),
 * so a flag can turn off what a preset or config file turned on. Only for commands without
 * positional arguments: the optional value would take the next word.
 */
export function switchOption(flag: string, description: string): Option {
  // Bare, commander stores true (parsedArgs reads it as "true"); with a value, the parser runs.
  return new Option(`${flag} [bool]`, description).argParser((v: string, previous: unknown): string[] => {
    if (v !== 'true' && v !== 'false') throw new UsageError(`${flag} takes no value, or true or false; got "${v}"`)
    return [...(Array.isArray(previous) ? (previous as string[]) : []), v]
  })
}

/** The options and operands commander parsed for `cmd`, as the command bodies read them. */
export function parsedArgs(cmd: Command): ParsedArgs {
  const options = new Map<string, string[]>()
  for (const o of cmd.options) {
    const v: unknown = cmd.getOptionValue(o.attributeName())
    if (v === undefined) continue
    // A value option holds every value given; a flag given bare holds true.
    options.set(longName(o).replace(/^--?/, ''), Array.isArray(v) ? v.map(String) : [String(v)])
  }
  return { positional: [...cmd.args], options }
}

/** "kernels fetch" for the fetch subcommand of kernels (the program's own name left out). */
export function commandPath(cmd: Command): string {
  const names: string[] = []
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/** What a command says when it gets too few or too many positional arguments (else a generic line). */
const argumentMessages = new WeakMap<Command, string>()
export function argumentsMessage(cmd: Command, message: string): Command {
  argumentMessages.set(cmd, message)
  return cmd
}

/**
 * Commander's error for `cmd` as the lab's one line (the caller prints `swaplab: <message>` and
 * exits 2). Help and version output (exit code 0) are passed through unchanged.
 */
export function labError(err: CommanderError, cmd: Command): Error {
  if (err.exitCode === 0) return err
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? ''
  const where = commandPath(cmd)
  const help = where ? `swaplab ${where} --help` : 'swaplab help'
  switch (err.code) {
    case 'commander.unknownOption': {
      const eq = quoted.indexOf('=')
      const known = eq > 0 ? cmd.options.find((o) => o.long === quoted.slice(0, eq)) : undefined
      if (known) return new UsageError(`${known.long} takes no value; got "${quoted}"`)
      const similar = /Did you mean (.+)\?/.exec(err.message)?.[1]
      return new UsageError(`unknown option ${quoted}${similar ? ` (did you mean ${similar}?)` : ''}; see \`${help}\``)
    }
    case 'commander.optionMissingArgument':
      return new UsageError(`${quoted.split(/[ ,]/).find((w) => w.startsWith('--')) ?? quoted} needs a value`)
    case 'commander.missingArgument':
      return new UsageError(argumentMessages.get(cmd) ?? `${where} needs ${quoted.toUpperCase()}; see \`${help}\``)
    case 'commander.excessArguments': {
      const message = argumentMessages.get(cmd)
      if (message) return new UsageError(message)
      const extra = cmd.args[cmd.registeredArguments.length]
      return new UsageError(
        cmd.registeredArguments.length
          ? `unexpected argument "${extra}"; see \`${help}\``
          : `unexpected argument "${extra}"; ${where} takes options only`
      )
    }
    case 'commander.unknownCommand': {
      const names = cmd
        .createHelp()
        .visibleCommands(cmd)
        .map((c) => c.name())
      return new UsageError(`unknown ${where ? `${where} ` : ''}command "${quoted}"; expected one of ${names.join(', ')}`)
    }
    default:
      return new UsageError(err.message.replace(/^error: /, '').replace(/\n/g, ' '))
  }
}

/** "4" -> 4, "true" -> true, "64MiB" stays text (the schema reads sizes). */
export function coerce(v: string): number | string | boolean {
  if (v === 'true') return true
  if (v === 'false') return false
  if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim())) return Number(v)
  return v
}

export const kebab = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** The last value of an option, or undefined. */
export function last(args: ParsedArgs, key: string): string | undefined {
  return args.options.get(key)?.at(-1)
}

/** Run ids from positional words; refuses anything that is not a positive integer. */
export function runIdsFrom(words: string[]): number[] {
  return words.map((w) => {
    const n = Number(w)
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`"${w}" is not a run id (a positive integer)`)
    return n
  })
}
