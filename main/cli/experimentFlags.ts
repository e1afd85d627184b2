// `swaplab run` options to an experiment config: a config file or preset as the base, then
// flags on top. Flag names come from the same catalogues and field table as the schema, so
// every design option and workload parameter has a flag (--phase, --tasks, --size-bytes...).
// The result is validated by the experiment schema like any other config.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { DESIGN_CATALOGUE, WORKLOAD_CATALOGUE } from '../../engine/pure'
import { TOP_FIELDS } from '../../experiments/fields'
import { findPreset, presets } from '../../experiments/presets'
import { findUnsafeKey, unsafeSegment } from '../../experiments/sweep'
import { coerce, kebab, UsageError, type ParsedArgs } from './args'

type Config = Record<string, unknown> & {
  designs?: Record<string, unknown>[]
  workload?: { name?: unknown; params?: Record<string, unknown> }
  devices?: Record<string, unknown>[]
}

const DESIGN_OPTION_FLAGS = new Map(DESIGN_CATALOGUE.flatMap((d) => d.options.map((o) => [kebab(o.key), o] as const)))
const WORKLOAD_PARAM_FLAGS = new Map(WORKLOAD_CATALOGUE.flatMap((w) => w.params.map((p) => [kebab(p.key), p] as const)))
const TOP_FLAGS = new Map(Object.entries(TOP_FIELDS).map(([key, spec]) => [kebab(key), { key, spec }] as const))

/** Options of `run` that are not experiment fields. */
export const RUN_OWN_OPTIONS = ['config', 'preset', 'db', 'json', 'quiet', 'help']
const STRUCTURE_OPTIONS = [
  'name',
  'design',
  'workload',
  'param',
  'memory-limit',
  'device-size',
  'device-preset',
  'discard',
  'metadata-only',
  'device-dir',
  'thp-orders',
  'sweep',
  'sweep-mode',
  'set',
  'sensitivity',
  'sensitivity-groups',
  'sensitivity-factors'
]

/** Every option `run` knows (the flags of every design option and workload parameter included). */
export const RUN_OPTIONS = new Set<string>([
  ...RUN_OWN_OPTIONS,
  ...STRUCTURE_OPTIONS,
  ...TOP_FLAGS.keys(),
  ...DESIGN_OPTION_FLAGS.keys(),
  ...WORKLOAD_PARAM_FLAGS.keys()
])

/** Flags that take no value. */
export const RUN_BOOLEAN_FLAGS = new Set<string>([
  'json',
  'quiet',
  'help',
  'discard',
  'metadata-only',
  'sensitivity',
  ...[...DESIGN_OPTION_FLAGS].filter(([, o]) => o.kind === 'bool').map(([f]) => f),
  ...[...WORKLOAD_PARAM_FLAGS].filter(([, p]) => p.kind === 'bool').map(([f]) => f),
  ...[...TOP_FLAGS].filter(([, t]) => t.spec.kind === 'bool').map(([f]) => f)
])

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

/** Builds the experiment config that `run` submits; unknown options are refused by name. */
export function experimentFromArgs(args: ParsedArgs): Config {
  const c = loadBase(args)
  // Paths in a config file are relative to the file.
  const file = args.options.get('config')?.at(-1)
  if (file) absoluteKernelPaths(c.designs, path.dirname(path.resolve(file)))
  const all = (k: string): string[] => args.options.get(k) ?? []
  const one = (k: string): string | undefined => all(k).at(-1)
  const used = new Set<string>([...RUN_OWN_OPTIONS, ...STRUCTURE_OPTIONS])

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
    used.add(flag)
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
    used.add(flag)
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
    used.add(flag)
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

  for (const key of args.options.keys()) {
    if (used.has(key) || DESIGN_OPTION_FLAGS.has(key) || WORKLOAD_PARAM_FLAGS.has(key)) continue
    throw new UsageError(`unknown option --${key}; see \`swaplab help run\``)
  }
  if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"; run takes options only`)
  return c
}
