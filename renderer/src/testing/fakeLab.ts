// An in-memory lab for component and store tests: the LabApi contract with deterministic,
// test-driven runs (nothing happens until the test calls step() or finish()).
import type {
  Catalogue,
  CompareData,
  ExperimentConfig,
  FidelityReport,
  FieldError,
  KernelList,
  KernelMark,
  LabEvent,
  Preset,
  RunDetail,
  RunRecord,
  RunStatus,
  ValidationResult
} from '../../../experiments/api'
import {
  DESIGN_CATALOGUE,
  DEVICE_PRESETS,
  SAMPLE_FIELDS,
  WORKLOAD_CATALOGUE,
  checkEngineConfig,
  resolveEngineConfig,
  type Sample
} from '../../../engine/pure'
import type { LabClient, SaveOutcome } from '../transport/types'
import { buildCompare } from '../../../experiments/compare'
import { parseConfigText } from '../../../experiments/configFile'
import { validateExperiment } from '../../../experiments/schema'

const MiB = 2 ** 20

export function baseConfig(over: Partial<ExperimentConfig> = {}): ExperimentConfig {
  const e = resolveEngineConfig({ workload: { name: 'usemem', params: { tasks: 4, sizeBytes: 64 * MiB } }, memoryLimitBytes: 128 * MiB })
  return {
    name: 'Fake experiment',
    designs: [
      { design: 'cluster', options: {} },
      { design: 'swap-table', options: { phase: 4, discontiguousSwapout: false, mthpSwapin: false } }
    ],
    workload: e.workload,
    devices: e.devices,
    storage: 'file',
    memoryLimitBytes: e.memoryLimitBytes,
    cpus: 2,
    seed: 1,
    trials: 1,
    thpOrders: [0],
    pageCluster: 3,
    sampleIntervalNs: 10_000_000,
    tickNs: 4_000_000,
    fsyncPerBatch: false,
    checkInvariants: false,
    sweep: null,
    ...over
  }
}

export const FAKE_PRESETS: Preset[] = [
  {
    id: 'usemem-cluster-vs-table',
    title: 'usemem: cluster vs swap table',
    shows: 'Throughput and metadata of the 6.12 allocator against swap table P4.',
    config: baseConfig({ name: 'usemem: cluster vs swap table' })
  },
  {
    id: 'fill-metadata',
    title: 'Metadata at 50 % fill',
    shows: 'Memory the swap metadata takes per slot.',
    config: baseConfig({ name: 'Metadata at 50 % fill', workload: { name: 'fill', params: { targetPercent: 50 } } })
  }
]

/** Field errors the way the real schema names them (engine checks per design variant, plus experiment fields). */
export function fakeValidate(input: unknown): ValidationResult {
  const c = input as ExperimentConfig
  const errors: FieldError[] = []
  if (!c.name || !String(c.name).trim()) errors.push({ field: 'name', message: 'must not be empty' })
  if (!Array.isArray(c.designs) || c.designs.length === 0) errors.push({ field: 'designs', message: 'choose at least one design' })
  if (!Number.isInteger(c.trials) || c.trials < 1 || c.trials > 100)
    errors.push({ field: 'trials', message: `must be an integer from 1 to 100; got ${c.trials}` })
  const seen = new Set<string>()
  ;(c.designs ?? []).forEach((d, i) => {
    const engine = resolveEngineConfig({
      ...c,
      design: d.design,
      designOptions: d.options,
      workload: c.workload,
      devices: c.devices,
      // 0: automatic, resolved per run by the lab (experiments/estimate.ts).
      sampleIntervalNs: c.sampleIntervalNs || 10_000_000,
      costProfile: c.costProfile && c.costProfile !== 'default' ? { name: c.costProfile } : undefined
    })
    for (const p of checkEngineConfig(engine)) {
      const field =
        p.field === 'design'
          ? `designs.${i}.design`
          : p.field.startsWith('designOptions.')
            ? `designs.${i}.options.${p.field.slice(14)}`
            : p.field
      if (!seen.has(field)) errors.push({ field, message: p.message })
      seen.add(field)
    }
  })
  return errors.length ? { ok: false, errors } : { ok: true, config: c }
}

