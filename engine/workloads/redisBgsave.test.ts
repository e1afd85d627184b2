// Redis with background save on every design: requests are all served, each bgsave child
// reads the whole keyspace, fork makes swap counts of 2 so both sides meet in the swap
// cache, and storage does not change simulated results.

import { describe, expect, it } from 'vitest'
import type { EngineConfigInput } from '../config'
import { designVariants, runBoth, runOnce, simulated } from './testKit'

const MiB = 2 ** 20
const KEYSPACE_PAGES = (8 * MiB) / 4096

function redis(over: Partial<EngineConfigInput> = {}, params: Record<string, number> = {}): EngineConfigInput {
  return {
    workload: { name: 'redis-bgsave', params: { keyspaceBytes: 8 * MiB, requests: 6000, bgsaveEvery: 2000, ioThreads: 2, ...params } },
    devices: [{ sizeBytes: 32 * MiB, preset: 'zram' }],
    memoryLimitBytes: 4 * MiB,
    ...over
  }
}

describe('redis-bgsave', () => {
  for (const v of designVariants()) {
    it(`${v.label}: serves every request and saves three times, on a device file and metadata-only alike`, () => {
      const { file, meta } = runBoth(redis({ design: v.design, designOptions: v.designOptions }))
      expect(simulated(meta)).toEqual(simulated(file))
      const m = file.workloadMetrics
      expect(m.bgsaves).toBe(3)
      // Each child read every page of the keyspace.
      expect(m.bgsavePagesRead).toBe(3 * KEYSPACE_PAGES)
      expect(file.counters.forks).toBe(3)
      expect(m.requestsPerSec as number).toBeGreaterThan(0)
      expect(m.requestLatencyUsP50 as number).toBeGreaterThan(0)
      expect(m.requestLatencyUsP99 as number).toBeGreaterThanOrEqual(m.requestLatencyUsP50 as number)
      // A request is at least its user time (1.5 us); swapins make the tail longer.
      expect(m.requestLatencyUsP50 as number).toBeGreaterThanOrEqual(1.5)
      expect(m.requestLatencyUsP99 as number).toBeGreaterThan(m.requestLatencyUsP50 as number)
      // Shared swap entries (count 2 after fork) go through the swap cache, where both sides hit.
      expect(file.counters.swapCacheHit).toBeGreaterThan(0)
      expect(file.counters.pswpin).toBeGreaterThan(0)
      expect(file.device.verifiedReads).toBe(file.device.pagesRead)
    })
  }

  it('with no bgsave a synchronous device bypasses the swap cache until swap table P2 removes the bypass', () => {
    const legacy = runOnce(redis({ design: 'legacy' }, { bgsaveEvery: 0 }))
    const p1 = runOnce(redis({ design: 'swap-table', designOptions: { phase: 1 } }, { bgsaveEvery: 0 }))
    const p2 = runOnce(redis({ design: 'swap-table', designOptions: { phase: 2 } }, { bgsaveEvery: 0 }))
    expect(legacy.workloadMetrics.bgsaves).toBe(0)
    expect(legacy.counters.forks).toBe(0)
    expect(legacy.counters.syncBypassSwapins).toBeGreaterThan(0)
    expect(p1.counters.syncBypassSwapins).toBeGreaterThan(0)
    expect(p2.counters.syncBypassSwapins).toBe(0)
  })

  it('a bgsave makes the parent and child share swap entries: count 2, then cache lookups that hit', () => {
    const quiet = runOnce(redis({ design: 'cluster' }, { bgsaveEvery: 0 }))
    const saving = runOnce(redis({ design: 'cluster' }))
    expect(saving.counters.swapCacheHit).toBeGreaterThan(quiet.counters.swapCacheHit)
    expect(saving.counters.swapCacheLookup).toBeGreaterThan(quiet.counters.swapCacheLookup)
    // The child's faults on count-2 entries cannot take the bypass.
    expect(saving.counters.pswpin - saving.counters.syncBypassSwapins).toBeGreaterThan(
      quiet.counters.pswpin - quiet.counters.syncBypassSwapins
    )
  })

  it('the same seed gives the same run; another seed other keys', () => {
    const a = runOnce(redis({ design: 'swap-table', seed: 5 }))
    const b = runOnce(redis({ design: 'swap-table', seed: 5 }))
    const c = runOnce(redis({ design: 'swap-table', seed: 6 }))
    expect(simulated(b)).toEqual(simulated(a))
    expect(c.counters.majorFaults).not.toBe(a.counters.majorFaults)
  })
})
