// `swaplab run` options to an experiment config: a config file or preset as the base, then
// flags on top. Flag names come from the same catalogues and field table as the schema, so
// every design option and workload parameter has a flag (--phase, --tasks, --size-bytes...).
// The result is validated by the experiment schema like any other config.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { Command, Option } from 'commander'
import { DESIGN_CATALOGUE, WORKLOAD_CATALOGUE } from '../../engine/pure'
import { DEVICE_FIELDS, TOP_FIELDS } from '../../experiments/fields'
import { findPreset, presets } from '../../experiments/presets'
import { findUnsafeKey, unsafeSegment } from '../../experiments/sweep'
import { coerce, kebab, labError, parsedArgs, switchOption, UsageError, valueOption, type ParsedArgs } from './args'
import { dbOption as dbOptionIn } from './program'

type Config = Record<string, unknown> & {
  designs?: Record<string, unknown>[]
  workload?: { name?: unknown; params?: Record<string, unknown> }
  devices?: Record<string, unknown>[]
}

const DESIGN_OPTION_FLAGS = new Map(DESIGN_CATALOGUE.flatMap((d) => d.options.map((o) => [kebab(o.key), o] as const)))
const WORKLOAD_PARAM_FLAGS = new Map(WORKLOAD_CATALOGUE.flatMap((w) => w.params.map((p) => [kebab(p.key), p] as const)))
const TOP_FLAGS = new Map(Object.entries(TOP_FIELDS).map(([key, spec]) => [kebab(key), { key, spec }] as const))

type ParamLike = { key: string; label: string; kind: string; values?: (string | number)[]; unit?: string }

/** The value placeholder of a catalogue field in help: <size> for bytes, <n> for numbers, <name> for words. */
function placeholder(p: Pick<ParamLike, 'kind' | 'values' | 'unit'>): string {
  if (p.unit === 'bytes') return '<size>'
  if (p.kind === 'int' || p.kind === 'number' || (p.kind === 'enum' && p.values?.every((v) => typeof v === 'number'))) return '<n>'
  if (p.kind === 'enum') return '<name>'
  return '<text>'
}

/** The choices of an enum, for its help line. */
const choices = (p: Pick<ParamLike, 'kind' | 'values'>): string => (p.kind === 'enum' ? ` (${(p.values ?? []).join(', ')})` : '')

/** One option per flag; a flag shared by several owners (--write-ratio) says whose it is once. */
function catalogueOptions(entries: [string, ParamLike, string][], group: string): Option[] {
  const byFlag = new Map<string, { spec: ParamLike; owners: string[] }>()
  for (const [flag, spec, owner] of entries) {
    const e = byFlag.get(flag)
    if (e) e.owners.push(owner)
    else byFlag.set(flag, { spec, owners: [owner] })
  }
  return [...byFlag].map(([flag, { spec, owners }]) => {
    const text = `${owners.join(', ')}: ${spec.label}${choices(spec)}`
    const o = spec.kind === 'bool' ? switchOption(`--${flag}`, text) : valueOption(`--${flag} ${placeholder(spec)}`, text)
    return o.helpGroup(group)
  })
}

/** What the top-level experiment fields mean (the schema has their ranges). */
const TOP_HELP: Record<string, string> = {
  memoryLimitBytes: 'the same as --memory-limit',
  cpus: 'simulated CPUs',
  seed: 'seed of trial 0 (trial i runs with seed + i)',
  trials: 'trials per design and sweep point',
  pageCluster: 'vm.page-cluster (swap readahead is 2^N pages)',
  sampleIntervalNs: 'simulated ns between samples',
  tickNs: 'simulated scheduler tick',
  storage: 'file (real device file) or metadata-only',
  fsyncPerBatch: 'fsync the device file after each write batch',
  checkInvariants: "check the design's invariants after every step (slow)",
  costProfile: 'the cost model of simulated times: default, host (fitted by calibrate) or a profile FILE'
}

const GROUP = {
  base: 'Base (flags override it):',
  experiment: 'Experiment:',
  design: 'Design options (applied to every listed design that has them):',
  workload: 'Workload parameters (of the chosen --workload; also --param KEY=VALUE):',
  cost: 'Cost model:',
  sweep: 'Sweeps and any field:',
  output: 'Output:'
}