function fakeSamples(runId: number, n: number): Sample[] {
  const out: Sample[] = []
  for (let i = 0; i < n; i++) {
    const values = Object.fromEntries(
      SAMPLE_FIELDS.map((f, k) => [f, Math.round(1000 * (1 + Math.sin(i / 10 + k + runId)) + i)])
    ) as Sample['values']
    out.push({ tSimNs: i * 10_000_000, tWallMs: i * 2, ops: i * 1000, values })
  }
  return out
}

/** The host, one cached and one fetchable Debian kernel, as the lab service lists them. */
export const FAKE_KERNELS: KernelList = {
  images: [
    { image: 'host', kind: 'host', release: '6.18.1', upstream: '6.18.1', sizeBytes: null, problem: null },
    {
      image: 'debian-6.12.57-1',
      kind: 'cached',
      release: '6.12.57+deb13-cloud-amd64',
      upstream: '6.12.57',
      sizeBytes: 12 * MiB,
      problem: null
    },
    { image: 'debian-6.1.170-3', kind: 'available', release: '6.1.0-47-cloud-amd64', upstream: '6.1.170', sizeBytes: null, problem: null }
  ],
  aptProblem: null
}

export interface FakeLab extends LabClient {
  runs: RunRecord[]
  /** What fidelityReport() answers (null: no set recorded). */
  fidelity: FidelityReport | null
  /** Runs to present as kernel runs in compare. */
  kernelRuns: Map<number, KernelMark>
  events: LabEvent[]
  calls: { method: string; args: unknown[] }[]
  emit(event: LabEvent): void
  /** Starts the next queued run, or finishes the running one with the given status. */
  step(status?: RunStatus): void
  finish(runId: number, status?: RunStatus, error?: string): void
  /** Config files: what saveConfig wrote, and the text the next openConfig "opens" (null: the user cancels). */
  savedConfigs: unknown[]
  nextOpenFile: { name: string; text: string } | null
  /** Experiment notes and tags as set through the API. */
  experimentNotes: Map<number, { note: string; tags: string[] }>
  /** An app menu command, as the desktop app's menu sends it (main/menu.ts) to onMenu listeners. */
  menu(command: string): void
}

