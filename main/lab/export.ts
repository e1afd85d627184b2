// Export and import: hyperfine-style summary CSV, long-format samples CSV, and the versioned
// JSON export of whole runs (experiments/exportFormat.ts) with its import.

import { stringify } from 'csv-stringify/sync'
import type { CompareData, RunRecord } from '../../experiments/api'
import { EXPORT_SCHEMA, EXPORT_SCHEMA_VERSION, type ExportedRun, type RunsExport } from '../../experiments/exportFormat'
import { headlineMetrics, WORKLOAD_MB } from '../../experiments/metrics'
import type { RunSummary, Sample } from '../../engine/pure'
import { emptyCounters } from '../../engine/metrics/counters'
import type { RunStore } from './store'
import { platformDescription } from './paths'

const STATS = ['mean', 'stddev', 'median', 'min', 'max', 'ci95Low', 'ci95High'] as const
const STAT_COLUMN: Record<(typeof STATS)[number], string> = {
  mean: 'mean',
  stddev: 'stddev',
  median: 'median',
  min: 'min',
  max: 'max',
  ci95Low: 'ci95_low',
  ci95High: 'ci95_high'
}
/** Config fields that differ between runs without being a parameter of the comparison. */
const NOT_PARAMETERS = new Set(['seed', 'deviceDir'])

const csv = (rows: unknown[][]): string => stringify(rows, { cast: { number: (n) => String(n), boolean: (b) => String(b) } })

/** "designOptions.phase" -> "design_options_phase": config paths as snake_case column names. */
export function snakeCase(path: string): string {
  return path
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
}

/**
 * A value at the precision it has: seconds to the nanosecond (the engine's clock), bytes,
 * counts and percentages to a thousandth (means over trials are fractional); the binary noise
 * of floating point (1.0200000000000002) goes.
 */
export function roundMetric(metric: string, v: number): number {
  if (!Number.isFinite(v)) return v
  const digits = /_s($|_)/.test(metric) ? 9 : 3
  return Number(v.toFixed(digits))
}

/**
 * One row per compared configuration (design variant x sweep point of an experiment; its
 * trials are the repetitions, as hyperfine's runs of one command): identity columns, one
 * `parameter_<field>` column per config field that differs between rows, then per metric
 * `<metric>_mean,_stddev,_median,_min,_max,_ci95_low,_ci95_high` in base units and the
 * difference to the baseline at the same sweep point: `<metric>_vs_baseline_percent` and the
 * two-sided p-value of Welch's test `<metric>_vs_baseline_p` (empty where there is none).
 * With `perTrial`, one row per run instead, with its own values and its group's baseline delta.
 */