/**
 * Every option of `swaplab run`, parsed and listed in its help from this one list. Design
 * options, workload parameters and top-level fields come from the engine catalogues and the
 * schema's field table, so a new parameter gets its flag (and its help line) by itself.
 */
export function runOptions(): Option[] {
  const value = (flags: string, text: string, group: string): Option => valueOption(flags, text).helpGroup(group)
  const flag = (name: string, text: string, group: string): Option => switchOption(name, text).helpGroup(group)
  const top = [...TOP_FLAGS].map(([f, { key, spec }]) =>
    spec.kind === 'bool'
      ? flag(`--${f}`, TOP_HELP[key] ?? key, key === 'costProfile' ? GROUP.cost : GROUP.experiment)
      : value(
          `--${f} ${key === 'costProfile' ? '<profile>' : placeholder(spec)}`,
          `${TOP_HELP[key] ?? key}${key === 'storage' ? '' : choices(spec)}`,
          key === 'costProfile' ? GROUP.cost : GROUP.experiment
        )
  )
  return [
    value('--config <file>', 'an experiment config (JSON, docs/cli.md)', GROUP.base),
    value('--preset <name>', 'a shipped preset (swaplab presets)', GROUP.base),
    value('--name <text>', 'the experiment name', GROUP.experiment),
    value(
      '--design <design>',
      `repeatable: NAME[:opt=value,...], NAME one of ${DESIGN_CATALOGUE.map((d) => d.name).join(', ')}`,
      GROUP.experiment
    ),
    value('--workload <name>', WORKLOAD_CATALOGUE.map((w) => w.name).join(', '), GROUP.experiment),
    value('--param <key=value>', 'repeatable: a workload parameter by its own name', GROUP.experiment),
    value('--memory-limit <size>', 'memory cgroup limit (below what the workload touches)', GROUP.experiment),
    value('--device-size <size>', 'size of every device', GROUP.experiment),
    value('--device-preset <name>', `timings of every device (${DEVICE_FIELDS.preset.values.join(', ')})`, GROUP.experiment),
    flag('--discard', 'discard freed clusters on every device', GROUP.experiment),
    flag('--metadata-only', 'the same as --storage metadata-only', GROUP.experiment),
    value('--device-dir <dir>', 'folder for the device files (default: SWAPLAB_DEVICE_DIR, else the temp folder)', GROUP.experiment),
    value('--thp-orders <list>', 'folio orders the workload may use, e.g. 0,4', GROUP.experiment),
    ...top.filter((o) => o.helpGroupHeading === GROUP.experiment),
    ...catalogueOptions(
      DESIGN_CATALOGUE.flatMap((d) => d.options.map((o) => [kebab(o.key), o, d.name] as [string, ParamLike, string])),
      GROUP.design
    ),
    ...catalogueOptions(
      WORKLOAD_CATALOGUE.flatMap((w) => w.params.map((p) => [kebab(p.key), p, w.name] as [string, ParamLike, string])),
      GROUP.workload
    ),
    ...top.filter((o) => o.helpGroupHeading === GROUP.cost),
    flag('--sensitivity', 'rerun each design with each cost group x0.5 and x2; compare says whether each difference holds', GROUP.cost),
    value('--sensitivity-groups <a,b>', 'device, paths, metadata, lock, compression (default: all but compression)', GROUP.cost),
    value('--sensitivity-factors <x,y>', 'the factors (default 0.5,2)', GROUP.cost),
    value('--sweep <path=v1,v2,...>', 'repeatable; e.g. --sweep workload.params.tasks=1,2,4', GROUP.sweep),
    value('--sweep-mode <mode>', 'grid: every combination (default); list: the i-th values together', GROUP.sweep),
    value(
      '--set <path=value>',
      'repeatable: any config field by its path, e.g. --set devices.1.preset=zram (JSON values allowed)',
      GROUP.sweep
    ),
    dbOptionIn().helpGroup(GROUP.output),
    flag('--json', 'print the runs and their summaries as JSON on stdout', GROUP.output),
    flag('--quiet', 'no progress on stderr (a bar on a terminal, plain lines otherwise)', GROUP.output)
  ]
}

