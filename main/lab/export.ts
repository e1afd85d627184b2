// Export and import: hyperfine-style summary CSV, long-format samples CSV, and the versioned
// JSON export of whole runs (experiments/exportFormat.ts) with its import.

import { stringify } from 'csv-stringify/sync'
import type { CompareData, RunRecord } from '../../experiments/api'
import { EXPORT_SCHEMA, EXPORT_SCHEMA_VERSION, type ExportedRun, type RunsExport } from '../../experiments/exportFormat'
import { headlineMetrics } from '../../experiments/metrics'
import type { RunSummary, Sample } from '../../engine/pure'
import { emptyCounters } from '../../engine/metrics/counters'
import type { RunStore } from './store'
import { platformDescription } from './paths'

const STATS = ['mean', 'stddev', 'median', 'min', 'max'] as const
/** Config fields that differ between runs without being a parameter of the comparison. */
const NOT_PARAMETERS = new Set(['seed', 'deviceDir'])

const csv = (rows: unknown[][]): string => stringify(rows, { cast: { number: (n) => String(n), boolean: (b) => String(b) } })

/**
 * One row per compared configuration (design variant x sweep point of an experiment; its
 * trials are the repetitions, as hyperfine's runs of one command): identity columns, one
 * `parameter_<field>` column per config field that differs between rows, then
 * `<metric>_mean,_stddev,_median,_min,_max` per metric in base units, full precision.
 */
export function summaryCsv(compare: CompareData, runs: RunRecord[]): string {
  const byId = new Map(runs.map((r) => [r.id, r]))
  const groupConfig = (ids: number[]): Record<string, string | number | boolean> => compare.configs[ids[0]] ?? {}
  const keys = new Set<string>()
  for (const g of compare.groups) for (const k of Object.keys(groupConfig(g.runIds))) keys.add(k)
  const parameters = [...keys].filter(
    (k) => !NOT_PARAMETERS.has(k) && new Set(compare.groups.map((g) => JSON.stringify(groupConfig(g.runIds)[k]))).size > 1
  )
  const metrics: string[] = []
  for (const g of compare.groups) for (const m of Object.keys(g.metrics)) if (!metrics.includes(m)) metrics.push(m)

  const header = [
    'variant',
    'experiment',
    'design',
    'workload',
    'trials',
    'run_ids',
    'status',
    // Which kernel ran a kernel row (empty for simulated designs); under TCG its times are emulation.
    'kernel_release',
    'kernel_where',
    'kernel_accel',
    'timings_are_kernel',
    'counters_system_wide',
    ...parameters.map((p) => `parameter_${p}`),
    ...metrics.flatMap((m) => STATS.map((s) => `${m}_${s}`))
  ]
  const rows = compare.groups.map((g) => {
    const members = g.runIds.map((id) => byId.get(id)!).filter(Boolean)
    const first = members[0]
    const counts = new Map<string, number>()
    for (const r of members) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
    const status = [...counts].map(([s, n]) => (counts.size === 1 ? s : `${n} ${s}`)).join(', ')
    return [
      g.variantLabel,
      first?.experimentName ?? '',
      first?.design ?? '',
      first?.workload ?? '',
      g.metrics[metrics[0]]?.n ?? 0,
      g.runIds.join(' '),
      status,
      g.kernel?.release ?? '',
      g.kernel?.where ?? '',
      g.kernel?.accel ?? '',
      g.kernel ? g.kernel.timingsAreKernel : '',
      g.kernel ? g.kernel.countersSystemWide : '',
      ...parameters.map((p) => groupConfig(g.runIds)[p] ?? ''),
      ...metrics.flatMap((m) => STATS.map((s) => g.metrics[m]?.[s] ?? ''))
    ]
  })
  return csv([header, ...rows])
}

export const SAMPLES_HEADER = ['run_id', 't_sim_ns', 't_wall_ms', 'ops', 'metric', 'value']

/** Long format, one line per sample and field, run by run; `write` receives chunks (files stream, strings concatenate). */
export function writeSamplesCsv(store: RunStore, runIds: number[], write: (chunk: string) => void): void {
  write(csv([SAMPLES_HEADER]))
  for (const id of runIds) {
    const { samples } = store.getSamples(id)
    for (let i = 0; i < samples.length; i += 1000) {
      const rows: unknown[][] = []
      for (const s of samples.slice(i, i + 1000))
        for (const [metric, value] of Object.entries(s.values)) rows.push([id, s.tSimNs, s.tWallMs, s.ops, metric, value])
      write(csv(rows))
    }
  }
}

export function samplesCsv(store: RunStore, runIds: number[]): string {
  const parts: string[] = []
  writeSamplesCsv(store, runIds, (c) => parts.push(c))
  return parts.join('')
}

