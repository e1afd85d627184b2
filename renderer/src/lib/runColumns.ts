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
  /** Numeric filters (">1070", "<=2ms"): the value in `filterUnit`, the unit a bare number means. */
  filterValue?(r: RunRecord): number | null
  filterUnit?: string
  /** What a text filter on the column searches, when more than its shown text (tags: the experiment's tags and note too). */
  searchText?(r: RunRecord): string
}

const headline = (id: RunColumn, key: string, label: string, unit: string, scale: number): ColumnDef => ({
  id,
  label,
  value: (r) => r.headline?.[key] ?? null,
  text: (r) => fmtMetric(key, r.headline?.[key]),
  numeric: true,
  filterValue: (r) => (r.headline?.[key] === undefined ? null : r.headline[key] / scale),
  filterUnit: unit
})

export const COLUMN_DEFS: Record<RunColumn, ColumnDef> = {
  id: { id: 'id', label: 'Run', value: (r) => r.id, text: (r) => `#${r.id}`, numeric: true, filterValue: (r) => r.id, filterUnit: '' },
  status: { id: 'status', label: 'Status', value: (r) => r.status, text: (r) => r.status },
  experiment: { id: 'experiment', label: 'Experiment', value: (r) => r.experimentName, text: (r) => r.experimentName },
  design: { id: 'design', label: 'Design', value: (r) => r.variantLabel || r.design, text: (r) => r.variantLabel || r.design },
  workload: { id: 'workload', label: 'Workload', value: (r) => r.workload, text: (r) => r.workload + pointText(r) },
  trial: {
    id: 'trial',
    label: 'Trial',
    value: (r) => r.trial,
    text: (r) => String(r.trial + 1),
    numeric: true,
    filterValue: (r) => r.trial + 1,
    filterUnit: ''
  },
  throughput: headline('throughput', 'throughput_bytes_per_s', metricInfo('throughput_bytes_per_s').label, 'MB/s', 1e6),
  simTime: headline('simTime', 'sim_time_s', 'Sim time', 'ms', 1e-3),
  metadataPeak: headline('metadataPeak', 'metadata_peak_bytes', 'Metadata peak', 'KiB', 1024),
  fallback: headline('fallback', 'mthp_fallback_percent', metricInfo('mthp_fallback_percent').label, '%', 1),
  wallTime: {
    id: 'wallTime',
    label: 'Wall time',
    value: (r) => r.wallTimeMs,
    text: (r) => (r.wallTimeMs === null ? '-' : fmtMetric('engine_wall_time_s', r.wallTimeMs / 1e3)),
    numeric: true,
    filterValue: (r) => r.wallTimeMs,
    filterUnit: 'ms'
  },
  tags: {
    id: 'tags',
    label: 'Tags and note',
    value: (r) => [...r.tags, r.note].filter(Boolean).join(' ') || null,
    text: (r) => [r.tags.map((t) => `#${t}`).join(' '), r.note].filter(Boolean).join(' · '),
    searchText: (r) => notesText(r)
  },
  createdAt: { id: 'createdAt', label: 'Date', value: (r) => r.createdAt, text: (r) => fmtDate(r.createdAt, true) }
}

/** A run's tags and note with its experiment's: what tag and note searches look through. */
export function notesText(r: RunRecord): string {
  return [...r.tags.map((t) => `#${t}`), r.note, ...(r.experimentTags ?? []).map((t) => `#${t}`), r.experimentNote ?? '']
    .filter(Boolean)
    .join(' ')
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

/** Multipliers from a unit typed in a filter to the column's filter unit's base (bytes, seconds, bytes/s). */
const UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 2 ** 20,
  gib: 2 ** 30,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  ns: 1e-9,
  µs: 1e-6,
  us: 1e-6,
  ms: 1e-3,
  s: 1,
  'mb/s': 1e6,
  'gb/s': 1e9,
  '%': 1,
  '': 1
}

export interface NumericFilter {
  op: '<' | '<=' | '>' | '>=' | '='
  value: number
}

/**
 * ">1070", "<= 2 ms", "=3", ">64KiB": a comparison in the column's unit (a bare number) or in
 * a unit of the same family; null when the text is not a numeric filter (then it matches text).
 */
export function parseNumericFilter(query: string, columnUnit: string): NumericFilter | null {
  const m = /^(<=|>=|<|>|=)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-zµ/%]*)$/i.exec(query.trim())
  if (!m) return null
  const unit = m[3].toLowerCase()
  const from = UNITS[unit]
  const to = UNITS[columnUnit.toLowerCase()]
  if (from === undefined || to === undefined) return null
  // A bare number is in the column's unit; a unit of another family (bytes on a time column) is no filter.
  const family = (u: string): string => (u.endsWith('/s') ? 'rate' : /i?b$/.test(u) ? 'bytes' : /s$/.test(u) ? 'time' : u)
  if (unit && columnUnit && family(unit) !== family(columnUnit.toLowerCase())) return null
  return { op: m[1] as NumericFilter['op'], value: unit ? (Number(m[2]) * from) / to : Number(m[2]) }
}

function matches(def: ColumnDef, r: RunRecord, q: string): boolean {
  if (def.filterValue) {
    const f = parseNumericFilter(q, def.filterUnit ?? '')
    if (f) {
      const v = def.filterValue(r)
      if (v === null) return false
      // Compare at the precision the table shows (3 significant digits), so "=55.6" finds what reads 55.6.
      const x = Number(v.toPrecision(6))
      return f.op === '<'
        ? x < f.value
        : f.op === '<='
          ? x <= f.value
          : f.op === '>'
            ? x > f.value
            : f.op === '>='
              ? x >= f.value
              : Math.abs(x - f.value) <= Math.abs(f.value) * 5e-3
    }
  }
  return (def.searchText?.(r) ?? def.text(r)).toLowerCase().includes(q.toLowerCase())
}

/**
 * The search box: every word must be found somewhere in the run (any column as shown, its sweep
 * point, its tags and note, its experiment's tags and note). Comparisons such as ">1070" belong
 * to a column's filter, where the unit is the column's.
 */
export function matchesSearch(r: RunRecord, query: string): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean)
  if (!words.length) return true
  const hay = [...Object.values(COLUMN_DEFS).map((d) => d.text(r)), notesText(r), r.experimentName, String(r.id)].join('\n').toLowerCase()
  return words.every((w) => hay.includes(w))
}

/** Filters (a numeric comparison such as ">1070", else a case-insensitive substring of the shown text, per column) then sorts. */
export function filterAndSort(
  runs: RunRecord[],
  filters: Partial<Record<RunColumn, string>>,
  sort: { column: RunColumn; dir: 'asc' | 'desc' },
  search = ''
): RunRecord[] {
  const active = Object.entries(filters).filter(([, v]) => v && v.trim()) as [RunColumn, string][]
  const kept = runs.filter((r) => active.every(([col, q]) => matches(COLUMN_DEFS[col], r, q.trim())) && matchesSearch(r, search))
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
  note: string
  tags: string[]
  runs: RunRecord[]
}

/** Groups rows by experiment, keeping the row order inside and the first row's order between groups. */
export function groupByExperiment(rows: RunRecord[]): RunGroup[] {
  const groups = new Map<number, RunGroup>()
  for (const r of rows) {
    let g = groups.get(r.experimentId)
    if (!g)
      groups.set(
        r.experimentId,
        (g = { experimentId: r.experimentId, name: r.experimentName, note: r.experimentNote ?? '', tags: r.experimentTags ?? [], runs: [] })
      )
    g.runs.push(r)
  }
  return [...groups.values()]
}
