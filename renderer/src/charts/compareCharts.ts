// Compare's chart builders: pure functions from the lab's compare data and decimated series
// to Chart.js data. One colour per design variant everywhere (bars, lines, bands, legends);
// kernel runs are dashed and labelled.
import type { CompareData, CompareGroup, SeriesBuckets } from '../../../experiments/api'
import { chartTheme } from './theme'
import { fmtParam, fmtPoint, paramLabel } from '../lib/format'
import { colorAt, withAlpha } from './palette'
import type { XY } from './decimate'

export type XAxis = 'sim' | 'wall' | 'ops'

/** Above this many runs the time series show one mean line with a band per group instead of a line per run. */
export const MAX_RUN_LINES = 6

/** Design variant label -> colour, in the order the groups list them. */
export function variantColors(groups: Pick<CompareGroup, 'variantLabel'>[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const g of groups) if (!out.has(g.variantLabel)) out.set(g.variantLabel, colorAt(out.size))
  return out
}

/** "vswap", with the kernel release for kernel groups: "kernel host [kernel 6.12.57]". */
export function variantName(g: Pick<CompareGroup, 'variantLabel' | 'kernel'>): string {
  return g.kernel ? `${g.variantLabel} [kernel ${g.kernel.release}]` : g.variantLabel
}

/** Bar labels: the design on one line, the sweep point on the next (Chart.js draws arrays as lines). */
export function barLabel(g: Pick<CompareGroup, 'variantLabel' | 'kernel' | 'point'>): string | string[] {
  const pt = fmtPoint(g.point)
  return pt ? [variantName(g), pt] : variantName(g)
}

export interface BarPoint {
  y: number
  yMin: number
  yMax: number
}

/** A metric's mean per group with its 95 % CI; bars coloured by design. */
export function barData(groups: CompareGroup[], metric: string, colors: Map<string, string>) {
  const shown = groups.filter((g) => g.metrics[metric])
  const color = shown.map((g) => colors.get(g.variantLabel) ?? colorAt(0))
  return {
    labels: shown.map(barLabel),
    datasets: [
      {
        label: metric,
        data: shown.map((g): BarPoint => {
          const s = g.metrics[metric]
          const spread = s.n > 1 && Number.isFinite(s.ci95Low) && Number.isFinite(s.ci95High)
          return { y: s.mean, yMin: spread ? s.ci95Low : s.mean, yMax: spread ? s.ci95High : s.mean }
        }),
        backgroundColor: color.map((c, i) => (shown[i].kernel ? withAlpha(c, 0.2) : withAlpha(c, 0.6))),
        borderColor: color,
        borderWidth: shown.map((g) => (g.kernel ? 2 : 1)),
        // Whiskers in the theme's text colour (the plugin's dark grey vanishes on a dark panel).
        errorBarColor: chartTheme().text,
        errorBarWhiskerColor: chartTheme().text
      }
    ]
  }
}

/** The sweep points of the compared groups, in order, each as its key and its label ("cpus=8 · tasks=8"). */
export function sweepPoints(data: CompareData): { key: string; label: string }[] {
  const seen = new Map<string, string>()
  for (const g of data.groups) {
    const key = JSON.stringify(data.sweep.map((a) => g.point[a.path] ?? null))
    if (!seen.has(key)) seen.set(key, data.sweep.map((a) => `${paramLabel(a.path)}=${fmtParam(a.path, g.point[a.path])}`).join(' · '))
  }
  return [...seen].map(([key, label]) => ({ key, label }))
}

export interface SweepDataset {
  label: string
  data: (number | null)[]
  borderColor: string
  backgroundColor: string
  borderWidth: number
  borderDash?: number[]
  pointRadius: number
  fill: boolean | string
  /** Bands are drawn as a pair of datasets without their own legend entry. */
  band?: 'low' | 'high'
  variant: string
}

/**
 * A metric against the swept parameter(s): x is the sweep point in order, one line per
 * design with its 95 % CI as a band. Several experiments' groups share a line only when they
 * share a design label and point.
 */