export function summaryCsv(
  compare: CompareData,
  runs: RunRecord[],
  opts: { perTrial?: boolean; trialMetrics?: Map<number, Record<string, number>> } = {}
): string {
  const perTrial = opts.perTrial ?? false
  const byId = new Map(runs.map((r) => [r.id, r]))
  const groupConfig = (ids: number[]): Record<string, string | number | boolean> => compare.configs[ids[0]] ?? {}
  const keys = new Set<string>()
  for (const g of compare.groups) for (const k of Object.keys(groupConfig(g.runIds))) keys.add(k)
  const parameters = [...keys].filter(
    (k) => !NOT_PARAMETERS.has(k) && new Set(compare.groups.map((g) => JSON.stringify(groupConfig(g.runIds)[k]))).size > 1
  )
  const metrics: string[] = []
  for (const g of compare.groups) for (const m of Object.keys(g.metrics)) if (!metrics.includes(m)) metrics.push(m)
  const deltaCells = (g: CompareData['groups'][number], m: string): unknown[] => {
    const d = compare.significance[m]?.[g.key]
    // A p-value to three significant digits (0.0104, not 0.010531351642816163).
    return [d ? roundMetric('percent', 100 * d.relative) : '', d?.p === undefined || d.p === null ? '' : Number(d.p.toPrecision(3))]
  }
  const deltaHeader = (m: string): string[] => [`${m}_vs_baseline_percent`, `${m}_vs_baseline_p`]
  // Which kernel ran a kernel row (empty for simulated designs); under TCG its times are emulation.
  const identity = [
    'variant',
    'experiment',
    'design',
    'workload',
    'kernel_release',
    'kernel_where',
    'kernel_accel',
    'timings_are_kernel',
    'counters_system_wide',
    'baseline'
  ]
  // Tags and notes: the experiment's, and the runs' (a group's row gathers its runs').
  const notesHeader = ['experiment_tags', 'experiment_note', 'tags', 'notes']
  const notesCells = (ids: number[]): unknown[] => {
    const rs = ids.map((id) => byId.get(id)).filter((r): r is RunRecord => !!r)
    const first = rs[0]
    const tags = [...new Set(rs.flatMap((r) => r.tags))].sort()
    const notes = rs.filter((r) => r.note).map((r) => (rs.length > 1 ? `#${r.id}: ${r.note}` : r.note))
    return [(first?.experimentTags ?? []).join(', '), first?.experimentNote ?? '', tags.join(', '), notes.join('\n')]
  }
  const groupIdentity = (g: CompareData['groups'][number]): unknown[] => {
    const first = byId.get(g.runIds[0])
    return [
      g.variantLabel,
      first?.experimentName ?? '',
      first?.design ?? '',
      first?.workload ?? '',
      g.kernel?.release ?? '',
      g.kernel?.where ?? '',
      g.kernel?.accel ?? '',
      g.kernel ? g.kernel.timingsAreKernel : '',
      g.kernel ? (g.kernel.countersSystemWide ?? '') : '',
      compare.baselineKeys.includes(g.key) ? 'yes' : ''
    ]
  }

  if (perTrial) {
    const header = [
      'run_id',
      ...identity,
      'trial',
      'seed',
      'status',
      ...notesHeader,
      ...parameters.map((p) => `parameter_${snakeCase(p)}`),
      ...metrics.flatMap((m) => [m, ...deltaHeader(m)])
    ]
    const rows = compare.groups.flatMap((g) =>
      g.runIds.map((id) => {
        const r = byId.get(id)
        const values = opts.trialMetrics?.get(id) ?? {}
        return [
          id,
          ...groupIdentity(g),
          r ? r.trial + 1 : '',
          r?.seed ?? '',
          r?.status ?? '',
          ...notesCells([id]),
          ...parameters.map((p) => compare.configs[id]?.[p] ?? ''),
          ...metrics.flatMap((m) => [values[m] === undefined ? '' : roundMetric(m, values[m]), ...deltaCells(g, m)])
        ]
      })
    )
    return csv([header, ...rows])
  }

  const header = [
    ...identity,
    'trials',
    'run_ids',
    'status',
    ...notesHeader,
    ...parameters.map((p) => `parameter_${snakeCase(p)}`),
    ...metrics.flatMap((m) => [...STATS.map((s) => `${m}_${STAT_COLUMN[s]}`), ...deltaHeader(m)])
  ]
  const rows = compare.groups.map((g) => {
    const members = g.runIds.map((id) => byId.get(id)!).filter(Boolean)
    const counts = new Map<string, number>()
    for (const r of members) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
    const status = [...counts].map(([s, n]) => (counts.size === 1 ? s : `${n} ${s}`)).join(', ')
    return [
      ...groupIdentity(g),
      g.metrics[metrics[0]]?.n ?? 0,
      g.runIds.join(' '),
      status,
      ...notesCells(g.runIds),
      ...parameters.map((p) => groupConfig(g.runIds)[p] ?? ''),
      ...metrics.flatMap((m) => [
        ...STATS.map((s) => {
          const v = g.metrics[m]?.[s]
          return v === undefined ? '' : roundMetric(m, v)
        }),
        ...deltaCells(g, m)
      ])
    ]
  })
  return csv([header, ...rows])
}

/** Sample fields as CSV metric names: snake_case with the unit, in the summary's base units (bytes/s, not MB/s). */
export const SAMPLE_CSV_NAMES: Record<string, [string, number]> = {
  residentPages: ['resident_pages', 1],
  swapUsedSlots: ['swap_used_slots', 1],
  swapCachePages: ['swap_cache_pages', 1],
  metadataBytes: ['metadata_bytes', 1],
  swpout: ['swpout', 1],
  swpin: ['swpin', 1],
  swpoutFallback: ['swpout_fallback', 1],
  pageRate: ['page_rate_per_s', 1],
  throughputMBps: ['throughput_bytes_per_s', WORKLOAD_MB],
  clustersFree: ['clusters_free', 1],
  clustersNonfull: ['clusters_nonfull', 1],
  clustersFrag: ['clusters_frag', 1],
  clustersFull: ['clusters_full', 1],
  clustersDiscard: ['clusters_discard', 1],
  hasCacheRetries: ['has_cache_retries', 1],
  folioLockWaits: ['folio_lock_waits', 1],
  majorFaults: ['major_faults', 1]
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
        for (const [field, value] of Object.entries(s.values)) {
          const [metric, scale] = SAMPLE_CSV_NAMES[field] ?? [snakeCase(field), 1]
          // Wall time to the microsecond: what performance.now() resolves, without the float noise (33.759751999999935).
          rows.push([id, s.tSimNs, Number(s.tWallMs.toFixed(3)), s.ops, metric, roundMetric(scale === 1 ? metric : 'per_s', value * scale)])
        }
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
      experiment: { name: d.experimentName, config: exp?.config ?? null, note: exp?.note ?? '', tags: exp?.tags ?? [] },
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
        if (r.experiment.note) store.setExperimentNote(experimentId, r.experiment.note)
        if (r.experiment.tags?.length) store.setExperimentTags(experimentId, r.experiment.tags)
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
