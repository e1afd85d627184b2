// thp_swap_allocator_test on every design: sane per-iteration results, identical simulated
// results on a real device file and metadata-only, the selftest's sequence (warm-up, random
// swapin, drops, pageout), and its finding: once the warm-up has taken the free clusters the
// 6.10 allocator splits every mTHP, the cluster allocator much less (never with -a).

import { describe, expect, it } from 'vitest'
import type { EngineConfigInput } from '../config'
import { designVariants, runBoth, runOnce, simulated } from './testKit'

const MiB = 2 ** 20

/** The selftest scaled down: a 6 MiB region on an 8 MiB zram device (the selftest: 60 on 64), a 256 KiB small area (the selftest: 4 MiB). */
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
      const modes: Record<string, boolean>[] = [
        { smallFolioArea: false },
        { smallFolioArea: true },
        { smallFolioArea: false, alignedSwapin: true }
      ]
      for (const mode of modes) {
        const smallFolioArea = mode.smallFolioArea
        const { file, meta } = runBoth(thp({ design: v.design, designOptions: v.designOptions }, mode))
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

  it('follows the selftest: the warm-up pages the whole region out, each iteration swaps in, drops, pages out', () => {
    // Warm-up only (nothing swapped in or dropped): every 64 KiB folio of the region goes out once.
    const w = runOnce(thp({ design: 'cluster' }, { iterations: 1, swapinBytes: 0, dropBytes: 0 }))
    expect(w.counters.swpout[4] + w.counters.swpoutFallback[4]).toBe((6 * MiB) / (64 * 1024))
    expect(w.counters.pswpin).toBe(0)
    // With -s the small area is written and paged out too, in 4 KiB folios.
    const s = runOnce(
      thp({ design: 'cluster' }, { iterations: 1, swapinBytes: 0, dropBytes: 0, smallFolioArea: true, smallSwapinBytes: 0 })
    )
    expect(s.counters.swpout[0]).toBe((256 * 1024) / 4096)
    // One iteration of aligned swapin: 16 chunks of 64 KiB, each read back (some may repeat).
    const a = runOnce(thp({ design: 'cluster' }, { iterations: 1, swapinBytes: MiB, dropBytes: 0, alignedSwapin: true }))
    expect(a.counters.majorFaults).toBeGreaterThan(0)
    expect(a.counters.pswpin).toBeLessThanOrEqual(256)
    expect(a.counters.pswpin % 16).toBe(0) // whole chunks, whatever the readahead
    // The swapped-in pages were written, so they go out again at the iteration's pageout
    // (from zram the cluster design swaps whole 64 KiB folios in, 6.12+, and out again).
    expect(a.counters.pswpout).toBe(w.counters.pswpout + a.counters.pswpin)
    expect(a.counters.swpin[4]).toBeGreaterThan(0)
  })

  it('after the warm-up fills the device, 6.10 splits every mTHP; the cluster allocator and the swap table fall back far less, not at all with aligned swapin', () => {
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length
    const modes: Record<string, boolean>[] = [{}, { alignedSwapin: true }, { smallFolioArea: true }]
    for (const mode of modes) {
      const run = (design: 'mthp-6.10' | 'cluster' | 'swap-table'): number[] =>
        series(
          runOnce(thp({ design }, { swapinBytes: 2 * MiB, smallSwapinBytes: 64 * 1024, ...mode }), 'file'),
          'fallbackPercentPerIteration'
        )
      const old = run('mthp-6.10')
      expect(mean(old), JSON.stringify(mode)).toBeGreaterThan(90)
      for (const design of ['cluster', 'swap-table'] as const) {
        const r = run(design)
        // No fallback before the random swapins have fragmented anything.
        expect(r[0], `${design} ${JSON.stringify(mode)}`).toBe(0)
        if ('alignedSwapin' in mode) expect(Math.max(...r), design).toBe(0)
        else expect(mean(r), `${design} ${JSON.stringify(mode)}`).toBeLessThan(mean(old) * 0.8)
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

  it('pages out what fits when the region and small area exceed the device, as MADV_PAGEOUT does', () => {
    // 6 MiB region + 2 MiB small area = every slot of an 8 MiB device, whose first page is the
    // header: the last page cannot be placed. The kernel keeps such a folio and madvise succeeds.
    for (const design of ['legacy', 'cluster', 'swap-table'] as const) {
      const s = runOnce(
        thp({ design }, { smallFolioArea: true, smallAreaBytes: 2 * MiB, smallSwapinBytes: 256 * 1024, iterations: 3 }),
        'file'
      )
      expect(s.counters.pswpout).toBeGreaterThan((8 * MiB) / 4096 - 64)
      expect(s.counters.lostFaults ?? 0).toBe(0)
      expect(series(s, 'fallbackPercentPerIteration')).toHaveLength(3)
    }
  })
})
