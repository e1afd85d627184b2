// The lab service: the LabApi contract implemented over the run store, the runner and the
// experiment model. The CLI, the web bridge and Electron main all use this class; nothing
// here imports Electron.

import { DESIGN_CATALOGUE, WORKLOAD_CATALOGUE, DEVICE_PRESETS, SAMPLE_FIELDS } from '../../engine/pure'
import { ENGINE_VERSION, cleanStaleDeviceDirs } from '../../engine/index'
import { readDeviceDirMarker } from '../../engine/device/tempDir'
import * as fs from 'node:fs'
import type {
  Catalogue,
  CompareBaseline,
  CompareData,
  FieldError,
  KernelList,
  KernelMark,
  SeriesBuckets,
  ExperimentConfig,
  ExportFiles,
  FidelityReport,
  FidelityStarted,
  LabApi,
  LabEvent,
  Preset,
  RunDetail,
  RunFilter,
  RunPreview,
  RunRecord,
  SampleSeries,
  ValidationResult
} from '../../experiments/api'
import { validateExperiment, experimentSchema, toFieldErrors } from '../../experiments/schema'
import { countRuns, findUnsafeKey, planRuns, applyPoint, variantLabel } from '../../experiments/sweep'
import { MAX_RUNS, isCostProfileFile } from '../../experiments/fields'
import type { CostProfileSpec } from '../../engine/pure'
import { loadCostProfileFile } from './costProfileFile'
import { presets } from '../../experiments/presets'
import { runMetrics } from '../../experiments/metrics'
import { buildCompare } from '../../experiments/compare'
import { isSensitivityPoint, sensitivityOf } from '../../experiments/sensitivity'
import { estimateRunSeconds } from '../../experiments/estimate'
import { parseRunsExport } from '../../experiments/exportFormat'
import { parseConfigText } from '../../experiments/configFile'
import { RunStore } from './store'
import { Runner } from './runner'
import type { EngineModuleRef, KernelModuleRef } from './protocol'
import { InputError, NotFoundError, PreflightError } from './errors'
import { preflightKernels, realPreflightDeps, type PreflightDeps } from './preflight'
import { listKernels } from './kernels'
import { fidelityReportFrom, startFidelitySet } from './fidelity'
import { recoverHost, type RecoveryReport } from '../../engine/kernel/index'
import { buildRunsExport, importRuns, samplesCsv, summaryCsv } from './export'
import { dataDir, defaultDeviceDir, platformDescription } from './paths'
import { TraceStore } from './traces'
import { configPathErrors, LAB_TRACE_PREFIX } from '../../experiments/pathFields'
import * as path from 'node:path'

export interface LabServiceOptions {
  dbPath: string
  /** Folder for device files (default: SWAPLAB_DEVICE_DIR or the OS temp folder). */
  deviceDir?: string
  appVersion: string
  /** better-sqlite3 native binding for this runtime (Electron's ABI build). */
  nativeBinding?: string
  /** Lets configs name their own deviceDir: only for front ends the user types paths into (the CLI). */
  trustConfigPaths?: boolean
  /** The lab's own folder of trace files (default: traces/ in the user's data folder). */
  traceDir?: string
  /** Tests inject a fake engine here. */
  engine?: EngineModuleRef
  /** How long a cancelled run may take to stop before its worker is terminated (ms). */
  cancelGraceMs?: number
  /** Tests inject a stand-in for the real-kernel backend here (engine/kernel otherwise). */
  kernel?: KernelModuleRef
  /** How long a cancelled kernel run may take to restore the machine before its worker is terminated (ms). */
  kernelCancelGraceMs?: number
  /** Tests replace what preflight asks of the machine (root, commands, images). */
  preflight?: PreflightDeps
  /** Tests replace the host crash recovery run at open. */
  recoverHost?: () => unknown
  /** Progress of slow preflight steps (fetching a Debian kernel, building the programs). */
  onKernelLog?(line: string): void
  /**
   * Boot the engine worker at open and keep it between experiments (the app and `serve`), so
   * a run's first live samples do not wait for a worker to boot; the CLI leaves it off.
   */
  keepWorker?: boolean
}