export function createFakeLab(seed: Partial<RunRecord>[] = []): FakeLab {
  const listeners = new Set<(e: LabEvent) => void>()
  const menuListeners = new Set<(command: string) => void>()
  let nextRun = 1
  let nextExperiment = 1
  const configs = new Map<number, ExperimentConfig>()
  const notes = new Map<number, string>()

  const record = (over: Partial<RunRecord>): RunRecord => ({
    id: nextRun++,
    experimentId: 1,
    experimentName: 'Seeded',
    design: 'cluster',
    variantLabel: 'cluster',
    workload: 'usemem',
    point: {},
    trial: 0,
    seed: 1,
    status: 'done',
    storage: 'file',
    createdAt: '2026-11-20T10:00:00.000Z',
    startedAt: '2026-11-20T10:00:01.000Z',
    finishedAt: '2026-11-20T10:00:03.000Z',
    wallTimeMs: 2000,
    error: null,
    engineVersion: '1.0.0',
    appVersion: '0.1.0',
    platform: 'linux-x64',
    note: '',
    tags: [],
    headline: { throughput_bytes_per_s: 500 * MiB, metadata_peak_bytes: 3 * MiB, sim_time_s: 2 },
    ...over
  })

  const fake: FakeLab = {
    transport: 'fake',
    runs: seed.map(record),
    fidelity: null,
    kernelRuns: new Map(),
    events: [],
    calls: [],
    emit(event) {
      fake.events.push(event)
      for (const l of [...listeners]) l(event)
    },
    step(status = 'done') {
      const running = fake.runs.find((r) => r.status === 'running')
      if (running) return fake.finish(running.id, status)
      const queued = fake.runs.find((r) => r.status === 'queued')
      if (!queued) return
      queued.status = 'running'
      queued.startedAt = new Date().toISOString()
      fake.emit({ type: 'run-started', run: { ...queued } })
      const total = fake.runs.filter((r) => r.experimentId === queued.experimentId).length
      const done = fake.runs.filter(
        (r) => r.experimentId === queued.experimentId && ['done', 'failed', 'cancelled'].includes(r.status)
      ).length
      fake.emit({
        type: 'progress',
        progress: { runId: queued.id, fraction: 0.5, simTimeNs: 1e9, runsDone: done, runsTotal: total, etaSeconds: 12 }
      })
      fake.emit({ type: 'samples', runId: queued.id, samples: fakeSamples(queued.id, 20) })
    },
    finish(runId, status = 'done', error) {
      const r = fake.runs.find((x) => x.id === runId)
      if (!r) return
      r.status = status
      r.finishedAt = new Date().toISOString()
      r.error = error ?? null
      r.headline = status === 'done' ? { throughput_bytes_per_s: (400 + runId) * MiB, metadata_peak_bytes: 2 * MiB, sim_time_s: 1 } : null
      fake.emit({ type: 'run-finished', run: { ...r } })
      if (!fake.runs.some((x) => x.status === 'queued' || x.status === 'running')) fake.emit({ type: 'queue-empty' })
    },
    async catalogue(): Promise<Catalogue> {
      return {
        designs: DESIGN_CATALOGUE,
        workloads: WORKLOAD_CATALOGUE,
        devicePresets: [...DEVICE_PRESETS],
        appVersion: '0.1.0',
        engineVersion: '1.0.0',
        maxRuns: 500
      }
    },
    async presets() {
      return structuredClone(FAKE_PRESETS)
    },
    async fidelityReport(stamp) {
      fake.calls.push({ method: 'fidelityReport', args: stamp === undefined ? [] : [stamp] })
      return structuredClone(fake.fidelity)
    },
    async startFidelity(options) {
      fake.calls.push({ method: 'startFidelity', args: [options] })
      return {
        stamp: '20261128T0800Z',
        experimentIds: [1],
        runIds: [1, 2],
        skipped: [{ image: 'host', caseId: null, reason: 'needs root' }]
      }
    },
    async kernels(): Promise<KernelList> {
      fake.calls.push({ method: 'kernels', args: [] })
      return structuredClone(FAKE_KERNELS)
    },
    async validate(config) {
      fake.calls.push({ method: 'validate', args: [config] })
      return fakeValidate(config)
    },
    async preview(config) {
      const c = config as ExperimentConfig
      const points = c.sweep
        ? c.sweep.mode === 'grid'
          ? c.sweep.axes.reduce((n, a) => n * a.values.length, 1)
          : Math.min(...c.sweep.axes.map((a) => a.values.length))
        : 1
      const runs = c.designs.length * points * c.trials
      return { runs, estimatedSeconds: runs * 3, maxRuns: 500 }
    },
    async start(config) {
      fake.calls.push({ method: 'start', args: [config] })
      const v = fakeValidate(config)
      if (!v.ok) throw new Error(`${v.errors[0].field}: ${v.errors[0].message}`)
      const c = v.config
      const experimentId = nextExperiment++ + 100
      const runIds: number[] = []
      for (const d of c.designs)
        for (let t = 0; t < c.trials; t++) {
          const r = record({
            experimentId,
            experimentName: c.name,
            design: d.design,
            variantLabel: d.label ?? d.design,
            workload: c.workload.name,
            trial: t,
            seed: c.seed + t,
            status: 'queued',
            headline: null,
            startedAt: null,
            finishedAt: null,
            createdAt: new Date().toISOString()
          })
          fake.runs.push(r)
          configs.set(r.id, c)
          runIds.push(r.id)
          fake.emit({ type: 'run-queued', run: { ...r } })
        }
      return { experimentId, runIds }
    },
    async rerun(runId) {
      fake.calls.push({ method: 'rerun', args: [runId] })
      const r = fake.runs.find((x) => x.id === runId)!
      const copy = record({ ...r, id: undefined, status: 'queued', experimentId: nextExperiment++ + 100 })
      fake.runs.push(copy)
      fake.emit({ type: 'run-queued', run: { ...copy } })
      return { experimentId: copy.experimentId, runIds: [copy.id] }
    },
    async cancel(target) {
      fake.calls.push({ method: 'cancel', args: [target] })
      for (const r of fake.runs)
        if ((target === 'all' || r.id === target) && (r.status === 'queued' || r.status === 'running')) fake.finish(r.id, 'cancelled')
    },
    async listRuns(filter) {
      return fake.runs.filter((r) => !filter?.status || r.status === filter.status).map((r) => ({ ...r }))
    },
    async getRun(runId): Promise<RunDetail> {
      const r = fake.runs.find((x) => x.id === runId)
      if (!r) throw new Error(`run ${runId} not found`)
      return { ...r, note: notes.get(runId) ?? r.note, config: configs.get(runId) ?? baseConfig(), summary: null }
    },
    async getSamples(runId, maxPoints) {
      const all = fakeSamples(runId, 200)
      return { runId, samples: maxPoints && maxPoints < all.length ? all.slice(0, maxPoints) : all, totalSamples: all.length }
    },
    async getSeries(runIds, fields, buckets) {
      fake.calls.push({ method: 'getSeries', args: [runIds, fields, buckets] })
      return runIds.map((runId) => {
        const all = fakeSamples(runId, 200)
        const step = Math.max(1, Math.ceil(all.length / buckets))
        const picked = all.filter((_, i) => i % step === 0)
        const col = (f: string) => picked.map((s) => (s.values as Record<string, number>)[f] ?? null)
        return {
          runId,
          totalSamples: all.length,
          tSimNs: picked.map((s) => s.tSimNs),
          tWallMs: picked.map((s) => s.tWallMs),
          ops: picked.map((s) => s.ops),
          fields: Object.fromEntries(fields.map((f) => [f, { mean: col(f), min: col(f), max: col(f) }]))
        }
      })
    },
    async compare(runIds, baseline): Promise<CompareData> {
      fake.calls.push({ method: 'compare', args: [runIds, baseline] })
      const runs = runIds.map((id) => fake.runs.find((r) => r.id === id)!).filter(Boolean)
      // Each run's headline stands for its metrics.
      const metricsByRun = new Map(runs.filter((r) => r.headline).map((r) => [r.id, { ...r.headline! }]))
      const configsByRun = new Map<number, unknown>(
        runs.map((r) => [r.id, { design: r.design, workload: r.workload, seed: r.seed, cpus: 2, 'workload.params.tasks': 4 }])
      )
      return buildCompare(runs, { metricsByRun, configsByRun, kernelByRun: fake.kernelRuns }, baseline)
    },
    async deleteRuns(runIds) {
      fake.calls.push({ method: 'deleteRuns', args: [runIds] })
      const before = fake.runs.length
      fake.runs = fake.runs.filter((r) => !runIds.includes(r.id))
      return before - fake.runs.length
    },
    async setNote(runId, note) {
      fake.calls.push({ method: 'setNote', args: [runId, note] })
      notes.set(runId, note)
      const r = fake.runs.find((x) => x.id === runId)
      if (r) r.note = note
    },
    async setTags(runId, tags) {
      const r = fake.runs.find((x) => x.id === runId)
      if (r) r.tags = tags
    },
    async exportCsv(runIds) {
      return { summaryCsv: `run_id\n${runIds.join('\n')}\n`, samplesCsv: 'run_id,t_sim_ns,t_wall_ms,ops,metric,value\n' }
    },
    async exportJson(runIds) {
      return JSON.stringify({ runIds })
    },
    async importJson() {
      return { runIds: [] }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async saveCsv(runIds): Promise<SaveOutcome> {
      fake.calls.push({ method: 'saveCsv', args: [runIds] })
      return { saved: true, message: `Saved ${runIds.length} runs` }
    },
    async savePng(name): Promise<SaveOutcome> {
      fake.calls.push({ method: 'savePng', args: [name] })
      return { saved: true, message: `Saved ${name}` }
    },
    async saveSvg(name, svg): Promise<SaveOutcome> {
      fake.calls.push({ method: 'saveSvg', args: [name, svg] })
      return { saved: true, message: `Saved ${name}` }
    },
    onMenu(listener) {
      menuListeners.add(listener)
      return () => menuListeners.delete(listener)
    },
    menu(command) {
      for (const l of [...menuListeners]) l(command)
    },
    savedConfigs: [],
    nextOpenFile: null,
    experimentNotes: new Map(),
    // The real file parser and schema: the fake only stands in for the dialogs and the store.
    async parseConfig(text) {
      fake.calls.push({ method: 'parseConfig', args: [text] })
      const p = parseConfigText(text)
      return p.ok ? validateExperiment(p.value) : p
    },
    async runConfig(runId) {
      fake.calls.push({ method: 'runConfig', args: [runId] })
      const r = fake.runs.find((x) => x.id === runId)
      if (!r) throw new Error(`run ${runId} does not exist`)
      const base = configs.get(runId)
      const v = validateExperiment({
        ...(base ?? {}),
        name: `${r.experimentName} (from run ${runId})`,
        designs: [{ design: r.design, options: r.design === 'kernel' ? { image: 'host' } : {} }],
        workload: base?.workload ?? { name: r.workload, params: {} },
        memoryLimitBytes: base?.memoryLimitBytes ?? 16 * MiB,
        sweep: null,
        trials: 1,
        seed: r.seed
      })
      if (!v.ok) throw new Error(`${v.errors[0].field}: ${v.errors[0].message}`)
      return v.config
    },
    async setExperimentNote(experimentId, note) {
      fake.calls.push({ method: 'setExperimentNote', args: [experimentId, note] })
      const e = fake.experimentNotes.get(experimentId) ?? { note: '', tags: [] }
      fake.experimentNotes.set(experimentId, { ...e, note })
      for (const r of fake.runs) if (r.experimentId === experimentId) r.experimentNote = note
    },
    async setExperimentTags(experimentId, tags) {
      fake.calls.push({ method: 'setExperimentTags', args: [experimentId, tags] })
      const e = fake.experimentNotes.get(experimentId) ?? { note: '', tags: [] }
      const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))].sort()
      fake.experimentNotes.set(experimentId, { ...e, tags: clean })
      for (const r of fake.runs) if (r.experimentId === experimentId) r.experimentTags = clean
    },
    async saveConfig(config): Promise<SaveOutcome> {
      fake.calls.push({ method: 'saveConfig', args: [config] })
      const v = validateExperiment(config)
      if (!v.ok) throw new Error(`fix the form before saving it:\n${v.errors.map((e) => `${e.field}: ${e.message}`).join('\n')}`)
      fake.savedConfigs.push(v.config)
      return { saved: true, message: 'Saved experiment.swaplab.json' }
    },
    async openConfig() {
      fake.calls.push({ method: 'openConfig', args: [] })
      const f = fake.nextOpenFile
      if (!f) return null
      return { fileName: f.name, result: await fake.parseConfig(f.text) }
    }
  }
  return fake
}
