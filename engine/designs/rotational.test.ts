// DeviceModel.solidState: a rotational device (HDD) is allocated from differently.
// - 6.6 / 6.10 (legacy, mthp-6.10): swapon allocates cluster_info and the per-CPU clusters
//   for SWP_SOLIDSTATE devices only, so on a disk every large folio is split and order 0
//   scans swap_map from the device's one hint (si->cluster_next).
// - 6.12+ (cluster, swap table): no per-CPU cluster; one next offset per order for the
//   device (si->global_cluster), every allocation under one lock (global_cluster_lock).

import { describe, expect, it } from 'vitest'
import { runOnce } from '../workloads/testKit'
import type { DesignName, DesignOptions } from '../types'

const MiB = 2 ** 20

function run(design: DesignName, preset: 'hdd' | 'nvme', designOptions: DesignOptions = {}) {
  return runOnce({
    design,
    designOptions,
    workload: { name: 'usemem', params: { tasks: 4, sizeBytes: 4 * MiB, passes: 1 } },
    devices: [{ sizeBytes: 64 * MiB, preset }],
    memoryLimitBytes: 8 * MiB,
    thpOrders: [0, 4],
    cpus: 4
  })
}

describe('rotational devices', () => {
  it('6.6 and 6.10 split every mTHP on a disk, not on NVMe', () => {
    for (const design of ['legacy', 'mthp-6.10'] as const) {
      const hdd = run(design, 'hdd')
      expect(hdd.counters.swpout[4], design).toBe(0)
      expect(hdd.counters.swpoutFallback[4], design).toBeGreaterThan(0)
      expect(hdd.metadata.breakdown.swap_cluster_info ?? 0, design).toBe(0)
    }
    expect(run('mthp-6.10', 'nvme').counters.swpout[4]).toBeGreaterThan(0)
  })

  it('6.12+ keeps mTHP on a disk, with every allocation under the device-wide lock', () => {
    for (const [design, opts] of [
      ['cluster', {}],
      ['swap-table', { phase: 1 }]
    ] as [DesignName, DesignOptions][]) {
      const hdd = run(design, 'hdd', opts)
      const ssd = run(design, 'nvme', opts)
      expect(hdd.counters.swpout[4], design).toBeGreaterThan(0)
      // global_cluster_lock: one device-lock acquisition per allocation at least on a disk;
      // on NVMe the per-CPU fast path takes it only for list moves.
      expect(hdd.counters.lockAcquisitions.device, design).toBeGreaterThanOrEqual(hdd.counters.allocCalls)
      expect(ssd.counters.lockAcquisitions.device, design).toBeLessThan(ssd.counters.allocCalls)
    }
  })
})
