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
    // Automatic: about 300 samples over each run (experiments/estimate.ts).
    sampleIntervalNs: 0,
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

/** A schema path as the form names it: "designs.1.options.phase" -> "design 2: phase", "sweep.axes.0" -> "sweep row 1". */
export function fieldLabel(path: string): string {
  if (!path) return 'config'
  const m = /^(designs|devices|sweep\.axes)\.(\d+)(?:\.(.*))?$/.exec(path)
  const words = (p: string): string =>
    p
      .replace(/^(options|params)\./, '')
      .split('.')
      .filter((x) => !/^\d+$/.test(x) && x !== 'params' && x !== 'options')
      .map((x) =>
        x
          .replace(/(Bytes|Ns)$/, '')
          .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
          .toLowerCase()
      )
      .join(' ')
  if (m) {
    const what = m[1] === 'designs' ? 'design' : m[1] === 'devices' ? 'device' : 'sweep row'
    const rest = m[3] ? words(m[3]) : ''
    return `${what} ${Number(m[2]) + 1}${rest ? `: ${rest}` : ''}`
  }
  return words(path) || path
}
