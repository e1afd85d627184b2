// Columns of the runs table: what each shows, how it sorts and what its filter matches.
import type { RunRecord } from '../../../experiments/api'
import type { RunColumn } from '../stores/settings'
import { fmtDate } from './format'
import { fmtMetric, metricInfo } from './metrics'

export interface ColumnDef {
  id: RunColumn
  label: string
  /** Sort key: numbers sort numerically, strings alphabetically; null sorts last. */
  value(r: RunRecord): number | string | null
  text(r: RunRecord): string
  numeric?: boolean
}

const headline = (id: RunColumn, key: string, label = metricInfo(key).label): ColumnDef => ({
  id,
  label,
  value: (r) => r.headline?.[key] ?? null,
  text: (r) => fmtMetric(key, r.headline?.[key]),
  numeric: true
})

export const COLUMN_DEFS: Record<RunColumn, ColumnDef> = {
  id: { id: 'id', label: 'Run', value: (r) => r.id, text: (r) => `#${r.id}`, numeric: true },
  status: { id: 'status', label: 'Status', value: (r) => r.status, text: (r) => r.status },
  experiment: { id: 'experiment', label: 'Experiment', value: (r) => r.experimentName, text: (r) => r.experimentName },
  design: { id: 'design', label: 'Design', value: (r) => r.variantLabel || r.design, text: (r) => r.variantLabel || r.design },
  workload: { id: 'workload', label: 'Workload', value: (r) => r.workload, text: (r) => r.workload + pointText(r) },
  trial: { id: 'trial', label: 'Trial', value: (r) => r.trial, text: (r) => String(r.trial + 1), numeric: true },
  throughput: headline('throughput', 'throughput_bytes_per_s'),
  simTime: headline('simTime', 'sim_time_s', 'Sim time'),
  metadataPeak: headline('metadataPeak', 'metadata_peak_bytes', 'Metadata peak'),
  fallback: headline('fallback', 'mthp_fallback_percent'),
  wallTime: {
    id: 'wallTime',
    label: 'Wall time',
    value: (r) => r.wallTimeMs,
    text: (r) => (r.wallTimeMs === null ? '-' : fmtMetric('engine_wall_time_s', r.wallTimeMs / 1e3)),
    numeric: true
  },
  createdAt: { id: 'createdAt', label: 'Date', value: (r) => r.createdAt, text: (r) => fmtDate(r.createdAt, true) }
}

function pointText(r: RunRecord): string {
  const parts = Object.entries(r.point ?? {}).map(([k, v]) => `${k.split('.').pop()}=${v}`)
  return parts.length ? ` (${parts.join(', ')})` : ''
}

export function compareValues(a: number | string | null, b: number | string | null): number {
  if (a === null && b === null) return 0
  if (a === null) return 1
  if (b === null) return -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a).localeCompare(String(b))
}

/** Filters (case-insensitive substring of the shown text, per column) then sorts. */
export function filterAndSort(
  runs: RunRecord[],
  filters: Partial<Record<RunColumn, string>>,
  sort: { column: RunColumn; dir: 'asc' | 'desc' }
): RunRecord[] {
  const active = Object.entries(filters).filter(([, v]) => v && v.trim()) as [RunColumn, string][]
  const kept = runs.filter((r) => active.every(([col, q]) => COLUMN_DEFS[col].text(r).toLowerCase().includes(q.trim().toLowerCase())))
  const def = COLUMN_DEFS[sort.column]
  const sign = sort.dir === 'asc' ? 1 : -1
  return kept.sort((a, b) => {
    const va = def.value(a)
    const vb = def.value(b)
    // Missing values stay at the bottom whichever way the column sorts.
    if (va === null || vb === null) return compareValues(va, vb)
    return sign * compareValues(va, vb) || b.id - a.id
  })
}

export interface RunGroup {
  experimentId: number
  name: string
  runs: RunRecord[]
}

/** Groups rows by experiment, keeping the row order inside and the first row's order between groups. */
export function groupByExperiment(rows: RunRecord[]): RunGroup[] {
  const groups = new Map<number, RunGroup>()
  for (const r of rows) {
    let g = groups.get(r.experimentId)
    if (!g) groups.set(r.experimentId, (g = { experimentId: r.experimentId, name: r.experimentName, runs: [] }))
    g.runs.push(r)
  }
  return [...groups.values()]
}
