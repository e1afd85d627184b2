import { describe, expect, it } from 'vitest'
import type { RunRecord } from './api'
import { buildCompare, flattenConfig, groupKey } from './compare'

const run = (id: number, variantLabel: string, point: Record<string, number> = {}, experimentId = 1): RunRecord =>
  ({ id, experimentId, variantLabel, point, status: 'done' }) as RunRecord

describe('compare', () => {
  it('groups trials by experiment, variant and point, with statistics and deltas against the baseline', () => {
    const runs = [run(1, 'legacy'), run(2, 'swap-table P4'), run(3, 'legacy'), run(4, 'swap-table P4'), run(5, 'legacy', {}, 2)]
    const metrics = new Map([
      [1, { t: 10 }],
      [2, { t: 8 }],
      [3, { t: 12 }],
      [4, { t: 9 }],
      [5, { t: 100 }]
    ])
    const c = buildCompare(runs, metrics, new Map(), 2)
    expect(c.groups.map((g) => [g.key, g.runIds])).toEqual([
      ['1/legacy', [1, 3]],
      ['1/swap-table P4', [2, 4]],
      ['2/legacy', [5]]
    ])
    expect(c.baselineKey).toBe('1/swap-table P4')
    expect(c.groups[0].metrics.t).toMatchObject({ n: 2, mean: 11, min: 10, max: 12 })
    expect(c.deltas.t['1/legacy']).toBeCloseTo(11 / 8.5 - 1)
    expect(c.deltas.t['1/swap-table P4']).toBe(0)
  })

  it('keeps groups of runs without results, with no metrics', () => {
    const c = buildCompare([run(1, 'legacy'), run(2, 'vswap')], new Map([[1, { t: 1 }]]), new Map())
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
