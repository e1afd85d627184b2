// Shared test helpers for main/lab: temp folders, a dead pid, a plausible RunSummary.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { SAMPLE_FIELDS, type RunSummary, type Sample, type LatencySummary } from '../../../engine/pure'
import type { NewRun } from '../store'

export function tempDir(prefix = 'swaplab-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** The pid of a process that has certainly exited. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(r.stdout.toString())
}

export function newRun(extra: Partial<NewRun> = {}): NewRun {
  return {
    design: 'legacy',
    variantLabel: 'legacy',
    workload: 'usemem',
    point: {},
    trial: 0,
    seed: 1,
    storage: 'file',
    config: { design: 'legacy' },
    engineVersion: '0.0.0-test',
    appVersion: '0.0.0-test',
    platform: 'test',
    ...extra
  }
}

export function samples(n: number, from = 0): Sample[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k
    return {
      tSimNs: i * 1e6,
      tWallMs: i / 10,
      ops: i * 7,
      values: Object.fromEntries(SAMPLE_FIELDS.map((f, j) => [f, i * (j + 1) + 0.5])) as Sample['values']
    }
  })
}

const lat = (mean: number): LatencySummary => ({ count: 10, mean, p50: mean, p90: mean * 2, p99: mean * 3, p999: mean * 4, max: mean * 5 })

/** A RunSummary shaped like the engine's, with the given headline numbers. */
export function fakeSummary(
  o: { simTimeNs?: number; seed?: number; design?: RunSummary['design']; throughputMBps?: number } = {}
): RunSummary {
  const zeros = (): number[] => new Array(10).fill(0)
  return {
    engineVersion: '0.0.0-test',
    design: o.design ?? 'legacy',
    designOptions: {},
    workload: 'usemem',
    storage: 'file',
    metadataOnly: false,
    seed: o.seed ?? 1,
    cpus: 2,
    simTimeNs: o.simTimeNs ?? 2e9,
    wallTimeMs: 120,
    systemTimeNs: 5e8,
    operations: 1000,
    counters: {
      swpout: [100, 0, 0, 0, 4, 0, 0, 0, 0, 0],
      swpoutFallback: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
      swpin: [50, ...new Array(9).fill(0)],
      swpoutDiscontig: zeros(),
      mthpSwpinReadahead: 0,
      pswpout: 164,
      pswpin: 50,
      swapCacheAdd: 1,
      swapCacheDelete: 1,
      swapCacheLookup: 20,
      swapCacheHit: 5,
      readaheadPages: 8,
      readaheadHits: 4,
      syncBypassSwapins: 0,
      hasCacheRetries: 3,
      hasCacheRetryNs: 12e6,
      folioLockWaits: 0,
      folioLockWaitNs: 0,
      slotsScanned: 900,
      allocCalls: 104,
      allocFailures: 0,
      slotCacheRefills: 2,
      slotCacheFlushes: 1,
      continuationAllocs: 0,
      extensionTableAllocs: 0,
      extensionTableFrees: 0,
      tableAllocs: 0,
      tableFrees: 0,
      discards: 0,
      fullClusterReclaims: 0,
      cacheReclaimedSlots: 0,
      workingsetRefaults: 0,
      majorFaults: 50,
      minorFaults: 2000,
      cowCopies: 0,
      forks: 0,
      exits: 2,
      reclaimScanned: 300,
      reclaimEvicted: 164,
      writebackWaitNs: 0,
      zswapStores: 0,
      zswapLoads: 0,
      zswapWritebacks: 0,
      zswapRejects: 0,
      lockAcquisitions: { device: 10, cluster: 40 },
      lockContended: { device: 2, cluster: 1 },
      lockWaitNs: { device: 3000, cluster: 1000 }
    },
    latency: {
      swapoutSimNs: lat(20_000),
      swapinSimNs: lat(80_000),
      freeSimNs: lat(1e6),
      swapoutWallNs: lat(900),
      swapinWallNs: lat(900),
      freeWallNs: lat(900)
    },
    metadata: {
      staticBytes: 16384,
      dynamicBytes: 4096,
      breakdown: { swap_map: 16384, xarray: 4096 },
      totalSlots: 16384,
      usedSlots: 164,
      bytesPerSlot: 1.25,
      dynamicBytesPerUsedSlot: 24.97
    },
    metadataPeakBytes: 24576,
    clusters: { free: 20, nonfull: 1, frag: 0, full: 0, discard: 0, isolated: 0 },
    device: {
      pagesWritten: 164,
      pagesRead: 50,
      bytesWritten: 164 * 4096,
      bytesRead: 50 * 4096,
      verifiedReads: 50,
      writeCalls: 20,
      readCalls: 50
    },
    workloadMetrics: {
      throughputMBps: o.throughputMBps ?? 100,
      freeLatencyMsMean: 1.5,
      throughputMBpsPerTask: [50, 50] as unknown as number
    }
  }
}