function packSamples(samples: Sample[]): ExportedRun['samples'] {
  const fields: string[] = []
  for (const s of samples) for (const k of Object.keys(s.values)) if (!fields.includes(k)) fields.push(k)
  const columns = ['tSimNs', 'tWallMs', 'ops', ...fields]
  const rows = samples.map((s) => [
    s.tSimNs,
    s.tWallMs,
    s.ops,
    ...fields.map((f) => (s.values as Record<string, number>)[f] ?? null)
  ]) as number[][]
  return { columns, rows }
}

function unpackSamples(p: ExportedRun['samples']): Sample[] {
  return p.rows.map((row) => {
    const values: Record<string, number> = {}
    for (let i = 3; i < p.columns.length; i++) if (row[i] !== null) values[p.columns[i]] = row[i]
    return { tSimNs: row[0], tWallMs: row[1], ops: row[2], values: values as Sample['values'] }
  })
}

/** Kernel runs: counters the kernel did not measure go out as null (empty), not as a 0 it never counted. */
function exportedSummary(summary: RunSummary): RunSummary {
  if (!summary.kernel) return summary
  const measured = new Set<string>(summary.kernel.measured ?? [])
  const counters: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(summary.counters)) counters[k] = measured.has(k) ? v : null
  return { ...summary, counters: counters as unknown as RunSummary['counters'] }
}

/** The inverse on import: the engine's shape again (zeros of the right shape for unmeasured; kernel.measured says which). */
function importedSummary(summary: RunSummary): RunSummary {
  if (!summary.kernel) return summary
  const empty = emptyCounters() as unknown as Record<string, unknown>
  const counters: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(summary.counters ?? {})) counters[k] = v === null ? (empty[k] ?? 0) : v
  return { ...summary, counters: counters as unknown as RunSummary['counters'] }
}

export function buildRunsExport(store: RunStore, runIds: number[], appVersion: string): RunsExport {
  const runs = runIds.map((id): ExportedRun => {
    const d = store.getRun(id)
    if (!d) throw new Error(`run ${id} does not exist`)
    const exp = store.getExperiment(d.experimentId)
    return {
      sourceRunId: d.id,
      experiment: { name: d.experimentName, config: exp?.config ?? null },
      design: d.design,
      variantLabel: d.variantLabel,
      workload: d.workload,
      point: d.point,
      trial: d.trial,
      seed: d.seed,
      status: d.status,
      storage: d.storage,
      createdAt: d.createdAt,
      startedAt: d.startedAt,
      finishedAt: d.finishedAt,
      wallTimeMs: d.wallTimeMs,
      error: d.error,
      engineVersion: d.engineVersion,
      appVersion: d.appVersion,
      platform: d.platform,
      note: d.note,
      tags: d.tags,
      config: d.config,
      kernel: d.kernel ?? null,
      summary: d.summary && exportedSummary(d.summary),
      samples: packSamples(store.getSamples(id).samples)
    }
  })
  return {
    schema: EXPORT_SCHEMA,
    schemaVersion: EXPORT_SCHEMA_VERSION,
    exporter: `swaplab@${appVersion}`,
    exportedAt: new Date().toISOString(),
    platform: platformDescription(),
    runs
  }
}

/** Adds the export's runs as new experiments (one per source experiment); returns the new run ids in export order. */
export function importRuns(store: RunStore, data: RunsExport): number[] {
  return store.inTransaction(() => {
    const experiments = new Map<string, number>()
    return data.runs.map((r) => {
      const key = JSON.stringify([r.experiment.name, r.experiment.config])
      let experimentId = experiments.get(key)
      if (experimentId === undefined) {
        experimentId = store.createExperiment({
          name: r.experiment.name,
          config: r.experiment.config,
          importedFrom: `${data.exporter} on ${data.platform}, exported ${data.exportedAt}`
        })
        experiments.set(key, experimentId)
      }
      // A run still going when it was exported can never finish here.
      const unfinished = r.status === 'queued' || r.status === 'running'
      const [id] = store.createRuns(experimentId, [
        {
          design: r.design,
          variantLabel: r.variantLabel,
          workload: r.workload,
          point: r.point,
          trial: r.trial,
          seed: r.seed,
          storage: r.storage,
          config: r.config,
          engineVersion: r.engineVersion,
          appVersion: r.appVersion,
          platform: r.platform,
          status: unfinished ? 'interrupted' : r.status,
          error: unfinished ? 'interrupted: the run was still going when it was exported' : r.error,
          createdAt: r.createdAt,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          wallTimeMs: r.wallTimeMs
        }
      ])
      if (r.summary) {
        const summary = importedSummary(r.summary)
        store.saveSummary(id, summary, safeHeadline(summary))
      }
      store.appendSamples(id, unpackSamples(r.samples))
      if (r.note) store.setNote(id, r.note)
      if (r.tags.length) store.setTags(id, r.tags)
      return id
    })
  })
}

/** Headline metrics of a summary that may come from another engine version with fields missing. */
function safeHeadline(summary: RunSummary): Record<string, number> {
  try {
    return headlineMetrics(summary)
  } catch {
    return {}
  }
}