const FINISHED = new Set(['done', 'failed', 'cancelled', 'interrupted'])

export class LabService implements LabApi {
  readonly store: RunStore
  private readonly runner: Runner
  private readonly listeners = new Set<(e: LabEvent) => void>()
  private readonly platform = platformDescription()
  /** Device folders of dead processes removed at open. */
  readonly removedDeviceDirs: string[]
  /** Trace files the app picked or uploaded, named `lab:<name>` in configs. */
  readonly traces: TraceStore
  /** The host crash recovery started at open; kernel runs wait for it. */
  private readonly hostRecovered: Promise<void>

  constructor(private readonly o: LabServiceOptions) {
    this.store = RunStore.open(o.dbPath, { nativeBinding: o.nativeBinding })
    this.traces = new TraceStore(o.traceDir ?? path.join(dataDir(), 'traces'))
    const deviceDir = o.deviceDir ?? defaultDeviceDir()
    // Device files of a process that was killed mid-run would otherwise stay on disk: the
    // folders recorded in the store (wherever they are) and marked folders in the device folder.
    this.removedDeviceDirs = [...this.cleanRecordedDeviceDirs(), ...cleanStaleDeviceDirs(deviceDir)]
    // Swap devices and cgroups a killed kernel run left on the host are the lab's own: turn them off (root only).
    this.hostRecovered = Promise.resolve()
      .then(() => (o.recoverHost ?? recoverHost)())
      .then(
        (report) => {
          const r = report as Partial<RecoveryReport> | undefined
          const undone = [...(r?.swappedOff ?? []), ...(r?.cgroupsRemoved ?? []), ...(r?.knobsRestored ?? [])]
          if (undone.length) o.onKernelLog?.(`cleaned up after an earlier host kernel run: ${undone.join(', ')}`)
          if (r?.problems?.length) this.hostRecoveryError = r.problems.join('; ')
        },
        (e: unknown) => {
          this.hostRecoveryError = (e as Error)?.message ?? String(e)
        }
      )
    this.runner = new Runner({
      store: this.store,
      deviceDir,
      engine: o.engine,
      kernel: o.kernel,
      cancelGraceMs: o.cancelGraceMs,
      kernelCancelGraceMs: o.kernelCancelGraceMs,
      keepWorker: o.keepWorker,
      emit: (e) => this.emit(e)
    })
    if (o.keepWorker) this.runner.warm()
  }

  /**
   * Removes the device folders the store recorded for processes that no longer exist. A folder
   * is removed only if it still carries the lab's marker naming that process; a failed write
   * (a full disk) only leaves the row for next time.
   */
  private cleanRecordedDeviceDirs(): string[] {
    const removed: string[] = []
    for (const d of this.store.staleDeviceDirs()) {
      const marker = readDeviceDirMarker(d.path)
      if (marker && marker.pid === d.ownerPid) {
        try {
          fs.rmSync(d.path, { recursive: true, force: true })
          removed.push(d.path)
        } catch {
          continue
        }
      }
      try {
        if (!fs.existsSync(d.path) || !marker || marker.pid !== d.ownerPid) this.store.dropDeviceDir(d.path)
      } catch {
        // The database cannot be written now (full disk); the row is dropped at a later open.
      }
    }
    return removed
  }

  /** Why the run database cannot be written, once a run could not be recorded; null while all is well. */
  get storeFailure(): string | null {
    return this.runner.storeFailure
  }

  /** A record with the outcome the store could not record laid over it. */
  private withUnrecorded<T extends RunRecord>(r: T): T {
    const lost = this.runner.unrecorded.get(r.id)
    return lost ? { ...r, ...lost } : r
  }

  /** Why the host recovery at open failed, if it did (kernel runs on the host are then refused). */
  private hostRecoveryError: string | null = null

