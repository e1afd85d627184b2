import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../../experiments/api'
import { filterAndSort, groupByExperiment, parseNumericFilter } from './runColumns'

const run = (id: number, over: Partial<RunRecord>): RunRecord =>
  ({
    id,
    experimentId: 1,
    experimentName: 'e1',
    design: 'cluster',
    variantLabel: 'cluster',
    workload: 'usemem',
    point: {},
    trial: 0,
    seed: 1,
    status: 'done',
    storage: 'file',
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    wallTimeMs: 10,
    error: null,
    engineVersion: '1',
    appVersion: '1',
    platform: 'p',
    note: '',
    tags: [],
    headline: null,
    ...over
  }) as RunRecord

const runs = [
  run(1, { headline: { throughput_bytes_per_s: 300e6 } }),
  run(2, {
    variantLabel: 'swap-table P4',
    design: 'swap-table',
    headline: { throughput_bytes_per_s: 500e6 },
    experimentId: 2,
    experimentName: 'e2'
  }),
  run(3, { status: 'failed', headline: null }),
  run(4, { variantLabel: 'vswap', design: 'vswap', headline: { throughput_bytes_per_s: 100e6 }, experimentId: 2, experimentName: 'e2' })
]

describe('runs table', () => {
  it('sorts by a metric either way, runs without it last', () => {
    expect(filterAndSort([...runs], {}, { column: 'throughput', dir: 'asc' }).map((r) => r.id)).toEqual([4, 1, 2, 3])
    expect(filterAndSort([...runs], {}, { column: 'throughput', dir: 'desc' }).map((r) => r.id)).toEqual([2, 1, 4, 3])
  })

  it('filters by any column on the shown text, case-insensitively', () => {
    expect(filterAndSort([...runs], { design: 'TABLE' }, { column: 'id', dir: 'asc' }).map((r) => r.id)).toEqual([2])
    expect(filterAndSort([...runs], { status: 'fail' }, { column: 'id', dir: 'asc' }).map((r) => r.id)).toEqual([3])
    expect(filterAndSort([...runs], { throughput: '500' }, { column: 'id', dir: 'asc' }).map((r) => r.id)).toEqual([2])
    expect(filterAndSort([...runs], { experiment: 'e2', design: 'vswap' }, { column: 'id', dir: 'asc' }).map((r) => r.id)).toEqual([4])
  })

  it('groups by experiment keeping row order', () => {
    const g = groupByExperiment(filterAndSort([...runs], {}, { column: 'id', dir: 'desc' }))
    expect(g.map((x) => [x.experimentId, x.runs.map((r) => r.id)])).toEqual([
      [2, [4, 2]],
      [1, [3, 1]]
    ])
  })
})

describe('form error placement', () => {
  it('places every field the form shows, including sweep values, and lists the rest', async () => {
    const { unplacedErrors } = await import('./configEdit')
    const e = (field: string) => ({ field, message: 'm' })
    expect(
      unplacedErrors([
        e('cpus'),
        e('sweep.axes.0.values.2'),
        e('designs.1.options.phase'),
        e('workload.params.tasks'),
        e('deviceDir'),
        e('(config)')
      ]).map((x) => x.field)
    ).toEqual(['deviceDir', '(config)'])
  })
})

describe('numeric filters', () => {
  const rs = [
    run(1, { headline: { throughput_bytes_per_s: 1069e6, sim_time_s: 0.0556, metadata_peak_bytes: 20 * 1024 } }),
    run(2, { headline: { throughput_bytes_per_s: 1071e6, sim_time_s: 0.002, metadata_peak_bytes: 80 * 1024 } }),
    run(3, { headline: null, tags: ['slow disk'], note: 'retry' })
  ]
  const ids = (f: Record<string, string>) => filterAndSort([...rs], f, { column: 'id', dir: 'asc' }).map((r) => r.id)

  it('compare in the unit the column shows (MB/s, ms, KiB) or in a unit typed with the number', () => {
    expect(ids({ throughput: '>1070' })).toEqual([2])
    expect(ids({ throughput: '<= 1070 MB/s' })).toEqual([1])
    expect(ids({ simTime: '<2.5' })).toEqual([2])
    expect(ids({ simTime: '>50ms' })).toEqual([1])
    expect(ids({ simTime: '>0.05 s' })).toEqual([1])
    expect(ids({ metadataPeak: '>64KiB' })).toEqual([2])
    expect(ids({ metadataPeak: '<64' })).toEqual([1])
    expect(ids({ simTime: '=55.6' })).toEqual([1])
    expect(ids({ id: '>=2' })).toEqual([2, 3])
  })

  it('fall back to text for anything else, including units of another family', () => {
    expect(parseNumericFilter('>64KiB', 'ms')).toBeNull()
    expect(parseNumericFilter('1070', 'MB/s')).toBeNull()
    expect(parseNumericFilter('> 2 GiB', 'KiB')).toEqual({ op: '>', value: 2 * 1024 * 1024 })
    expect(ids({ tags: 'slow' })).toEqual([3])
    expect(ids({ tags: 'retry' })).toEqual([3])
  })
})
