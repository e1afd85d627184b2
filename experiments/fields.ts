// Ranges of every experiment field that is not a design option or workload parameter, in
// the same ParamSpec shape the engine catalogues use: the schema and sweeps both read them.

import {
  DESIGN_CATALOGUE,
  WORKLOAD_CATALOGUE,
  DEVICE_PRESETS,
  MAX_CPUS,
  MAX_DEVICE_BYTES,
  PAGE_SIZE,
  SWAPFILE_CLUSTER,
  BUILTIN_PROFILE_NAMES,
  type CostGroup,
  type ParamSpec
} from '../engine/pure'
import type { ExperimentConfig } from './api'

export type FieldSpec = Pick<ParamSpec, 'kind' | 'min' | 'max' | 'values' | 'unit'>

const TiB = 2 ** 40

/** Smallest swap device the engine accepts: two clusters (one page is the header). */
export const MIN_DEVICE_BYTES = 2 * SWAPFILE_CLUSTER * PAGE_SIZE
export const MAX_SEED = 0xffffffff
export const MAX_TRIALS = 100
/** Most runs one experiment may expand to (designs x sweep points x trials). */
export const MAX_RUNS = 1000

export const TOP_FIELDS = {
  memoryLimitBytes: { kind: 'int', min: 64 * PAGE_SIZE, max: 16 * TiB, unit: 'bytes' },
  cpus: { kind: 'int', min: 1, max: MAX_CPUS, unit: 'count' },
  seed: { kind: 'int', min: 0, max: MAX_SEED },
  trials: { kind: 'int', min: 1, max: MAX_TRIALS, unit: 'count' },
  pageCluster: { kind: 'int', min: 0, max: 5 },
  sampleIntervalNs: { kind: 'int', min: 1000, max: 3600e9, unit: 'ns' },
  tickNs: { kind: 'int', min: 100_000, max: 10_000_000, unit: 'ns' },
  storage: { kind: 'enum', values: ['file', 'metadata-only'] },
  fsyncPerBatch: { kind: 'bool' },
  checkInvariants: { kind: 'bool' },
  costProfile: { kind: 'string' }
} satisfies Record<string, FieldSpec>

/** A cost profile that names a file (anything but the built-in names): only the CLI may give one. */
export function isCostProfileFile(profile: string | undefined): profile is string {
  return profile !== undefined && !(BUILTIN_PROFILE_NAMES as readonly string[]).includes(profile)
}

/** `sensitivity: true`: the groups that set the outcome of most comparisons, halved and doubled. */
export const SENSITIVITY_DEFAULT: { groups: CostGroup[]; factors: number[] } = {
  groups: ['device', 'paths', 'metadata', 'lock'],
  factors: [0.5, 2]
}
export const MAX_SENSITIVITY_FACTORS = 4

export const DEVICE_FIELDS = {
  sizeBytes: { kind: 'int', min: MIN_DEVICE_BYTES, max: MAX_DEVICE_BYTES, unit: 'bytes' },
  preset: { kind: 'enum', values: [...DEVICE_PRESETS] },
  priority: { kind: 'int', min: -1, max: 32767 },
  discard: { kind: 'bool' }
} satisfies Record<string, FieldSpec>

export const MAX_DEVICES = 32
export const MAX_DESIGNS = 16

/**
 * The spec of a sweepable path in this config, or an error message saying why it is not.
 * Paths: top-level fields, devices.N.<field>, workload.params.<key>, options.<key> (a design
 * option every listed design has).
 */
export function sweepFieldSpec(config: Pick<ExperimentConfig, 'designs' | 'workload' | 'devices'>, path: string): FieldSpec | string {
  const parts = path.split('.')
  if (parts.length === 1 && path in TOP_FIELDS) {
    if (path === 'trials') return 'trials cannot be swept; set trials instead'
    if (path === 'costProfile') return 'the cost profile cannot be swept; run the experiment once per profile'
    return TOP_FIELDS[path as keyof typeof TOP_FIELDS]
  }
  if (parts[0] === 'devices' && parts.length === 3) {
    const i = Number(parts[1])
    if (!Number.isInteger(i) || i < 0 || i >= config.devices.length)
      return `no device ${parts[1]} (the experiment has ${config.devices.length})`
    const spec = DEVICE_FIELDS[parts[2] as keyof typeof DEVICE_FIELDS]
    return spec ?? `not a device field; expected one of ${Object.keys(DEVICE_FIELDS).join(', ')}`
  }
  if (parts[0] === 'workload' && parts[1] === 'params' && parts.length === 3) {
    const w = WORKLOAD_CATALOGUE.find((x) => x.name === config.workload.name)
    const spec = w?.params.find((p) => p.key === parts[2])
    if (!spec) return `not a parameter of workload ${config.workload.name}; expected one of ${w?.params.map((p) => p.key).join(', ')}`
    if (spec.kind === 'string') return 'text parameters cannot be swept'
    return spec
  }
  if (parts[0] === 'options' && parts.length === 2) {
    let spec: ParamSpec | undefined
    for (const v of config.designs) {
      spec = DESIGN_CATALOGUE.find((d) => d.name === v.design)?.options.find((o) => o.key === parts[1])
      if (!spec) return `not an option of design ${v.design}; list the design variants in designs instead`
    }
    return spec ?? 'no designs to apply it to'
  }
  return `cannot be swept; expected a numeric or enum field such as ${Object.keys(TOP_FIELDS)
    .filter((k) => k !== 'trials' && k !== 'costProfile')
    .join(', ')}, devices.N.<field>, workload.params.<key> or options.<key>`
}
