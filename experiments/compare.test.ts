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

  it('keeps sensitivity runs out of the groups and gives every delta their verdict: robust, or a flip named as such', () => {
    // Per sweep point (tasks=2, tasks=8): legacy and swap-table, 2 trials each, then each rerun
    // with the device costs x0.5 and x2. At tasks=8, swap-table is faster in the main runs
    // (t 9 vs 10) but slower with device x2 (21 vs 20): its sim time depends on the cost model.
    // Its metadata (m) is lower under every cost model: robust.
    const runs: RunRecord[] = []
    const metrics: [number, Record<string, number>][] = []
    let id = 0
    const add = (label: string, tasks: number, t: number, m: number, scale?: number): void => {
      const point: Record<string, number> = { 'workload.params.tasks': tasks }
      if (scale) point['sensitivity.device'] = scale
      runs.push(run(++id, label, point))
      metrics.push([id, { t, m }])
    }
    for (const tasks of [2, 8])
      for (let trial = 0; trial < 2; trial++) {
        add('legacy', tasks, 10 + trial * 0.01, 100)
        add('swap-table P4', tasks, (tasks === 8 ? 9 : 8) + trial * 0.01, 40)
      }
    for (const tasks of [2, 8])
      for (const scale of [0.5, 2])
        for (let trial = 0; trial < 2; trial++) {
          add('legacy', tasks, 10 * scale + trial * 0.01, 100, scale)
          add('swap-table P4', tasks, (tasks === 8 && scale === 2 ? 21 : (tasks === 8 ? 9 : 8) * scale) + trial * 0.01, 40, scale)
        }
    const c = buildCompare(runs, inputs(metrics))
    // Only the main runs are groups; the sensitivity runs do not become a sweep axis.
    expect(c.groups.map((g) => [g.key, g.runIds.length])).toEqual([
      ['1/legacy/workload.params.tasks=2', 2],
      ['1/swap-table P4/workload.params.tasks=2', 2],
      ['1/legacy/workload.params.tasks=8', 2],
      ['1/swap-table P4/workload.params.tasks=8', 2]
    ])
    expect(c.sweep.map((a) => a.path)).toEqual(['workload.params.tasks'])
    expect(c.sensitivity).toEqual({ runIds: runs.slice(8).map((r) => r.id), groups: ['device'], factors: [0.5, 2] })
    const at2 = c.significance.t['1/swap-table P4/workload.params.tasks=2']
    const at8 = c.significance.t['1/swap-table P4/workload.params.tasks=8']
    expect(at2.sensitivity).toMatchObject({ verdict: 'robust', cases: 2, flips: [] })
    expect(at8.sensitivity).toMatchObject({ verdict: 'depends-on-cost-model', flips: [{ group: 'device', factor: 2 }] })
    // The range spans both signs: at x2 swap-table is 5 % slower, in the main runs 10 % faster.
    expect(at8.sensitivity!.range!.minRel).toBeCloseTo(-0.1, 2)
    expect(at8.sensitivity!.range!.maxRel).toBeCloseTo(0.05, 2)
    expect(at8.sensitivity!.detail).toMatch(/^depends on the cost model \(.*flips with device x2\)$/)
    expect(c.significance.m['1/swap-table P4/workload.params.tasks=8'].sensitivity?.verdict).toBe('robust')
    // Without the sensitivity runs nothing is judged; with only them, they are compared as groups.
    expect(
      buildCompare(runs.slice(0, 8), inputs(metrics)).significance.t['1/swap-table P4/workload.params.tasks=8'].sensitivity
    ).toBeUndefined()
    expect(buildCompare(runs.slice(8), inputs(metrics)).sensitivity).toBeUndefined()
  })
})
