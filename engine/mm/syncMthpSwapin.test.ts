// mTHP swapin from a synchronous device (zram): from 6.12 (alloc_swap_folio in mm/memory.c,
// "mm: support large folios swap-in for sync io devices") a fault on an entry whose whole
// naturally aligned range of swap entries is contiguous, not cached and swapped out
// together brings the whole mTHP folio back; before (legacy 6.6-6.9, 6.10) order 0 only.
// Swap table P2+ (no bypass) does the same through the swap cache.

import { describe, expect, it } from 'vitest'
import { runOnce } from '../workloads/testKit'
import type { DesignName, DesignOptions } from '../types'

const MiB = 2 ** 20

/** One 2 MiB region of 64 KiB folios written, paged out, then read back in order. */
function run(design: DesignName, designOptions: DesignOptions = {}, preset: 'zram' | 'nvme' = 'zram') {
  return runOnce(
    {
      design,
      designOptions,
      workload: {
        name: 'thp-swap-allocator-test',
        params: { regionBytes: 2 * MiB, dropBytes: 0, swapinBytes: 2 * MiB, alignedSwapin: true, iterations: 1 }
      },
      devices: [{ sizeBytes: 8 * MiB, preset }],
      memoryLimitBytes: 32 * MiB,
      thpOrders: [0]
    },
    'file'
  )
}

describe('mTHP swapin from a synchronous device', () => {
  it('6.12+ designs swap whole 64 KiB folios back in from zram; 6.6 and 6.10 at order 0', () => {
    for (const [design, opts] of [
      ['cluster', {}],
      ['swap-table', { phase: 1 }],
      ['swap-table', { phase: 2 }],
      ['swap-table', { phase: 4 }]
    ] as [DesignName, DesignOptions][]) {
      const s = run(design, opts)
      expect(s.counters.swpin[4], `${design} ${JSON.stringify(opts)}`).toBeGreaterThan(0)
      // Every swapin was a whole folio: 16 pages each.
      expect(s.counters.pswpin, design).toBe(16 * s.counters.swpin[4] + s.counters.swpin[0])
      expect(s.counters.swpin[0], design).toBe(0)
      expect(s.device.verifiedReads).toBe(s.device.pagesRead)
    }
    for (const design of ['legacy', 'mthp-6.10'] as const) {
      const s = run(design)
      expect(s.counters.swpin[4], design).toBe(0)
      expect(s.counters.swpin[0], design).toBeGreaterThan(0)
    }
  })

  it('not from an asynchronous device (NVMe): order 0 through the swap cache (or cache hits under writeback)', () => {
    const s = run('cluster', {}, 'nvme')
    expect(s.counters.swpin[4]).toBe(0)
    expect(s.counters.pswpin).toBe(s.counters.swpin[0] + s.counters.readaheadPages)
  })
})
