import { describe, expect, it } from 'vitest'
import { buildCompare } from '../../experiments/compare'
import type { RunRecord } from '../../experiments/api'
import { compareTable } from './commands'
import { fmtNum, fmtPercent } from './format'

const run = (id: number, experimentId: number, variantLabel: string): RunRecord =>
  ({ id, experimentId, variantLabel, point: {}, status: 'done' }) as RunRecord

describe('terminal formatting', () => {
  it('prints numbers with four significant digits and grouped thousands', () => {
    expect([fmtNum(0.054468609), fmtNum(75808), fmtNum(1.5e-5), fmtNum(0), fmtNum(undefined)]).toEqual([
      '0.05447',
      '75,808',
      '1.500e-5',
      '0',
      '-'
    ])
    expect([fmtPercent(0.005), fmtPercent(-0.705), fmtPercent(2.39)]).toEqual(['+0.5 %', '-70.5 %', '+239 %'])
  })

  it('puts groups side by side with spread and deltas, naming experiments when there are several', () => {
    const runs = [run(1, 1, 'legacy'), run(2, 1, 'legacy'), run(3, 2, 'legacy')]
    const c = buildCompare(
      runs,
      {
        metricsByRun: new Map([
          [1, { t: 1 }],
          [2, { t: 3 }],
          [3, { t: 4 }]
        ]),
        configsByRun: new Map()
      },
      3
    )
    expect(compareTable(c, ['t', 'missing'])).toBe(
      [
        'metric  legacy [exp 1] (n=2)  legacy [exp 2] (n=1, baseline)',
        '------  --------------------  ------------------------------',
        `t       ${'2 ± 1.414  -50.0 %'.padStart(20)}  ${'4'.padStart(30)}`
      ].join('\n')
    )
  })

  it('turns a sweep with many groups into one row per group', () => {
    const runs = Array.from({ length: 8 }, (_, i) => ({ ...run(i + 1, 1, 'legacy'), point: { 'workload.params.targetPercent': i } }))
    const more = runs.map((r) => ({ ...r, id: r.id + 8, variantLabel: 'vswap' }))
    const c = buildCompare([...runs, ...more], {
      metricsByRun: new Map([
        ...runs.map((r, i): [number, Record<string, number>] => [r.id, { t: i + 1 }]),
        ...more.map((r, i): [number, Record<string, number>] => [r.id, { t: 2 * (i + 1) }])
      ]),
      configsByRun: new Map()
    })
    const lines = compareTable(c, ['t']).split('\n')
    expect(lines[0]).toMatch(/^group\s+t$/)
    expect(lines).toHaveLength(2 + 16)
    // Groups in sweep order; each point against the baseline design at the same point.
    expect(lines[2]).toMatch(/^legacy targetPercent=0 \(n=1, baseline\)\s+1$/)
    expect(lines[3]).toMatch(/^vswap targetPercent=0 \(n=1\)\s+2 {2}\+100 %$/)
    expect(lines[17]).toMatch(/^vswap targetPercent=7 \(n=1\)\s+16 {2}\+100 %$/)
  })
})
