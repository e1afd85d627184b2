// Chart.js options shared by the app's charts: no animation, no parsing (data is already
// {x, y}), compact ticks. Pure, so tests can check them.
import type { ChartOptions } from 'chart.js'
import { fmtNumber } from '../lib/format'
import { fmtMetric } from '../lib/metrics'

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
        grid: { color: '#eef0f3' }
      },
      y: {
        type: 'linear',
        beginAtZero: true,
        ticks: { maxTicksLimit: 6, callback: (v) => (yMetric ? fmtMetric(yMetric, Number(v)) : fmtNumber(Number(v))) },
        grid: { color: '#eef0f3' }
      }
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
      y: {
        type: 'linear',
        beginAtZero: true,
        ticks: { maxTicksLimit: 6, callback: (v) => fmtMetric(metric, Number(v)) },
        grid: { color: '#eef0f3' }
      }
    }
  }
}