export function sweepLineData(data: CompareData, metric: string, colors: Map<string, string>) {
  const points = sweepPoints(data)
  const index = new Map(points.map((p, i) => [p.key, i]))
  const variants = [...new Set(data.groups.map((g) => g.variantLabel))]
  const datasets: SweepDataset[] = []
  for (const v of variants) {
    const mean: (number | null)[] = points.map(() => null)
    const lo: (number | null)[] = points.map(() => null)
    const hi: (number | null)[] = points.map(() => null)
    let kernel = false
    for (const g of data.groups) {
      if (g.variantLabel !== v || !g.metrics[metric]) continue
      kernel ||= !!g.kernel
      const i = index.get(JSON.stringify(data.sweep.map((a) => g.point[a.path] ?? null)))!
      const s = g.metrics[metric]
      mean[i] = s.mean
      lo[i] = s.n > 1 ? s.ci95Low : s.mean
      hi[i] = s.n > 1 ? s.ci95High : s.mean
    }
    if (mean.every((m) => m === null)) continue
    const c = colors.get(v) ?? colorAt(0)
    const dash = kernel ? [6, 3] : undefined
    datasets.push(
      {
        label: `${v} low`,
        data: lo,
        borderColor: 'transparent',
        backgroundColor: withAlpha(c, 0.18),
        borderWidth: 0,
        pointRadius: 0,
        fill: false,
        band: 'low',
        variant: v
      },
      {
        label: `${v} 95 % CI`,
        data: hi,
        borderColor: 'transparent',
        backgroundColor: withAlpha(c, 0.18),
        borderWidth: 0,
        pointRadius: 0,
        fill: '-1',
        band: 'high',
        variant: v
      },
      {
        label: v,
        data: mean,
        borderColor: c,
        backgroundColor: c,
        borderWidth: 2,
        borderDash: dash,
        pointRadius: 3,
        fill: false,
        variant: v
      }
    )
  }
  return { labels: points.map((p) => p.label.split(' · ')), datasets }
}

/**
 * Parallel coordinates for sweeps of two or more parameters: one vertical axis per swept
 * parameter and per metric, each scaled to its own range (0..1), one polyline per group in its
 * design's colour. `ranges` gives each axis's real min and max for the axis labels.
 */
export function parallelData(data: CompareData, metrics: string[], colors: Map<string, string>) {
  const axes = [
    ...data.sweep.map((a) => ({ id: a.path, label: paramLabel(a.path), kind: 'param' as const })),
    ...metrics.map((m) => ({ id: m, label: m, kind: 'metric' as const }))
  ]
  const value = (g: CompareGroup, a: (typeof axes)[number]): number | null => {
    if (a.kind === 'metric') return g.metrics[a.id]?.mean ?? null
    const v = g.point[a.id]
    if (typeof v === 'number') return v
    const values = data.sweep.find((s) => s.path === a.id)!.values
    return values.indexOf(v)
  }
  const ranges = axes.map((a) => {
    const xs = data.groups.map((g) => value(g, a)).filter((x): x is number => x !== null)
    return { min: Math.min(...xs), max: Math.max(...xs) }
  })
  const datasets = data.groups
    .filter((g) => Object.keys(g.metrics).length)
    .map((g) => {
      const c = colors.get(g.variantLabel) ?? colorAt(0)
      return {
        label: `${variantName(g)} · ${fmtPoint(g.point)}`,
        data: axes.map((a, i) => {
          const v = value(g, a)
          const r = ranges[i]
          return v === null ? null : r.max === r.min ? 0.5 : (v - r.min) / (r.max - r.min)
        }),
        raw: axes.map((a) => value(g, a)),
        borderColor: c,
        backgroundColor: c,
        borderWidth: 1.5,
        borderDash: g.kernel ? [6, 3] : undefined,
        pointRadius: 3,
        fill: false,
        variant: g.variantLabel
      }
    })
  return { axes, ranges, labels: axes.map((a) => a.label), datasets }
}

export interface SeriesLine {
  label: string
  data: XY[]
  borderColor: string
  backgroundColor: string
  borderWidth: number
  borderDash?: number[]
  pointRadius: number
  tension: number
  fill: boolean | string
  band?: 'low' | 'high'
  /** What the legend lists for this line: a run or a group. */
  legend?: string
}

const xs = (b: SeriesBuckets, axis: XAxis): number[] =>
  axis === 'sim' ? b.tSimNs.map((t) => t / 1e6) : axis === 'wall' ? b.tWallMs : b.ops

/** Linear interpolation of a run's bucket means at x (null outside the run's range). */
function at(x: number[], y: (number | null)[], t: number, from: { i: number }): number | null {
  if (!x.length || t < x[0] || t > x[x.length - 1]) return null
  while (from.i < x.length - 2 && x[from.i + 1] < t) from.i++
  const i = from.i
  const y0 = y[i]
  const y1 = y[Math.min(i + 1, y.length - 1)]
  if (y0 === null || y1 === null) return y0 ?? y1
  const x0 = x[i]
  const x1 = x[Math.min(i + 1, x.length - 1)]
  return x1 === x0 ? y0 : y0 + ((t - x0) / (x1 - x0)) * (y1 - y0)
}

