// Pure helpers for editing an experiment config in the form.
import type { DesignVariant, ExperimentConfig, FieldError } from '../../../experiments/api'
import { variantLabel } from '../../../experiments/sweep'
export { variantLabel }
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
  /^designs(\.\d+(\.(design|label|options\.\w+))?)?$/,
  /^workload\.(name|params\.\w+)$/,
  /^devices(\.\d+\.(sizeBytes|preset|priority|discard))?$/,
  /^(storage|memoryLimitBytes|cpus|seed|trials|thpOrders|pageCluster|sampleIntervalNs|tickNs|fsyncPerBatch|checkInvariants)$/,
  /^sweep(\.mode|\.axes(\.\d+(\.(path|values)(\.\d+)?)?)?)?$/
]

export function unplacedErrors(errors: FieldError[]): FieldError[] {
  return errors.filter((e) => !PLACED.some((re) => re.test(e.field)))
}

/** The form's labels of the experiment's own fields (design options and workload params take theirs from the catalogue). */
const TOP_LABELS: Record<string, string> = {
  '': 'Config',
  '(config)': 'Config',
  name: 'Name',
  designs: 'Designs',
  workload: 'Workload',
  'workload.name': 'Workload',
  'workload.params': 'Workload parameters',
  devices: 'Swap devices',
  storage: 'Page data',
  memoryLimitBytes: 'Memory limit',
  cpus: 'CPUs',
  seed: 'Seed',
  trials: 'Trials',
  thpOrders: 'mTHP orders',
  pageCluster: 'page-cluster',
  sampleIntervalNs: 'Sample every',
  tickNs: 'Scheduler tick',
  fsyncPerBatch: 'fdatasync each write batch',
  checkInvariants: 'Check invariants',
  costProfile: 'Cost model',
  sensitivity: 'Sensitivity runs',
  sweep: 'Sweep',
  'sweep.mode': 'Combine axes',
  'sweep.axes': 'Sweep axes',
  deviceDir: 'Device folder'
}
const DEVICE_LABELS: Record<string, string> = {
  sizeBytes: 'Device size',
  preset: 'Swap device',
  priority: 'Priority',
  discard: 'Discard freed clusters'
}

/** What fieldLabel needs of the catalogue: the designs' options and the workloads' params with their labels. */
export interface LabelCatalogue {
  designs: Pick<DesignInfo, 'name' | 'options'>[]
  workloads: WorkloadInfo[]
}

/**
 * A schema path as the form names it, for the side panel and messages: "designs.1.options.phase"
 * -> "Design 2 (swap-table): Phase", "workload.params.tasks" -> "Tasks", "sweep.axes.0.values.2"
 * -> "Sweep Tasks: value 3 (4)". Never a bare schema path.
 */
export function fieldLabel(path: string, config?: ExperimentConfig | null, catalogue?: LabelCatalogue | null): string {
  if (path in TOP_LABELS) return TOP_LABELS[path]
  const parts = path.split('.')
  const n = Number(parts[1])
  if (parts[0] === 'designs' && Number.isInteger(n)) {
    const d = config?.designs[n]
    const who = `Design ${n + 1}${d ? ` (${variantLabel(d)})` : ''}`
    if (parts.length === 2) return who
    if (parts[2] === 'design') return `Design ${n + 1}`
    if (parts[2] === 'label') return `Design ${n + 1}: label`
    if (parts[2] === 'options' && parts[3]) {
      const spec = catalogue?.designs.find((x) => x.name === d?.design)?.options.find((o) => o.key === parts[3])
      return `${who}: ${spec?.label ?? words(parts[3])}`
    }
    return `${who}: ${words(parts.slice(2).join(' '))}`
  }
  if (parts[0] === 'workload' && parts[1] === 'params' && parts[2]) {
    const spec = catalogue?.workloads.find((w) => w.name === config?.workload.name)?.params.find((p) => p.key === parts[2])
    return spec?.label ?? words(parts[2])
  }
  if (parts[0] === 'devices' && Number.isInteger(n)) {
    const many = (config?.devices.length ?? 1) > 1 ? ` ${n + 1}` : ''
    if (parts.length === 2) return `Swap device${many || ' 1'}`
    return `${DEVICE_LABELS[parts[2]] ?? words(parts[2])}${many}`
  }
  if (parts[0] === 'sweep' && parts[1] === 'axes' && Number.isInteger(Number(parts[2]))) {
    const i = Number(parts[2])
    const axis = config?.sweep?.axes[i]
    const workload = catalogue?.workloads.find((w) => w.name === config?.workload.name)
    const name = axis ? (sweepablePaths(workload).find((a) => a.path === axis.path)?.label ?? axis.path) : `row ${i + 1}`
    const j = Number(parts[4])
    if (parts[3] === 'values' && Number.isInteger(j)) {
      const v = axis?.values[j]
      return `Sweep ${name}: value ${j + 1}${v === undefined ? '' : ` (${String(v)})`}`
    }
    return `Sweep ${name}`
  }
  if (parts[0] === 'sensitivity') return `Sensitivity runs: ${words(parts.slice(1).join(' '))}`
  return words(path) || 'Config'
}

/**
 * A field of a run's engine config (as Compare's config table lists them) by the name the form
 * gives it: "memoryLimitBytes" -> "Memory limit", "workload.params.tasks" -> "Tasks",
 * "devices.0.sizeBytes" -> "Device size", "devices.1.preset" -> "Swap device 2",
 * "designOptions.phase" -> "Phase (design option)".
 */
export function configLabel(path: string): string {
  if (path.startsWith('designOptions.')) return `${words(path.slice('designOptions.'.length))} (design option)`
  // A run's devices beyond the first are numbered (the form numbers them when it has several).
  const dev = /^devices\.(\d+)\.(.+)$/.exec(path)
  if (dev && Number(dev[1]) > 0) return `${DEVICE_LABELS[dev[2]] ?? words(dev[2])} ${Number(dev[1]) + 1}`
  return fieldLabel(path)
}

function words(p: string): string {
  const w = p
    .split(/[.\s]/)
    .filter((x) => x && !/^\d+$/.test(x) && x !== 'params' && x !== 'options')
    .map((x) =>
      x
        .replace(/(Bytes|Ns)$/, '')
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .toLowerCase()
    )
    .join(' ')
  return w ? w[0].toUpperCase() + w.slice(1) : w
}
