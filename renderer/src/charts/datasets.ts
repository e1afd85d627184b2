// Chart dataset builders: pure functions from lab data to Chart.js data, tested on their own.
import type { CompareData, CompareGroup } from '../../../experiments/api'
import type { Sample, SampleField } from '../../../engine/pure'
import { lttb, type XY } from './decimate'
import { colorAt, withAlpha } from './palette'
import { SAMPLE_FIELD_INFO } from '../lib/metrics'

export type XAxis = 'sim' | 'wall' | 'ops'

export const X_AXES: { id: XAxis; label: string }[] = [
  { id: 'sim', label: 'Simulated time (ms)' },
  { id: 'wall', label: 'Wall time (ms)' },
  { id: 'ops', label: 'Operations' }
]

/** Points per line after decimation: plenty for a 1280 px wide chart. */
export const DEFAULT_MAX_POINTS = 800

export function xOf(s: Sample, axis: XAxis): number {
  return axis === 'sim' ? s.tSimNs / 1e6 : axis === 'wall' ? s.tWallMs : s.ops
}

export interface LineDataset {
  label: string
  data: XY[]
  borderColor: string
  backgroundColor: string
  borderWidth: number
  pointRadius: number
  tension: number
  /** Which run the line belongs to (for tooltips and tests). */
  runId?: number
}

export interface SeriesInput {
  runId: number
  label: string
  samples: Sample[]
}

function points(samples: Sample[], field: SampleField, axis: XAxis, maxPoints: number): XY[] {
  const pts: XY[] = new Array(samples.length)
  for (let i = 0; i < samples.length; i++) pts[i] = { x: xOf(samples[i], axis), y: samples[i].values[field] ?? NaN }
  // Wall time can step backwards across worker batches only by rounding; keep x ascending for LTTB.
  for (let i = 1; i < pts.length; i++) if (pts[i].x < pts[i - 1].x) pts[i] = { x: pts[i - 1].x, y: pts[i].y }
  return lttb(pts, maxPoints)
}

function line(label: string, data: XY[], color: string, runId?: number): LineDataset {
  return { label, data, borderColor: color, backgroundColor: withAlpha(color, 0.15), borderWidth: 1.5, pointRadius: 0, tension: 0, runId }
}

/** Compare: one metric, one line per run, one colour per run (by its position in the selection). */
export function overlayDatasets(series: SeriesInput[], field: SampleField, axis: XAxis, maxPoints = DEFAULT_MAX_POINTS): LineDataset[] {
  return series.map((s, i) => line(s.label, points(s.samples, field, axis, maxPoints), colorAt(i), s.runId))
}

/** One run, one panel: a line per field of the panel. */
export function panelDatasets(samples: Sample[], fields: SampleField[], axis: XAxis, maxPoints = DEFAULT_MAX_POINTS): LineDataset[] {
  return fields.map((f, i) => line(SAMPLE_FIELD_INFO[f].label, points(samples, f, axis, maxPoints), colorAt(i)))
}

export interface ErrorBarPoint {
  y: number
  yMin: number
  yMax: number
}

export interface ErrorBarData {
  labels: string[]
  datasets: { label: string; data: ErrorBarPoint[]; backgroundColor: string[]; borderColor: string[]; borderWidth: number }[]
}

/** Compare: a metric's mean per group (design variant x sweep point) with the 95 % CI across trials. */
export function errorBarData(groups: CompareGroup[], metric: string): ErrorBarData {
  const withMetric = groups.filter((g) => g.metrics[metric])
  const colors = withMetric.map((_, i) => colorAt(i))
  return {
    labels: withMetric.map(groupLabel),
    datasets: [
      {
        label: metric,
        data: withMetric.map((g) => {
          const s = g.metrics[metric]
          // One trial has no spread: draw no whisker rather than an infinite CI.
          const lo = s.n > 1 && Number.isFinite(s.ci95Low) ? s.ci95Low : s.mean
          const hi = s.n > 1 && Number.isFinite(s.ci95High) ? s.ci95High : s.mean
          return { y: s.mean, yMin: lo, yMax: hi }
        }),
        backgroundColor: colors.map((c) => withAlpha(c, 0.55)),
        borderColor: colors,
        borderWidth: 1
      }
    ]
  }
}

/** "swap-table P2 · tasks=8" for a group with a sweep point. */
export function groupLabel(g: Pick<CompareGroup, 'variantLabel' | 'point'>): string {
  const pt = Object.entries(g.point ?? {})
    .map(([k, v]) => `${k.split('.').pop()}=${v}`)
    .join(' ')
  return pt ? `${g.variantLabel} · ${pt}` : g.variantLabel
}

export interface DeltaRow {
  key: string
  label: string
  mean: number
  /** Relative to the baseline (0.1 = +10 %); null for the baseline itself or when unknown. */
  relative: number | null
  isBaseline: boolean
}

/** Compare: each group's mean of a metric and its difference to the baseline group. */
export function deltaRows(data: CompareData, metric: string): DeltaRow[] {
  return data.groups
    .filter((g) => g.metrics[metric])
    .map((g) => {
      const isBaseline = g.key === data.baselineKey
      const rel = data.deltas[metric]?.[g.key]
      return { key: g.key, label: groupLabel(g), mean: g.metrics[metric].mean, relative: isBaseline ? null : (rel ?? null), isBaseline }
    })
}

/** Metrics present in any group, in a stable order. */
export function compareMetrics(data: CompareData): string[] {
  const keys = new Set<string>()
  for (const g of data.groups) for (const k of Object.keys(g.metrics)) keys.add(k)
  return [...keys]
}

export interface ConfigRow {
  key: string
  values: (string | number | boolean | undefined)[]
  differs: boolean
}

/** Compare: config fields per run, optionally only those that differ between the runs. */
export function configRows(configs: CompareData['configs'], runIds: number[], differencesOnly: boolean): ConfigRow[] {
  const keys = new Set<string>()
  for (const id of runIds) for (const k of Object.keys(configs[id] ?? {})) keys.add(k)
  const rows = [...keys].sort().map((key) => {
    const values = runIds.map((id) => configs[id]?.[key])
    const differs = values.some((v) => JSON.stringify(v) !== JSON.stringify(values[0]))
    return { key, values, differs }
  })
  return differencesOnly ? rows.filter((r) => r.differs) : rows
}
