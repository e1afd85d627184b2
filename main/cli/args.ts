// Command-line words to options: `--key value`, `--key=value`, `--flag`, repeated keys, and
// positional arguments. Which keys exist is each command's business (see commands.ts).

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface ParsedArgs {
  positional: string[]
  /** Every value given for each option, in order; a bare flag is "true". */
  options: Map<string, string[]>
}

/**
 * Parses argv. `booleans` are flags that take no value (`--json`); any other option takes the
 * next word unless written as --key=value. Options outside `known` are refused by name.
 */
export function parseArgs(argv: string[], booleans: ReadonlySet<string>, known?: ReadonlySet<string>): ParsedArgs {
  const positional: string[] = []
  const options = new Map<string, string[]>()
  const add = (k: string, v: string): void => void options.set(k, [...(options.get(k) ?? []), v])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    if (!a.startsWith('--') || a === '--') {
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const key = a.slice(2, eq < 0 ? undefined : eq)
    if (known && !known.has(key) && !booleans.has(key)) throw new UsageError(`unknown option --${key}`)
    if (eq >= 0) add(key, a.slice(eq + 1))
    else if (booleans.has(key)) add(key, 'true')
    else {
      const v = argv[i + 1]
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`--${key} needs a value`)
      add(key, v)
      i++
    }
  }
  return { positional, options }
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
