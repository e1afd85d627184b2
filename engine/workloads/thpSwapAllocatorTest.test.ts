// thp_swap_allocator_test on every design: sane per-iteration results, identical simulated
// results on a real device file and metadata-only, and the selftest's finding: once free
// clusters are gone the 6.10 allocator splits every mTHP, the cluster allocator does not.

import { describe, expect, it } from 'vitest'
import type { EngineConfigInput } from '../config'
import { designVariants, runBoth, runOnce, simulated } from './testKit'

const MiB = 2 ** 20

/** The selftest scaled down: a 6 MiB region on an 8 MiB zram device (the selftest: 60 on 64). */
function thp(over: Partial<EngineConfigInput> = {}, params: Record<string, number | boolean> = {}): EngineConfigInput {
  return {
    workload: {
      name: 'thp-swap-allocator-test',
      params: { regionBytes: 6 * MiB, dropBytes: 2 * MiB, iterations: 12, smallAreaBytes: 256 * 1024, ...params }
    },
    devices: [{ sizeBytes: 8 * MiB, preset: 'zram' }],
    memoryLimitBytes: 32 * MiB,
    thpOrders: [0],
    ...over
  }
}

const series = (s: { workloadMetrics: Record<string, number | number[]> }, k: string): number[] => s.workloadMetrics[k] as number[]

describe('thp-swap-allocator-test', () => {
  for (const v of designVariants()) {
    it(`${v.label}: runs on a device file and metadata-only with the same simulated results`, () => {
      for (const smallFolioArea of [false, true]) {
        const { file, meta } = runBoth(thp({ design: v.design, designOptions: v.designOptions }, { smallFolioArea }))
        expect(simulated(meta)).toEqual(simulated(file))
        const fb = series(file, 'fallbackPercentPerIteration')
        expect(fb).toHaveLength(12)
        for (const x of fb) {
          expect(x).toBeGreaterThanOrEqual(0)
          expect(x).toBeLessThanOrEqual(100)
        }
        expect(file.workloadMetrics.fallbackPercentMean).toBeCloseTo(fb.reduce((a, b) => a + b, 0) / 12, 9)
        expect(series(file, 'smallFallbackPercentPerIteration')).toHaveLength(smallFolioArea ? 12 : 0)
        expect(series(file, 'freeClustersPerIteration')).toHaveLength(12)
        // Every re-dirtied 64 KiB folio went out, whole or split.
        const c = file.counters
        expect(c.swpout[4] + c.swpoutFallback[4]).toBeGreaterThan(12 * 16)
        expect(file.device.verifiedReads).toBe(file.device.pagesRead)
      }
    })
  }

  it('6.6 splits every mTHP: 100% fallback from the first iteration', () => {
    const file = runOnce(thp({ design: 'legacy' }))
    expect(series(file, 'fallbackPercentPerIteration').every((x) => x === 100)).toBe(true)
  })

  it('6.10 falls back once free clusters are gone; the cluster allocator and the swap table stay low on the same run', () => {
    for (const smallFolioArea of [false, true]) {
      const run = (design: 'mthp-6.10' | 'cluster' | 'swap-table'): { fb: number[]; free: number[] } => {
        const file = runOnce(thp({ design }, { smallFolioArea }), 'file')
        return { fb: series(file, 'fallbackPercentPerIteration'), free: series(file, 'freeClustersPerIteration') }
      }
      const old = run('mthp-6.10')
      // No fallback while a free cluster is left at the start of the iteration...
      expect(old.fb[0]).toBe(0)
      const gone = old.free.indexOf(0)
      expect(gone).toBeGreaterThanOrEqual(0)
      // ...and (almost) all of it two iterations after the last free cluster went.
      for (const x of old.fb.slice(gone + 2)) expect(x).toBeGreaterThan(90)
      for (const design of ['cluster', 'swap-table'] as const) {
        const r = run(design)
        const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length
        expect(mean(r.fb), design).toBeLessThan(mean(old.fb) / 4)
        expect(Math.max(...r.fb.slice(gone + 2)), design).toBeLessThan(20)
      }
    }
  })

  it('the same seed gives the same iterations; another seed other drops', () => {
    const a = runOnce(thp({ design: 'mthp-6.10', seed: 7 }))
    const b = runOnce(thp({ design: 'mthp-6.10', seed: 7 }))
    const c = runOnce(thp({ design: 'mthp-6.10', seed: 8 }))
    expect(simulated(b)).toEqual(simulated(a))
    expect(c.counters.swpout).not.toEqual(a.counters.swpout)
  })
})
