import { describe, expect, it } from 'vitest'
import type { RunRecord, SeriesBuckets } from '../../../experiments/api'
import { buildCompare } from '../../../experiments/compare'
import { barData, barLabel, parallelData, seriesLines, sweepLineData, variantColors, MAX_RUN_LINES } from './compareCharts'
import { colorAt } from './palette'

const run = (id: number, variantLabel: string, point: Record<string, number> = {}): RunRecord =>
  ({ id, experimentId: 1, experimentName: 'e', variantLabel, point, status: 'done' }) as RunRecord

function sweep() {
  // Runs created in plan order of a list sweep: cpus and tasks together, two designs, two trials.
  const runs: RunRecord[] = []
  const metrics = new Map<number, Record<string, number>>()
  let id = 1
  for (const p of [2, 8, 32])
    for (const d of ['swap-table P4', 'vswap'])
      for (let t = 0; t < 2; t++) {
        runs.push(run(id, d, { cpus: p, 'workload.params.tasks': p, memoryLimitBytes: 16 * 2 ** 20 }))
        metrics.set(id, { sim_time_s: (d === 'vswap' ? 2 : 1) * p + t * 0.01, metadata_peak_bytes: 1000 * p })
        id++
      }
  return buildCompare(runs, { metricsByRun: metrics, configsByRun: new Map() }, { variant: 'swap-table P4' })
}

describe('compare charts', () => {
  it('give each design one colour, the same for every group of it', () => {
    const c = sweep()
    const colors = variantColors(c.groups)
    expect([...colors]).toEqual([
      ['swap-table P4', colorAt(0)],
      ['vswap', colorAt(1)]
    ])
    const b = barData(c.groups, 'sim_time_s', colors)
    expect(b.datasets[0].borderColor).toEqual([colorAt(0), colorAt(1), colorAt(0), colorAt(1), colorAt(0), colorAt(1)])
  })

  it('label bars on two lines in human units, never a raw path or byte count', () => {
    const c = sweep()
    expect(barLabel(c.groups[0])).toEqual(['swap-table P4', 'cpus=2 · tasks=2 · memory limit=16 MiB'])
  })

  it('draw a sweep as one line per design against the swept values in order, with a CI band', () => {
    const c = sweep()
    const d = sweepLineData(c, 'sim_time_s', variantColors(c.groups))
    // Only what varies between the points labels them (memory limit is the same everywhere).
    expect(d.labels).toEqual([
      ['cpus=2', 'tasks=2'],
      ['cpus=8', 'tasks=8'],
      ['cpus=32', 'tasks=32']
    ])
    const lines = d.datasets.filter((x) => !x.band)
    expect(lines.map((l) => l.label)).toEqual(['swap-table P4', 'vswap'])
    expect(lines[1].data.map((v) => Number(v!.toFixed(3)))).toEqual([4.005, 16.005, 64.005])
    const high = d.datasets.find((x) => x.band === 'high' && x.variant === 'vswap')!
    expect(high.fill).toBe('-1')
    expect(high.data[0]!).toBeGreaterThan(lines[1].data[0]!)
  })

  it('draw parallel coordinates over the swept parameters and the metrics, each scaled to its range', () => {
    const c = sweep()
    const p = parallelData(c, ['sim_time_s'], variantColors(c.groups))
    expect(p.labels).toEqual(['cpus', 'tasks', 'sim_time_s'])
    expect(p.ranges[0]).toEqual({ min: 2, max: 32 })
    expect(p.datasets).toHaveLength(6)
    expect(p.datasets[0].data[0]).toBe(0)
    expect(p.datasets[5].data).toEqual([1, 1, 1])
  })

  function buckets(runId: number, scale: number, n = 50): SeriesBuckets {
    const ys = Array.from({ length: n }, (_, i) => i * scale)
    return {
      runId,
      totalSamples: n * 10,
      tSimNs: ys.map((_, i) => i * 1e6),
      tWallMs: ys.map((_, i) => i),
      ops: ys.map((_, i) => i * 10),
      fields: { throughputMBps: { mean: ys, min: ys.map((y) => y - 1), max: ys.map((y) => y + 1) } }
    }
  }

  it('draw a line per run for a few runs, in their design colour, with the bucket envelope', () => {
    const c = buildCompare([run(1, 'a'), run(2, 'b')], { metricsByRun: new Map(), configsByRun: new Map() })
    const { lines, mode } = seriesLines([buckets(1, 1), buckets(2, 2)], c.groups, 'throughputMBps', 'sim', variantColors(c.groups))
    expect(mode).toBe('runs')
    const main = lines.filter((l) => l.legend)
    expect(main.map((l) => [l.label, l.borderColor])).toEqual([
      ['#1 a', colorAt(0)],
      ['#2 b', colorAt(1)]
    ])
    expect(lines.filter((l) => l.band === 'high')[0].data[3]).toEqual({ x: 3, y: 4 })
  })

  it('draw a mean and range per group for many runs, and name every group in the legend', () => {
    const runs = Array.from({ length: 100 }, (_, i) => run(i + 1, i % 2 ? 'b' : 'a'))
    const c = buildCompare(runs, { metricsByRun: new Map(), configsByRun: new Map() })
    const series = runs.map((r) => buckets(r.id, r.variantLabel === 'b' ? 2 : 1 + r.id / 1000))
    const { lines, mode } = seriesLines(series, c.groups, 'throughputMBps', 'sim', variantColors(c.groups), 50)
    expect(runs.length).toBeGreaterThan(MAX_RUN_LINES)
    expect(mode).toBe('groups')
    expect(lines.filter((l) => l.legend).map((l) => l.legend)).toEqual(['a (mean of 50 runs)', 'b (mean of 50 runs)'])
    const meanB = lines.find((l) => l.legend?.startsWith('b'))!
    expect(meanB.data[49].y).toBeCloseTo(98)
    const lowA = lines.find((l) => l.band === 'low' && l.label.startsWith('a'))!
    const highA = lines.find((l) => l.band === 'high' && l.label.startsWith('a'))!
    expect(highA.data[49].y).toBeGreaterThan(lowA.data[49].y)
  })
})