  /** Runs found interrupted when the store was opened (a previous process died mid-run). */
  get recoveredRunIds(): number[] {
    return this.store.recoveredRunIds
  }

  async catalogue(): Promise<Catalogue> {
    return {
      designs: DESIGN_CATALOGUE,
      workloads: WORKLOAD_CATALOGUE,
      devicePresets: [...DEVICE_PRESETS],
      appVersion: this.o.appVersion,
      engineVersion: ENGINE_VERSION,
      maxRuns: MAX_RUNS
    }
  }

  async presets(): Promise<Preset[]> {
    return presets()
  }

  async validate(config: unknown): Promise<ValidationResult> {
    return this.validateAndLoad(config).result
  }

  /** Validation plus the constants of a cost profile file, read once for start(). */
  private validateAndLoad(config: unknown): { result: ValidationResult; profile?: CostProfileSpec } {
    const r = validateExperiment(config)
    if (!r.ok) return { result: r }
    // Paths are for the CLI only: a window or a page must not make the lab read or write a
    // file of its choosing (every path-valued field is listed in experiments/pathFields.ts).
    const paths = this.o.trustConfigPaths ? [] : configPathErrors(r.config)
    const traces = this.traceErrors(r.config)
    if (paths.length || traces.length) return { result: { ok: false, errors: [...paths, ...traces] } }
    if (isCostProfileFile(r.config.costProfile)) {
      if (!this.o.trustConfigPaths)
        return {
          result: {
            ok: false,
            errors: [
              {
                field: 'costProfile',
                message: `must be default or host here; a profile file can only be named on the command line (swaplab --cost-profile FILE)`
              }
            ]
          }
        }
      const loaded = loadCostProfileFile(r.config.costProfile)
      if ('field' in loaded) return { result: { ok: false, errors: [loaded] } }
      return { result: r, profile: loaded }
    }
    return { result: r }
  }

  /** Counts runs even past the cap (so the cap can be shown against it); refuses configs with bad fields. */
  async preview(config: unknown): Promise<RunPreview> {
    const shape = experimentSchema.safeParse(config)
    if (!shape.success) throw new InputError(toFieldErrors(shape.error))
    const c = shape.data as ExperimentConfig
    const runs = countRuns(c)
    const r = validateExperiment(config)
    const estimatedSeconds = r.ok ? planRuns(r.config).reduce((s, run) => s + estimateRunSeconds(run.engineConfig), 0) : 0
    return { runs, estimatedSeconds, maxRuns: MAX_RUNS }
  }

  /** `lab:` traces that the lab's trace folder does not hold. */
  private traceErrors(config: ExperimentConfig): FieldError[] {
    const source = config.workload.params.source
    if (config.workload.name !== 'trace' || typeof source !== 'string' || !source.startsWith(LAB_TRACE_PREFIX)) return []
    if (this.traces.resolve(source)) return []
    return [{ field: 'workload.params.source', message: `no trace ${source} in the lab's trace folder; choose the file again` }]
  }

