import { describe, expect, it } from 'vitest'
import type { CompareData } from '../../../experiments/api'
import { SAMPLE_FIELDS, type Sample } from '../../../engine/pure'
import { configRows, deltaRows, errorBarData, groupLabel, overlayDatasets, panelDatasets, xOf } from './datasets'
import { colorAt } from './palette'

function samples(n: number, scale = 1): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    tSimNs: i * 1e7,
    tWallMs: i * 3,
    ops: i * 100,
    values: Object.fromEntries(SAMPLE_FIELDS.map((f) => [f, i * scale])) as Sample['values']
  }))
}

const stats = (mean: number, n = 3) => ({
  n,
  mean,
  stddev: 1,
  median: mean,
  min: mean - 2,
  max: mean + 2,
  ci95Low: mean - 1.5,
  ci95High: mean + 1.5
})

const data: CompareData = {
  groups: [
    { key: 'a', variantLabel: 'cluster', point: {}, runIds: [1, 2, 3], metrics: { throughputMBps: stats(100) } },
    {
      key: 'b',
      variantLabel: 'swap-table P4',
      point: { 'workload.params.tasks': 8 },
      runIds: [4, 5, 6],
      metrics: { throughputMBps: stats(150) }
    },
    { key: 'c', variantLabel: 'vswap', point: {}, runIds: [7], metrics: { throughputMBps: stats(50, 1) } }
  ],
  baselineKey: 'a',
  deltas: { throughputMBps: { a: 0, b: 0.5, c: -0.5 } },
  configs: { 1: { design: 'cluster', cpus: 2, seed: 1 }, 4: { design: 'swap-table', cpus: 2, seed: 1 } }
}

describe('chart dataset builders', () => {
  it('maps the chosen x axis: simulated ms, wall ms, operations', () => {
    const s = samples(2)[1]
    expect(xOf(s, 'sim')).toBe(10)
    expect(xOf(s, 'wall')).toBe(3)
    expect(xOf(s, 'ops')).toBe(100)
  })

  it('overlays one line per run with one colour per run', () => {
    const ds = overlayDatasets(
      [
        { runId: 7, label: '#7 cluster', samples: samples(10) },
        { runId: 9, label: '#9 swap-table', samples: samples(10, 2) }
      ],
      'throughputMBps',
      'ops'
    )
    expect(ds.map((d) => [d.label, d.runId, d.borderColor])).toEqual([
      ['#7 cluster', 7, colorAt(0)],
      ['#9 swap-table', 9, colorAt(1)]
    ])
    expect(ds[1].data[3]).toEqual({ x: 300, y: 6 })
    expect(ds[0].pointRadius).toBe(0)
  })

  it('decimates long runs to the point budget', () => {
    const [d] = overlayDatasets([{ runId: 1, label: 'r', samples: samples(100_000) }], 'swpout', 'sim', 500)
    expect(d.data).toHaveLength(500)
    expect(d.data[0].x).toBe(0)
    expect(d.data[499].x).toBe(99_999 * 10)
  })

  it('builds overlays of 10 runs x 100 000 samples within an interactive budget', () => {
    const series = Array.from({ length: 10 }, (_, i) => ({ runId: i + 1, label: `#${i + 1}`, samples: samples(100_000, i + 1) }))
    const t0 = performance.now()
    const ds = overlayDatasets(series, 'metadataBytes', 'sim')
    const ms = performance.now() - t0
    expect(ds).toHaveLength(10)
    expect(ds.every((d) => d.data.length === 800)).toBe(true)
    expect(ms).toBeLessThan(2000)
  })

  it('draws one line per field in a single-run panel, labelled by field', () => {
    const ds = panelDatasets(samples(5), ['clustersFree', 'clustersFull'], 'sim')
    expect(ds.map((d) => d.label)).toEqual(['Free clusters', 'Full clusters'])
  })

  it('builds error bars from the 95 % CI, with no whisker for a single trial', () => {
    const e = errorBarData(data.groups, 'throughputMBps')
    expect(e.labels).toEqual(['cluster', 'swap-table P4 · tasks=8', 'vswap'])
    expect(e.datasets[0].data).toEqual([
      { y: 100, yMin: 98.5, yMax: 101.5 },
      { y: 150, yMin: 148.5, yMax: 151.5 },
      { y: 50, yMin: 50, yMax: 50 }
    ])
  })

  it('gives deltas against the baseline, none for the baseline itself', () => {
    expect(deltaRows(data, 'throughputMBps').map((r) => [r.label, r.relative, r.isBaseline])).toEqual([
      ['cluster', null, true],
      ['swap-table P4 · tasks=8', 0.5, false],
      ['vswap', -0.5, false]
    ])
    expect(groupLabel({ variantLabel: 'x', point: {} })).toBe('x')
  })

  it('lists config fields, or only those that differ', () => {
    expect(configRows(data.configs, [1, 4], false).map((r) => r.key)).toEqual(['cpus', 'design', 'seed'])
    expect(configRows(data.configs, [1, 4], true)).toEqual([{ key: 'design', values: ['cluster', 'swap-table'], differs: true }])
  })
})