const RUN_NOTES = `
Sizes take units (64MiB, 1GiB, 4096); other values are plain numbers. A flag without a value
may be given one: --random=false turns off what a preset or config file turned on.

Kernel runs (usemem and thp-swap-allocator-test, one file device):
  --design kernel:image=host                               this machine's kernel (needs root)
  --design kernel:image=debian-6.12[,accel=auto|kvm|tcg]   a Debian kernel in QEMU (fetched on first use)
  --design kernel:image=/path/to/bzImage[,modules=DIR]     your own kernel in QEMU
`

/** Adds `run`'s options and notes to a command. */
export function addRunOptions(cmd: Command): Command {
  for (const o of runOptions()) cmd.addOption(o)
  return cmd.addHelpOption(new Option('-h, --help', 'show this help').helpGroup(GROUP.output)).addHelpText('after', RUN_NOTES)
}

/** `run`'s words parsed on their own (for tests and tools): the ParsedArgs experimentFromArgs reads. */
export function parseRunArgs(argv: string[]): ParsedArgs {
  const cmd = addRunOptions(new Command('run'))
  cmd.exitOverride((e) => {
    throw labError(e, cmd)
  })
  cmd.configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined })
  cmd.parse(argv, { from: 'user' })
  return parsedArgs(cmd)
}

/** Refuses a path that would reach Object.prototype (__proto__, constructor, prototype), naming the flag. */
function safePath(flag: string, path: string): string {
  const bad = unsafeSegment(path)
  if (bad) throw new UsageError(`--${flag} ${path}: the path segment "${bad}" is not allowed`)
  return path
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  safePath('set', path)
  const parts = path.split('.')
  let o = target as Record<string, unknown>
  parts.slice(0, -1).forEach((k, i) => {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = /^\d+$/.test(parts[i + 1]) ? [] : {}
    o = o[k] as Record<string, unknown>
  })
  o[parts[parts.length - 1]] = value
}

function splitAssignment(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new UsageError(`--${flag} expects PATH=VALUE; got "${text}"`)
  return [text.slice(0, eq), text.slice(eq + 1)]
}

/** "swap-table:phase=2,discontiguousSwapout=true" -> a design variant. */
function parseDesign(text: string): Record<string, unknown> {
  const [design, opts] = text.split(':', 2)
  const options: Record<string, unknown> = {}
  for (const pair of opts ? opts.split(',') : []) {
    const [k, v] = splitAssignment('design', pair)
    options[safePath('design', k)] = coerce(v)
  }
  return { design, options }
}

function loadBase(args: ParsedArgs): Config {
  const file = args.options.get('config')?.at(-1)
  const preset = args.options.get('preset')?.at(-1)
  if (file && preset) throw new UsageError('give either --config or --preset, not both')
  if (file) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (e) {
      throw new UsageError(`cannot read config file ${file}: ${(e as Error).message}`)
    }
    let parsed: Config
    try {
      parsed = JSON.parse(text) as Config
    } catch (e) {
      throw new UsageError(`config file ${file} is not valid JSON: ${(e as Error).message}`)
    }
    const bad = findUnsafeKey(parsed)
    if (bad) throw new UsageError(`config file ${file}: the key ${bad} is not allowed`)
    return parsed
  }
  if (preset) {
    const p = findPreset(preset)
    if (!p)
      throw new UsageError(
        `unknown preset "${preset}"; expected one of ${presets()
          .map((x) => x.id)
          .join(', ')}`
      )
    return structuredClone(p.config) as unknown as Config
  }
  return {}
}

/** Kernel images and modules named by a relative path: made absolute against `base` (the CLI trusts its user's paths). */
function absoluteKernelPaths(designs: Record<string, unknown>[] | undefined, base: string): void {
  for (const d of designs ?? []) {
    if (d?.design !== 'kernel' || typeof d.options !== 'object' || d.options === null) continue
    const o = d.options as Record<string, unknown>
    if (typeof o.image === 'string' && o.image.includes('/') && !path.isAbsolute(o.image)) o.image = path.resolve(base, o.image)
    if (typeof o.modules === 'string' && !path.isAbsolute(o.modules)) o.modules = path.resolve(base, o.modules)
  }
}