/**
 * One field over time. With up to MAX_RUN_LINES runs: a line per run (its bucket means) with
 * the min-max envelope of its buckets as a light band. With more: per group (design x sweep
 * point) the mean over its runs on a common x grid, with the range of the runs as the band.
 */
export function seriesLines(
  series: SeriesBuckets[],
  groups: CompareGroup[],
  field: string,
  axis: XAxis,
  colors: Map<string, string>,
  gridPoints = 120
): { lines: SeriesLine[]; mode: 'runs' | 'groups' } {
  const groupOf = new Map<number, CompareGroup>()
  for (const g of groups) for (const id of g.runIds) groupOf.set(id, g)
  const withData = series.filter((s) => s.fields[field] && s.tSimNs.length)
  const colorOf = (g: CompareGroup | undefined): string => (g && colors.get(g.variantLabel)) ?? colorAt(0)
  const lines: SeriesLine[] = []
  if (series.length <= MAX_RUN_LINES) {
    for (const s of withData) {
      const g = groupOf.get(s.runId)
      const c = colorOf(g)
      const x = xs(s, axis)
      const f = s.fields[field]
      const pts = (ys: (number | null)[]): XY[] => x.map((xv, i) => ({ x: xv, y: ys[i] ?? NaN }))
      const label = `#${s.runId} ${g ? variantName(g) : ''}${g && Object.keys(g.point).length ? ` · ${fmtPoint(g.point)}` : ''}`.trim()
      const band = { borderColor: 'transparent', backgroundColor: withAlpha(c, 0.15), borderWidth: 0, pointRadius: 0, tension: 0 }
      lines.push({ ...band, label: `${label} min`, data: pts(f.min), fill: false, band: 'low' })
      lines.push({ ...band, label: `${label} max`, data: pts(f.max), fill: '-1', band: 'high' })
      lines.push({
        label,
        data: pts(f.mean),
        borderColor: c,
        backgroundColor: c,
        borderWidth: 1.5,
        borderDash: g?.kernel ? [6, 3] : undefined,
        pointRadius: 0,
        tension: 0,
        fill: false,
        legend: label
      })
    }
    return { lines, mode: 'runs' }
  }
  for (const g of groups) {
    const members = withData.filter((s) => groupOf.get(s.runId) === g)
    if (!members.length) continue
    const ends = members.map((s) => xs(s, axis))
    const xMax = Math.max(...ends.map((x) => x[x.length - 1]))
    const xMin = Math.min(...ends.map((x) => x[0]))
    const n = Math.max(2, gridPoints)
    const mean: XY[] = []
    const lo: XY[] = []
    const hi: XY[] = []
    const cursors = members.map(() => ({ i: 0 }))
    for (let k = 0; k < n; k++) {
      const t = xMin + ((xMax - xMin) * k) / (n - 1)
      let sum = 0
      let cnt = 0
      let min = Infinity
      let max = -Infinity
      members.forEach((s, j) => {
        const v = at(ends[j], s.fields[field].mean, t, cursors[j])
        if (v === null || !Number.isFinite(v)) return
        sum += v
        cnt++
        if (v < min) min = v
        if (v > max) max = v
      })
      mean.push({ x: t, y: cnt ? sum / cnt : NaN })
      lo.push({ x: t, y: cnt ? min : NaN })
      hi.push({ x: t, y: cnt ? max : NaN })
    }
    const c = colorOf(g)
    const pt = fmtPoint(g.point)
    const label = `${variantName(g)}${pt ? ` · ${pt}` : ''} (mean of ${members.length} run${members.length === 1 ? '' : 's'})`
    const band = { borderColor: 'transparent', backgroundColor: withAlpha(c, 0.18), borderWidth: 0, pointRadius: 0, tension: 0 }
    lines.push({ ...band, label: `${label} min`, data: lo, fill: false, band: 'low' })
    lines.push({ ...band, label: `${label} max`, data: hi, fill: '-1', band: 'high' })
    lines.push({
      label,
      data: mean,
      borderColor: c,
      backgroundColor: c,
      borderWidth: 2,
      borderDash: g.kernel ? [6, 3] : undefined,
      pointRadius: 0,
      tension: 0,
      fill: false,
      legend: label
    })
  }
  return { lines, mode: 'groups' }
}
