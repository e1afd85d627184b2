import { describe, expect, it } from 'vitest'
import type { RunRecord } from './api'
import { buildCompare, flattenConfig, groupKey } from './compare'

const run = (id: number, variantLabel: string, point: Record<string, number> = {}, experimentId = 1): RunRecord =>
  ({ id, experimentId, experimentName: `exp ${experimentId}`, variantLabel, point, status: 'done' }) as RunRecord

const inputs = (m: [number, Record<string, number>][]) => ({ metricsByRun: new Map(m), configsByRun: new Map() })

describe('compare', () => {
  it('groups trials by experiment, variant and point, with statistics and deltas against the chosen run', () => {
    const runs = [run(1, 'legacy'), run(2, 'swap-table P4'), run(3, 'legacy'), run(4, 'swap-table P4'), run(5, 'legacy', {}, 2)]
    const c = buildCompare(
      runs,
      inputs([
        [1, { t: 10 }],
        [2, { t: 8 }],
        [3, { t: 12 }],
        [4, { t: 9 }],
        [5, { t: 100 }]
      ]),
      2
    )
    expect(c.groups.map((g) => [g.key, g.runIds])).toEqual([
      ['1/legacy', [1, 3]],
      ['1/swap-table P4', [2, 4]],
      ['2/legacy', [5]]
    ])
    expect(c.baseline).toEqual({ variant: 'swap-table P4', runId: 2, chosen: true, kernel: false })
    expect(c.baselineKey).toBe('1/swap-table P4')
    expect(c.groups[0].metrics.t).toMatchObject({ n: 2, mean: 11, min: 10, max: 12 })
    expect(c.deltas.t['1/legacy']).toBeCloseTo(11 / 8.5 - 1)
    expect(c.deltas.t['1/swap-table P4']).toBe(0)
    // The chosen run's group stands for experiment 2 too, since it has no swap-table run and no sweep.
    expect(c.significance.t['2/legacy'].baselineKey).toBe('1/swap-table P4')
  })

  it('never takes a default baseline from another experiment', () => {
    // Experiment 1 is a pinned run of another workload; experiment 2 is what is being compared.
    const runs = [run(3, 'legacy', {}, 1), run(10, 'swap-table P4', {}, 2), run(11, 'legacy', {}, 2)]
    const c = buildCompare(
      runs,
      inputs([
        [3, { t: 100 }],
        [10, { t: 8 }],
        [11, { t: 10 }]
      ])
    )
    expect(c.baseline).toMatchObject({ variant: 'legacy', chosen: false })
    // Each experiment is measured against its own legacy run, not against run 3.
    expect(c.significance.t['2/swap-table P4'].baselineKey).toBe('2/legacy')
    expect(c.deltas.t['2/swap-table P4']).toBeCloseTo(-0.2)
  })

  it('measures a design baseline at the same sweep point and orders groups by the swept value', () => {
    const runs = [
      run(1, 'vswap', { cpus: 32 }),
      run(2, 'swap-table P4', { cpus: 32 }),
      run(3, 'vswap', { cpus: 2 }),
      run(4, 'swap-table P4', { cpus: 2 }),
      run(5, 'vswap', { cpus: 8 }),
      run(6, 'swap-table P4', { cpus: 8 })
    ]
    const c = buildCompare(
      runs,
      inputs([
        [1, { t: 80 }],
        [2, { t: 40 }],
        [3, { t: 10 }],
        [4, { t: 5 }],
        [5, { t: 20 }],
        [6, { t: 10 }]
      ]),
      { variant: 'swap-table P4' }
    )
    expect(c.groups.map((g) => g.key)).toEqual([
      '1/vswap/cpus=2',
      '1/swap-table P4/cpus=2',
      '1/vswap/cpus=8',
      '1/swap-table P4/cpus=8',
      '1/vswap/cpus=32',
      '1/swap-table P4/cpus=32'
    ])
    // vswap is twice swap-table at every point: +100 %, never the +700 % of a fixed point.
    for (const p of [2, 8, 32]) {
      expect(c.deltas.t[`1/vswap/cpus=${p}`]).toBeCloseTo(1)
      expect(c.significance.t[`1/vswap/cpus=${p}`].baselineKey).toBe(`1/swap-table P4/cpus=${p}`)
    }
    expect(c.baselineKeys).toEqual(['1/swap-table P4/cpus=2', '1/swap-table P4/cpus=8', '1/swap-table P4/cpus=32'])
    expect(c.sweep).toEqual([{ path: 'cpus', values: [2, 8, 32] }])
  })

  it('says whether each delta is beyond trial noise', () => {
    const runs = [1, 2, 3].flatMap((i) => [run(i, 'a'), run(10 + i, 'b'), run(20 + i, 'c')])
    const m: [number, Record<string, number>][] = [
      [1, { t: 100 }],
      [2, { t: 110 }],
      [3, { t: 90 }],
      [11, { t: 101 }],
      [12, { t: 112 }],
      [13, { t: 93 }],
      [21, { t: 50 }],
      [22, { t: 51 }],
      [23, { t: 49 }]
    ]
    const c = buildCompare(runs, inputs(m), { variant: 'a' })
    expect(c.significance.t['1/b'].verdict).toBe('noise')
    expect(c.significance.t['1/c'].verdict).toBe('significant')
    expect(c.significance.t['1/a']).toBeUndefined()
  })

  it('marks kernel groups and leaves out metrics they did not measure', () => {
    const c = buildCompare(
      [run(1, 'legacy'), run(2, 'kernel host')],
      {
        metricsByRun: new Map<number, Record<string, number>>([
          [1, { t: 1, swpout: 5 }],
          [2, { t: 2 }]
        ]),
        configsByRun: new Map(),
        kernelByRun: new Map([[2, { release: '6.12.57', where: 'host' as const, timingsAreKernel: true }]])
      },
      2
    )
    expect(c.groups[1].kernel).toMatchObject({ release: '6.12.57' })
    expect(c.baseline).toMatchObject({ variant: 'kernel host', kernel: true })
    expect(c.groups[1].metrics.swpout).toBeUndefined()
    expect(c.deltas.swpout).toBeUndefined()
  })

  it('keeps groups of runs without results, with no metrics', () => {
    const c = buildCompare([run(1, 'legacy'), run(2, 'vswap')], inputs([[1, { t: 1 }]]))
    expect(c.groups[1]).toMatchObject({ runIds: [2], metrics: {} })
    expect(c.deltas.t).toEqual({ '1/legacy': 0 })
  })

  it('names points in group keys and flattens configs to dotted fields', () => {
    expect(groupKey(run(1, 'legacy', { cpus: 4, 'workload.params.tasks': 8 }))).toBe('1/legacy/cpus=4,workload.params.tasks=8')
    expect(flattenConfig({ design: 'legacy', thpOrders: [0, 4], workload: { params: { tasks: 2 } }, deviceDir: undefined })).toEqual({
      design: 'legacy',
      thpOrders: '0,4',
      'workload.params.tasks': 2
    })
  })
})