  async start(input: unknown): Promise<{ experimentId: number; runIds: number[] }> {
    const { result: r, profile } = this.validateAndLoad(input)
    if (!r.ok) throw new InputError(r.errors)
    const config = r.config
    // The engine reads a `lab:` trace from the lab's folder; the experiment keeps the `lab:` name.
    const plan = planRuns(config).map((p) => {
      const source = p.engineConfig.workload.params.source
      const file = typeof source === 'string' ? this.traces.resolve(source) : null
      if (!file) return p
      const workload = { ...p.engineConfig.workload, params: { ...p.engineConfig.workload.params, source: file } }
      return { ...p, engineConfig: { ...p.engineConfig, workload } }
    })
    // Each run carries the file's constants: a later change to the file cannot change a queued run.
    if (profile) for (const p of plan) p.engineConfig.costProfile = structuredClone(profile)
    if (plan.some((p) => p.engineConfig.design === 'kernel')) {
      await this.hostRecovered
      const problems = await preflightKernels(
        config,
        plan.map((p) => p.engineConfig),
        this.o.preflight ?? realPreflightDeps,
        this.o.onKernelLog
      )
      if (this.hostRecoveryError && plan.some((p) => p.engineConfig.designOptions.image === 'host'))
        problems.push({
          field: 'designs',
          message: `the lab could not clean up after an earlier host kernel run (${this.hostRecoveryError}); fix that before running on the host again`
        })
      if (problems.length) throw new PreflightError(problems)
    }
    const { experimentId, runIds } = this.store.inTransaction(() => {
      const experimentId = this.store.createExperiment({ name: config.name, config })
      const runIds = this.store.createRuns(
        experimentId,
        plan.map((p) => ({
          design: p.engineConfig.design,
          variantLabel: p.variantLabel,
          workload: p.engineConfig.workload.name,
          point: p.point,
          trial: p.trial,
          seed: p.seed,
          storage: p.engineConfig.storage,
          config: p.engineConfig,
          engineVersion: ENGINE_VERSION,
          appVersion: this.o.appVersion,
          platform: this.platform
        }))
      )
      return { experimentId, runIds }
    })
    for (const run of this.store.listRuns({ ids: runIds })) this.emit({ type: 'run-queued', run })
    this.runner.enqueue(runIds.map((runId, i) => ({ runId, config: plan[i].engineConfig })))
    return { experimentId, runIds }
  }

  async rerun(runId: number): Promise<{ experimentId: number; runIds: number[] }> {
    const config = this.configOfRun(runId)
    return this.start({ ...config, name: config.name.replace(/ \(from run \d+\)$/, ` (rerun of run ${runId})`) })
  }

  /** The config that makes run `runId` again: its variant at its sweep point, its seed, one trial (a sensitivity run keeps its scaled group). */
  private configOfRun(runId: number): ExperimentConfig {
    const run = this.mustGet(runId)
    const exp = this.store.getExperiment(run.experimentId)
    const parsed = validateExperiment(exp?.config)
    if (!parsed.ok)
      throw new InputError([
        {
          field: 'runId',
          message: `run ${runId} has no experiment config this version can rerun (${parsed.errors[0].field}: ${parsed.errors[0].message})`
        }
      ])
    const atPoint = applyPoint(parsed.config, run.point)
    const scaled = sensitivityOf(run.point)
    const variant =
      atPoint.designs.find((d) => variantLabel(d) === run.variantLabel) ?? atPoint.designs.find((d) => d.design === run.design)
    const config: ExperimentConfig = {
      ...atPoint,
      name: `${parsed.config.name} (from run ${runId})`,
      designs: variant ? [variant] : atPoint.designs,
      sweep: null,
      trials: 1,
      seed: run.seed
    }
    // A sensitivity run reruns with its own scaled group (and so also the main run it belongs to).
    if (scaled) config.sensitivity = { groups: [scaled.group], factors: [scaled.factor] }
    else delete config.sensitivity
    return config
  }

  async runConfig(runId: number): Promise<ExperimentConfig> {
    return this.configOfRun(runId)
  }

  async parseConfig(text: string): Promise<ValidationResult> {
    const parsed = parseConfigText(text)
    if (!parsed.ok) return parsed
    return this.validate(parsed.value)
  }

  async setExperimentNote(experimentId: number, note: string): Promise<void> {
    if (!this.store.setExperimentNote(experimentId, note)) throw new NotFoundError(`experiment ${experimentId} does not exist`)
  }

  async setExperimentTags(experimentId: number, tags: string[]): Promise<void> {
    if (!this.store.setExperimentTags(experimentId, [...new Set(tags.map((t) => t.trim()).filter(Boolean))]))
      throw new NotFoundError(`experiment ${experimentId} does not exist`)
  }

  /** Cancels a queued or running run (or all); a run that does not exist or has already finished is an error naming it. */
  async cancel(target: number | 'all'): Promise<void> {
    if (target !== 'all') {
      // An unknown run is named; one that has already ended is left as it is (a cancel that
      // crosses the run's end in flight must not turn into an error for the user).
      const run = this.mustGet(target)
      if (FINISHED.has(run.status)) return
    }
    this.runner.cancel(target)
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const runs = this.store.listRuns(filter).map((r) => this.withUnrecorded(r))
    return filter.status ? runs.filter((r) => r.status === filter.status) : runs
  }