/**
 * A kernel run's summary as the real-kernel backend returns it: counters it did not measure
 * are 0 and missing from kernel.measured; no simulated clock or metadata.
 */
export function fakeKernelSummary(
  o: { where?: 'host' | 'vm'; accel?: 'kvm' | 'tcg' | null; release?: string; seed?: number } = {}
): RunSummary & { kernel: NonNullable<RunSummary['kernel']> } {
  const s = fakeSummary({ design: 'kernel', seed: o.seed })
  const where = o.where ?? 'vm'
  const accel = where === 'host' ? null : (o.accel ?? 'tcg')
  const measured = ['swpout', 'swpoutFallback', 'swpin', 'pswpout', 'pswpin', 'readaheadPages', 'readaheadHits', 'majorFaults'] as const
  for (const k of Object.keys(s.counters) as (keyof typeof s.counters)[]) {
    if ((measured as readonly string[]).includes(k)) continue
    const v = s.counters[k]
    ;(s.counters as unknown as Record<string, unknown>)[k] = Array.isArray(v) ? v.map(() => 0) : typeof v === 'number' ? 0 : {}
  }
  const none = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 }
  return {
    ...s,
    designOptions: { image: where === 'host' ? 'host' : 'debian-6.12', accel: 'auto' },
    simTimeNs: 0,
    systemTimeNs: where === 'host' ? 3e8 : 0,
    operations: 0,
    latency: { swapoutSimNs: none, swapinSimNs: none, freeSimNs: none, swapoutWallNs: none, swapinWallNs: none, freeWallNs: none },
    metadata: { staticBytes: 0, dynamicBytes: 0, breakdown: {}, totalSlots: 0, usedSlots: 0, bytesPerSlot: 0, dynamicBytesPerUsedSlot: 0 },
    metadataPeakBytes: 0,
    device: { pagesWritten: 0, pagesRead: 0, bytesWritten: 0, bytesRead: 0, verifiedReads: 0, writeCalls: 0, readCalls: 0 },
    kernel: {
      release: o.release ?? (where === 'host' ? '6.18.1' : '6.12.57+deb13-cloud-amd64'),
      where,
      accel,
      image: where === 'host' ? 'host' : 'debian-6.12.57-1',
      pairedDesign: where === 'host' ? { design: 'swap-table', options: { phase: 1 } } : { design: 'cluster', options: {} },
      timingsAreKernel: accel !== 'tcg',
      countersSystemWide: where === 'host',
      vmstatDelta: { pswpout: 164, pswpin: 50, swap_ra: 8, swap_ra_hit: 4 },
      mthpDelta: { 'hugepages-64kB': { swpout: 4, swpout_fallback: 1 } },
      cgroup: where === 'host' ? { version: 1, stats: { pgmajfault: 50 } } : { version: 2, stats: { pgmajfault: 50 } },
      measured: [...measured],
      swapRotational: false,
      // A VM run whose first boot died in early boot under TCG (booted again, as runInVm does).
      ...(where === 'vm'
        ? { bootMs: 4000, bootAttempts: 2, bootRetries: ['early-boot panic under TCG: Fatal exception in interrupt'] }
        : {})
    }
  }
}
