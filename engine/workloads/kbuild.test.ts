// Kernel build on every design: every job runs and exits, make forks each one, the
// per-order swapout counters add up, and storage does not change simulated results.

import { describe, expect, it } from 'vitest'
import type { EngineConfigInput } from '../config'
import { designVariants, runBoth, runOnce, simulated } from './testKit'

const MiB = 2 ** 20

function kbuild(over: Partial<EngineConfigInput> = {}): EngineConfigInput {
  return {
    workload: { name: 'kbuild', params: { jobs: 4, totalTasks: 10, wsMinBytes: 512 * 1024, wsMaxBytes: 4 * MiB, touchesPerPage: 2 } },
    devices: [{ sizeBytes: 64 * MiB, preset: 'nvme' }],
    memoryLimitBytes: 6 * MiB,
    thpOrders: [0, 2, 4],
    ...over
  }
}

describe('kbuild', () => {
  for (const v of designVariants()) {
    it(`${v.label}: every job completes under the limit, on a device file and metadata-only alike`, () => {
      const { file, meta } = runBoth(kbuild({ design: v.design, designOptions: v.designOptions }))
      expect(simulated(meta)).toEqual(simulated(file))
      const m = file.workloadMetrics
      expect(m.tasksCompleted).toBe(10)
      expect(file.counters.forks).toBe(10)
      // exec drops each forked copy, each job exits, make exits: 2 x 10 + 1 mm teardowns.
      expect(file.counters.exits).toBe(21)
      expect(m.systemTimeMs).toBeCloseTo(file.systemTimeNs / 1e6, 6)
      expect(m.makespanMs as number).toBeGreaterThan(0)
      expect(m.makespanMs as number).toBeLessThanOrEqual(file.simTimeNs / 1e6)
      expect(file.counters.pswpout).toBeGreaterThan(0)
      expect(file.counters.pswpin).toBeGreaterThan(0)
      expect(file.device.verifiedReads).toBe(file.device.pagesRead)
      // Pages of folios given slots are all written (more when dirty cache folios go again).
      const pages = file.counters.swpout.reduce((a, n, o) => a + n * 2 ** o, 0)
      expect(pages).toBeGreaterThan(0)
      expect(pages).toBeLessThanOrEqual(file.counters.pswpout)
    })
  }

  it('mTHP from thpOrders: 6.6 splits every 64 KiB folio, the cluster allocator swaps them whole', () => {
    const old = runOnce(kbuild({ design: 'legacy' }))
    const now = runOnce(kbuild({ design: 'cluster' }))
    expect(old.counters.swpout[4]).toBe(0)
    expect(old.counters.swpoutFallback[4]).toBeGreaterThan(0)
    expect(now.counters.swpout[4]).toBeGreaterThan(0)
  })

  it('the same seed gives the same build; another seed other working sets', () => {
    const a = runOnce(kbuild({ design: 'swap-table', seed: 3 }))
    const b = runOnce(kbuild({ design: 'swap-table', seed: 3 }))
    const c = runOnce(kbuild({ design: 'swap-table', seed: 4 }))
    expect(simulated(b)).toEqual(simulated(a))
    expect(c.workloadMetrics.makespanMs).not.toBe(a.workloadMetrics.makespanMs)
  })
})