  async getRun(runId: number): Promise<RunDetail> {
    return this.withUnrecorded(this.mustGet(runId))
  }

  async getSamples(runId: number, maxPoints?: number): Promise<SampleSeries> {
    this.mustGet(runId)
    return this.store.getSamples(runId, maxPoints)
  }

  async getSeries(runIds: number[], fields: string[], buckets: number): Promise<SeriesBuckets[]> {
    const missing = this.store.missingRuns(runIds)
    if (missing.length) throw new NotFoundError(`run ${missing[0]} does not exist`)
    const unknown = fields.find((f) => !(SAMPLE_FIELDS as readonly string[]).includes(f))
    if (unknown) throw new InputError([{ field: 'fields', message: `${unknown} is not a sample field` }])
    return runIds.map((id) => this.store.getSeries(id, fields, buckets))
  }

  async compare(runIds: number[], baseline?: number | CompareBaseline): Promise<CompareData> {
    if (runIds.length === 0) throw new InputError([{ field: 'runIds', message: 'select at least one run to compare' }])
    const details = runIds.map((id) => this.mustGet(id))
    const baselineRunId = typeof baseline === 'number' ? baseline : baseline && 'runId' in baseline ? baseline.runId : undefined
    if (baselineRunId !== undefined && !runIds.includes(baselineRunId))
      throw new InputError([{ field: 'baselineRunId', message: `run ${baselineRunId} is not among the compared runs` }])
    if (baseline && typeof baseline === 'object' && 'variant' in baseline && !details.some((d) => d.variantLabel === baseline.variant))
      throw new InputError([{ field: 'baseline', message: `no compared run is of the design "${baseline.variant}"` }])
    // The cost-model sensitivity runs of the compared experiments judge the deltas (robust or
    // not), whether or not they were selected; they are never compared as groups of their own.
    const selected = new Set(runIds)
    const judges = [...new Set(details.map((d) => d.experimentId))].flatMap((experimentId) =>
      this.store
        .listRuns({ experimentId })
        .filter((r) => !selected.has(r.id) && r.status === 'done' && isSensitivityPoint(r.point))
        .map((r) => this.mustGet(r.id))
    )
    if (judges.length && details.some((d) => !isSensitivityPoint(d.point))) details.push(...judges)
    const metricsByRun = new Map<number, Record<string, number>>()
    const kernelByRun = new Map<number, KernelMark>()
    for (const d of details) {
      if (d.status === 'done' && d.summary) metricsByRun.set(d.id, runMetrics(d.summary))
      const k = d.summary?.kernel
      if (k) kernelByRun.set(d.id, d.kernel ?? { release: k.release, where: k.where, timingsAreKernel: k.timingsAreKernel })
    }
    return buildCompare(details, { metricsByRun, configsByRun: new Map(details.map((d) => [d.id, d.config])), kernelByRun }, baseline)
  }

  async deleteRuns(runIds: number[]): Promise<number> {
    if (runIds.length === 0) throw new InputError([{ field: 'runIds', message: 'select at least one run to delete' }])
    const found = new Set(this.store.listRuns({ ids: runIds }).map((r) => r.id))
    const missing = runIds.filter((id) => !found.has(id))
    // Nothing is deleted when any id is wrong: a typo must not delete the other runs silently.
    if (missing.length) throw new NotFoundError(`run ${missing.join(', ')} does not exist; nothing was deleted`)
    const busy = this.store.listRuns({ ids: runIds }).filter((r) => !FINISHED.has(r.status))
    if (busy.length)
      throw new InputError([{ field: 'runIds', message: `run ${busy.map((r) => r.id).join(', ')} is ${busy[0].status}; cancel it first` }])
    return this.store.deleteRuns(runIds)
  }

