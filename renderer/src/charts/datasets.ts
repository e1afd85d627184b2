// Chart dataset builders: pure functions from lab data to Chart.js data, tested on their own.
import type { CompareData } from '../../../experiments/api'
import type { Sample, SampleField } from '../../../engine/pure'
import { lttb, type XY } from './decimate'
import { colorAt, withAlpha } from './palette'
import { SAMPLE_FIELD_INFO } from '../lib/metrics'

import type { XAxis } from './compareCharts'
export type { XAxis }

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

/** One run, one panel: a line per field of the panel. */
export function panelDatasets(samples: Sample[], fields: SampleField[], axis: XAxis, maxPoints = DEFAULT_MAX_POINTS): LineDataset[] {
  return fields.map((f, i) => line(SAMPLE_FIELD_INFO[f].label, points(samples, f, axis, maxPoints), colorAt(i)))
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