/** Builds the experiment config that `run` submits (commander has refused unknown options already). */
export function experimentFromArgs(args: ParsedArgs): Config {
  const c = loadBase(args)
  // Paths in a config file are relative to the file.
  const file = args.options.get('config')?.at(-1)
  if (file) absoluteKernelPaths(c.designs, path.dirname(path.resolve(file)))
  const all = (k: string): string[] => args.options.get(k) ?? []
  const one = (k: string): string | undefined => all(k).at(-1)

  if (one('name') !== undefined) c.name = one('name')
  if (all('design').length) {
    c.designs = all('design').map(parseDesign)
    absoluteKernelPaths(c.designs, process.cwd())
  }
  const workload = one('workload')
  if (workload !== undefined && workload !== c.workload?.name) c.workload = { name: workload, params: {} }
  c.workload ??= {}

  for (const [flag, { key }] of TOP_FLAGS) {
    const v = one(flag)
    if (v !== undefined) c[key] = coerce(v)
  }
  if (one('memory-limit') !== undefined) c.memoryLimitBytes = coerce(one('memory-limit')!)
  if (one('metadata-only') === 'true') c.storage = 'metadata-only'
  if (one('device-dir') !== undefined) c.deviceDir = one('device-dir')
  if (one('thp-orders') !== undefined) c.thpOrders = one('thp-orders')!.split(',').map(coerce)

  const deviceFields: [string, string][] = [
    ['device-size', 'sizeBytes'],
    ['device-preset', 'preset'],
    ['discard', 'discard']
  ]
  for (const [flag, key] of deviceFields) {
    const v = one(flag)
    if (v === undefined) continue
    c.devices = c.devices?.length ? c.devices : [{}]
    for (const d of c.devices) d[key] = coerce(v)
  }

  for (const [flag, spec] of DESIGN_OPTION_FLAGS) {
    const v = one(flag)
    if (v === undefined) continue
    const owners = (c.designs ?? []).filter((d) =>
      DESIGN_CATALOGUE.find((x) => x.name === d.design)?.options.some((o) => o.key === spec.key)
    )
    if (owners.length === 0)
      throw new UsageError(
        `--${flag}: none of the designs has the option ${spec.key} (it belongs to ${DESIGN_CATALOGUE.filter((d) => d.options.includes(spec))
          .map((d) => d.name)
          .join(', ')})`
      )
    for (const d of owners) d.options = { ...(d.options as object), [spec.key]: coerce(v) }
  }

  const winfo = WORKLOAD_CATALOGUE.find((w) => w.name === c.workload?.name)
  for (const flag of WORKLOAD_PARAM_FLAGS.keys()) {
    const v = one(flag)
    if (v === undefined) continue
    const spec = winfo?.params.find((p) => kebab(p.key) === flag)
    if (!spec) throw new UsageError(`--${flag} is not a parameter of workload ${String(c.workload?.name ?? '(none: give --workload)')}`)
    c.workload.params = { ...(c.workload.params ?? {}), [spec.key]: coerce(v) }
  }
  for (const pair of all('param')) {
    const [k, v] = splitAssignment('param', pair)
    safePath('param', k)
    c.workload.params = { ...(c.workload.params ?? {}), [k]: coerce(v) }
  }

  const axes = all('sweep').map((text) => {
    const [path, values] = splitAssignment('sweep', text)
    safePath('sweep', path)
    return { path, values: values.split(',').map(coerce) }
  })
  if (axes.length) c.sweep = { mode: one('sweep-mode') ?? 'grid', axes }
  else if (one('sweep-mode') !== undefined) throw new UsageError('--sweep-mode needs at least one --sweep PATH=V1,V2')

  const groups = one('sensitivity-groups')
  const factors = one('sensitivity-factors')
  if (groups !== undefined || factors !== undefined)
    c.sensitivity = {
      ...(groups !== undefined ? { groups: groups.split(',') } : {}),
      ...(factors !== undefined ? { factors: factors.split(',').map(coerce) } : {})
    }
  else if (one('sensitivity') === 'true') c.sensitivity = true

  for (const pair of all('set')) {
    const [path, v] = splitAssignment('set', pair)
    safePath('set', path)
    let value: unknown = coerce(v)
    if (/^[[{"]/.test(v)) {
      try {
        value = JSON.parse(v)
      } catch {
        throw new UsageError(`--set ${path}: "${v}" is not valid JSON`)
      }
      const bad = findUnsafeKey(value)
      if (bad) throw new UsageError(`--set ${path}: the key ${bad} is not allowed`)
    }
    setPath(c, path, value)
  }

  return c
}