  async setNote(runId: number, note: string): Promise<void> {
    this.mustGet(runId)
    this.store.setNote(runId, note)
  }

  async setTags(runId: number, tags: string[]): Promise<void> {
    this.mustGet(runId)
    this.store.setTags(runId, [...new Set(tags.map((t) => t.trim()).filter(Boolean))])
  }

  async exportCsv(runIds: number[]): Promise<ExportFiles> {
    return { summaryCsv: await this.exportSummaryCsv(runIds), samplesCsv: samplesCsv(this.store, runIds) }
  }

  /** The summary table alone (the CLI streams the samples file itself); per trial: one row per run. */
  async exportSummaryCsv(runIds: number[], perTrial = false): Promise<string> {
    const runs = runIds.map((id) => this.mustGet(id))
    const trialMetrics = new Map<number, Record<string, number>>()
    if (perTrial) for (const r of runs) if (r.status === 'done' && r.summary) trialMetrics.set(r.id, runMetrics(r.summary))
    return summaryCsv(await this.compare(runIds), runs, { perTrial, trialMetrics })
  }

  async exportJson(runIds: number[]): Promise<string> {
    runIds.forEach((id) => this.mustGet(id))
    return JSON.stringify(buildRunsExport(this.store, runIds, this.o.appVersion))
  }

  async importJson(json: string): Promise<{ runIds: number[] }> {
    // Keys that would reach Object.prototype are refused before anything reads the export (a
    // cheap scan first: a full walk only when such a key may be there).
    if (/"(__proto__|constructor|prototype)"\s*:/.test(json)) {
      let unsafe: string | null = null
      try {
        unsafe = findUnsafeKey(JSON.parse(json))
      } catch {
        // Not JSON: parseRunsExport says so below.
      }
      if (unsafe) throw new InputError([{ field: 'json', message: `the key ${unsafe} is not allowed` }])
    }
    const parsed = parseRunsExport(json)
    if (!parsed.ok) throw new InputError([{ field: 'json', message: parsed.error }])
    return { runIds: importRuns(this.store, parsed.value) }
  }

  async kernels(): Promise<KernelList> {
    return listKernels(this.o.preflight ?? realPreflightDeps)
  }

  async fidelityReport(stamp?: string): Promise<FidelityReport | null> {
    return fidelityReportFrom(this, stamp)
  }

  /** The fidelity set on the kernels that can run here (main/lab/fidelity.ts); options are checked there. */
  async startFidelity(options?: unknown): Promise<FidelityStarted> {
    return startFidelitySet(this, options, this.o.preflight ?? realPreflightDeps, this.o.onKernelLog)
  }

  subscribe(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Resolves with the runs once every one of them has finished (done, failed, cancelled or interrupted). */
  waitForRuns(runIds: number[]): Promise<RunRecord[]> {
    const pending = new Set(runIds)
    return new Promise((resolve) => {
      const check = (): boolean => {
        for (const r of this.store.listRuns({ ids: [...pending] })) if (FINISHED.has(this.withUnrecorded(r).status)) pending.delete(r.id)
        if (pending.size > 0) return false
        unsubscribe()
        resolve(this.store.listRuns({ ids: runIds }).map((r) => this.withUnrecorded(r)))
        return true
      }
      const unsubscribe = this.subscribe((e) => {
        if (e.type === 'run-finished' && pending.has(e.run.id)) check()
      })
      check()
    })
  }

  /** Cancels whatever is queued or running, waits for it to stop, and closes the store. */
  async close(): Promise<void> {
    await this.runner.close()
    this.store.close()
  }

  private mustGet(runId: number): RunDetail {
    const d = this.store.getRun(runId)
    if (!d) throw new NotFoundError(`run ${runId} does not exist`)
    return d
  }

  private emit(e: LabEvent): void {
    for (const l of this.listeners) {
      try {
        l(e)
      } catch {
        // A front end's listener failing must not stop the run or the other front ends.
      }
    }
  }
}
