// Chart.js options shared by the app's charts: no animation, no parsing (data is already
// {x, y}), compact ticks, colours of the theme in force (light or dark). Pure apart from
// reading the theme, so tests can check them.
import type { ChartOptions } from 'chart.js'
import { chartTheme } from './theme'
import { fmtNumber } from '../lib/format'
import { fmtMetric } from '../lib/metrics'
import { roundTickOptions } from './ticks'

/** A value axis for `metric`: from zero, round ticks in its unit (charts/ticks.ts), the theme's grid. */
function valueAxis(metric: string | null, maxTicksLimit: number) {
  const fmt = (v: number): string => (metric ? fmtMetric(metric, v) : fmtNumber(v))
  const round = metric ? roundTickOptions(metric, fmt) : { ticks: { callback: (v: string | number) => fmt(Number(v)) } }
  return {
    type: 'linear' as const,
    beginAtZero: true,
    ...round,
    ticks: { maxTicksLimit, ...round.ticks },
    grid: { color: chartTheme().grid }
  }
}

export function lineOptions(xLabel: string, yMetric: string | null, showLegend = true): ChartOptions<'line'> {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    parsing: false,
    normalized: true,
    spanGaps: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    plugins: {
      legend: { display: showLegend, position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, padding: 8 } },
      tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${yMetric ? fmtMetric(yMetric, c.parsed.y) : fmtNumber(c.parsed.y)}` } }
    },
    scales: {
      x: {
        type: 'linear',
        title: { display: true, text: xLabel },
        ticks: { maxTicksLimit: 8, callback: (v) => fmtNumber(Number(v)) },
        grid: { color: chartTheme().grid }
      },
      y: valueAxis(yMetric, 6)
    }
  }
}

export function errorBarOptions(metric: string): ChartOptions<'bar'> {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: {
      legend: { display: false },
      tooltip: { callbacks: { label: (c) => fmtMetric(metric, (c.raw as { y: number }).y) } }
    },
    scales: {
      x: { type: 'category', ticks: { autoSkip: false, maxRotation: 30 }, grid: { display: false } },
      y: valueAxis(metric, 6)
    }
  }
}

/** Compare bars: one per group, labels of two lines (design, sweep point), no rotation. */
export function compareBarOptions(metric: string): ChartOptions<'bar'> {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: {
      legend: { display: false },
      tooltip: {
        callbacks: {
          label: (c) => {
            const r = c.raw as { y: number; yMin: number; yMax: number }
            return r.yMax > r.yMin
              ? `${fmtMetric(metric, r.y)} (95 % CI ${fmtMetric(metric, r.yMin)} – ${fmtMetric(metric, r.yMax)})`
              : fmtMetric(metric, r.y)
          }
        }
      }
    },
    scales: {
      x: { type: 'category', ticks: { autoSkip: false, maxRotation: 0, font: { size: 10 } }, grid: { display: false } },
      y: valueAxis(metric, 7)
    }
  }
}

/** A metric against the sweep points: category x, one line per design with its band. */
export function sweepOptions(metric: string, xTitle: string): ChartOptions<'line'> {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    spanGaps: false,
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { display: false },
      tooltip: {
        filter: (item) => !(item.dataset as { band?: string }).band,
        callbacks: { label: (c) => `${c.dataset.label}: ${fmtMetric(metric, c.parsed.y)}` }
      }
    },
    scales: {
      x: {
        type: 'category',
        title: { display: true, text: xTitle },
        ticks: { autoSkip: false, maxRotation: 0, font: { size: 10 } },
        grid: { color: chartTheme().grid }
      },
      y: valueAxis(metric, 7)
    }
  }
}

/** Parallel coordinates: every axis scaled 0..1 (labels carry each axis's real range); tooltips show real values. */
export function parallelOptions(axes: { id: string; kind: 'param' | 'metric' }[]): ChartOptions<'line'> {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'nearest', intersect: false },
    plugins: {
      legend: { display: false },
      tooltip: {
        callbacks: {
          label: (c) => {
            const raw = (c.dataset as unknown as { raw: (number | null)[] }).raw[c.dataIndex]
            const a = axes[c.dataIndex]
            return `${c.dataset.label}: ${a.kind === 'metric' ? fmtMetric(a.id, raw) : fmtNumber(raw)}`
          }
        }
      }
    },
    scales: {
      x: {
        type: 'category',
        ticks: { autoSkip: false, maxRotation: 0, font: { size: 10 } },
        grid: { color: chartTheme().axis, lineWidth: 1 }
      },
      y: { type: 'linear', min: -0.05, max: 1.05, ticks: { display: false }, grid: { display: false } }
    }
  }
}

/** Time series in Compare: linear x, the field's unit on y, tooltips without the band lines. */
export function seriesOptions(xLabel: string, field: string): ChartOptions<'line'> {
  const o = lineOptions(xLabel, field, false)
  return {
    ...o,
    plugins: {
      ...o.plugins,
      legend: { display: false },
      tooltip: { ...o.plugins!.tooltip, filter: (item) => !(item.dataset as { band?: string }).band }
    },
    scales: { ...o.scales, y: valueAxis(field, 7) }
  }
}
