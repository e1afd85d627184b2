// Pure helpers for editing an experiment config in the form.
import type { DesignVariant, ExperimentConfig, FieldError } from '../../../experiments/api'
export { variantLabel } from '../../../experiments/sweep'
import { resolveEngineConfig, type DesignInfo, type DesignName, type ParamSpec, type WorkloadInfo } from '../../../engine/pure'

/** Defaults of every spec that has one (optional specs, e.g. a kernel's modules folder, stay absent). */
export function specDefaults(specs: ParamSpec[]): Record<string, number | string | boolean> {
  return Object.fromEntries(specs.filter((s) => !s.optional).map((s) => [s.key, s.default]))
}

/** A new experiment that runs as it is: two designs on usemem, the engine's defaults elsewhere. */
export function scratchConfig(designs: DesignInfo[], workloads: WorkloadInfo[]): ExperimentConfig {
  const e = resolveEngineConfig({})
  const w = workloads.find((x) => x.name === e.workload.name)
  const variant = (name: DesignName): DesignVariant => ({
    design: name,
    options: specDefaults(designs.find((d) => d.name === name)?.options ?? [])
  })
  return {
    name: 'New experiment',
    designs: [variant('cluster'), variant('swap-table')],
    workload: { name: e.workload.name, params: w ? specDefaults(w.params) : e.workload.params },
    devices: e.devices,
    storage: e.storage,
    memoryLimitBytes: e.memoryLimitBytes,
    cpus: e.cpus,
    seed: e.seed,
    trials: 1,
    thpOrders: e.thpOrders,
    pageCluster: e.pageCluster,
    sampleIntervalNs: e.sampleIntervalNs,
    tickNs: e.tickNs,
    fsyncPerBatch: e.fsyncPerBatch,
    checkInvariants: e.checkInvariants,
    sweep: null
  }
}

/** "1, 2, 4" -> [1, 2, 4]; "true" -> true; anything else stays a string. */
export function parseSweepValues(text: string): (number | string | boolean)[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (s === 'true' ? true : s === 'false' ? false : s !== '' && Number.isFinite(Number(s)) ? Number(s) : s))
}

/** Paths a sweep can vary, with their labels (experiment fields first, then workload params). */
export function sweepablePaths(workload: WorkloadInfo | undefined): { path: string; label: string }[] {
  const fixed = [
    { path: 'cpus', label: 'CPUs' },
    { path: 'memoryLimitBytes', label: 'Memory limit (bytes)' },
    { path: 'devices.0.preset', label: 'Device preset' },
    { path: 'devices.0.sizeBytes', label: 'Device size (bytes)' },
    { path: 'pageCluster', label: 'page-cluster' }
  ]
  return [
    ...fixed,
    ...(workload?.params ?? [])
      .filter((p) => p.kind !== 'string')
      .map((p) => ({ path: `workload.params.${p.key}`, label: `${workload!.title.split(' ')[0]}: ${p.label}` }))
  ]
}

/** Errors for one field; with prefix, also errors of everything below it. */
export function errorsAt(errors: FieldError[], path: string, prefix = false): string[] {
  return errors.filter((e) => e.field === path || (prefix && e.field.startsWith(`${path}.`))).map((e) => e.message)
}

/** Fields the form shows a message beside; other errors are listed above the start button. */
const PLACED = [
  /^name$/,
  /^designs(\.\d+\.(design|label|options\.\w+))?$/,
  /^workload\.(name|params\.\w+)$/,
  /^devices(\.\d+\.(sizeBytes|preset|priority|discard))?$/,
  /^(storage|memoryLimitBytes|cpus|seed|trials|thpOrders|pageCluster|sampleIntervalNs|tickNs|fsyncPerBatch|checkInvariants)$/,
  /^sweep(\.mode|\.axes(\.\d+(\.(path|values)(\.\d+)?)?)?)?$/
]

export function unplacedErrors(errors: FieldError[]): FieldError[] {
  return errors.filter((e) => !PLACED.some((re) => re.test(e.field)))
}
