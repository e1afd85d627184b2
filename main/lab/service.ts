// The lab service: the LabApi contract implemented over the run store, the runner and the
// experiment model. The CLI, the web bridge and Electron main all use this class; nothing
// here imports Electron.

import { DESIGN_CATALOGUE, WORKLOAD_CATALOGUE, DEVICE_PRESETS, SAMPLE_FIELDS } from '../../engine/pure'
import { ENGINE_VERSION, cleanStaleDeviceDirs } from '../../engine/index'
import type {
  Catalogue,
  CompareBaseline,
  CompareData,
  KernelMark,
  SeriesBuckets,
  ExperimentConfig,
  ExportFiles,
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
import { countRuns, planRuns, applyPoint, variantLabel } from '../../experiments/sweep'
import { MAX_RUNS } from '../../experiments/fields'
import { presets } from '../../experiments/presets'
import { runMetrics } from '../../experiments/metrics'
import { buildCompare } from '../../experiments/compare'
import { estimateRunSeconds } from '../../experiments/estimate'
import { parseRunsExport } from '../../experiments/exportFormat'
import { RunStore } from './store'
import { Runner } from './runner'
import type { EngineModuleRef } from './protocol'
import { InputError, NotFoundError } from './errors'
import { buildRunsExport, importRuns, samplesCsv, summaryCsv } from './export'
import { defaultDeviceDir, platformDescription } from './paths'

export interface LabServiceOptions {
  dbPath: string
  /** Folder for device files (default: SWAPLAB_DEVICE_DIR or the OS temp folder). */
  deviceDir?: string
  appVersion: string
  /** better-sqlite3 native binding for this runtime (Electron's ABI build). */
  nativeBinding?: string
  /** Lets configs name their own deviceDir: only for front ends the user types paths into (the CLI). */
  trustConfigPaths?: boolean
  /** Tests inject a fake engine here. */
  engine?: EngineModuleRef
  /** How long a cancelled run may take to stop before its worker is terminated (ms). */
  cancelGraceMs?: number
}

const FINISHED = new Set(['done', 'failed', 'cancelled', 'interrupted'])

export class LabService implements LabApi {
  readonly store: RunStore
  private readonly runner: Runner
  private readonly listeners = new Set<(e: LabEvent) => void>()
  private readonly platform = platformDescription()

  constructor(private readonly o: LabServiceOptions) {
    this.store = RunStore.open(o.dbPath, { nativeBinding: o.nativeBinding })
    const deviceDir = o.deviceDir ?? defaultDeviceDir()
    // Device files of a process that was killed mid-run would otherwise stay on disk.
    cleanStaleDeviceDirs(deviceDir)
    this.runner = new Runner({
      store: this.store,
      deviceDir,
      engine: o.engine,
      cancelGraceMs: o.cancelGraceMs,
      emit: (e) => this.emit(e)
    })
  }

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
    const r = validateExperiment(config)
    if (r.ok && r.config.deviceDir !== undefined && !this.o.trustConfigPaths)
      return {
        ok: false,
        errors: [{ field: 'deviceDir', message: 'cannot be set from this front end; the lab chooses the device folder' }]
      }
    return r
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

  async start(input: unknown): Promise<{ experimentId: number; runIds: number[] }> {
    const r = await this.validate(input)
    if (!r.ok) throw new InputError(r.errors)
    const config = r.config
    const plan = planRuns(config)
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
    const variant =
      atPoint.designs.find((d) => variantLabel(d) === run.variantLabel) ?? atPoint.designs.find((d) => d.design === run.design)
    const config: ExperimentConfig = {
      ...atPoint,
      name: `${parsed.config.name} (rerun of run ${runId})`,
      designs: variant ? [variant] : atPoint.designs,
      sweep: null,
      trials: 1,
      seed: run.seed
    }
    return this.start(config)
  }

  async cancel(target: number | 'all'): Promise<void> {
    this.runner.cancel(target)
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return this.store.listRuns(filter)
  }

  async getRun(runId: number): Promise<RunDetail> {
    return this.mustGet(runId)
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
    const details = runIds.map((id) => this.mustGet(id))
    const baselineRunId = typeof baseline === 'number' ? baseline : baseline && 'runId' in baseline ? baseline.runId : undefined
    if (baselineRunId !== undefined && !runIds.includes(baselineRunId))
      throw new InputError([{ field: 'baselineRunId', message: `run ${baselineRunId} is not among the compared runs` }])
    if (baseline && typeof baseline === 'object' && 'variant' in baseline && !details.some((d) => d.variantLabel === baseline.variant))
      throw new InputError([{ field: 'baseline', message: `no compared run is of the design "${baseline.variant}"` }])
    const metricsByRun = new Map<number, Record<string, number>>()
    const kernelByRun = new Map<number, KernelMark>()
    for (const d of details) {
      if (d.status === 'done' && d.summary) metricsByRun.set(d.id, runMetrics(d.summary))
      const k = d.summary?.kernel
      if (k) kernelByRun.set(d.id, { release: k.release, where: k.where, timingsAreKernel: k.timingsAreKernel })
    }
    return buildCompare(details, { metricsByRun, configsByRun: new Map(details.map((d) => [d.id, d.config])), kernelByRun }, baseline)
  }

  async deleteRuns(runIds: number[]): Promise<number> {
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
    const parsed = parseRunsExport(json)
    if (!parsed.ok) throw new InputError([{ field: 'json', message: parsed.error }])
    return { runIds: importRuns(this.store, parsed.value) }
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
        for (const r of this.store.listRuns({ ids: [...pending] })) if (FINISHED.has(r.status)) pending.delete(r.id)
        if (pending.size > 0) return false
        unsubscribe()
        resolve(this.store.listRuns({ ids: runIds }))
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
