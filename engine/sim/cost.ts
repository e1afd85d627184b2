// The simulated-time cost model. Every charge the engine makes to a simulated CPU comes
// from here, so simulated results are reproducible anywhere and the model is in one place.
// Figures are order-of-magnitude costs of the corresponding kernel paths on a current x86
// server (tens of ns for a cache-hot lock or table update, hundreds for an XArray walk
// with node allocation); they set ratios between designs, not absolute kernel timings.
// These are the defaults: a run may select another profile (costProfile.ts applies it to
// these same objects for that run only and restores them after); where each figure comes
// from is in COST_SOURCES and DEVICE_SOURCES (costProfile.ts).

import type { DevicePresetName } from '../types'

export interface DeviceModel {
  /** Synchronous devices (zram, pmem) do I/O on the faulting CPU: SWP_SYNCHRONOUS_IO. */
  sync: boolean
  /** Solid state (SWP_SOLIDSTATE): per-CPU cluster fast path; HDD uses a global one. */
  solidState: boolean
  /** Fixed per-request latency, ns. */
  readLatencyNs: number
  writeLatencyNs: number
  /** Per-page transfer time, ns (4 KiB / bandwidth). */
  readPageNs: number
  writePageNs: number
  /** Requests the device serves in parallel (queues x depth that matters). */
  parallel: number
  /** Extra latency when a request is not sequential to the previous one (HDD seek). */
  seekNs: number
  /** Cost of discarding one cluster (SSD TRIM), ns of device time. */
  discardClusterNs: number
}

/** Device presets; numbers from vendor datasheets and zram/pmem measurements, rounded. */
export const DEVICE_MODELS: Record<DevicePresetName, DeviceModel> = {
  // zram (lzo-rle): compression ~4 us/page on the CPU, decompression ~1.5 us.
  zram: {
    sync: true,
    solidState: true,
    readLatencyNs: 300,
    writeLatencyNs: 500,
    readPageNs: 1200,
    writePageNs: 3500,
    parallel: 1024,
    seekNs: 0,
    discardClusterNs: 0
  },
  // Persistent memory (DAX block device): ~2-3 GB/s per CPU copy.
  pmem: {
    sync: true,
    solidState: true,
    readLatencyNs: 200,
    writeLatencyNs: 300,
    readPageNs: 1300,
    writePageNs: 1800,
    parallel: 1024,
    seekNs: 0,
    discardClusterNs: 0
  },
  // NVMe SSD: ~80 us random read, ~20 us write into the drive's buffer, ~3 GB/s.
  nvme: {
    sync: false,
    solidState: true,
    readLatencyNs: 80_000,
    writeLatencyNs: 20_000,
    readPageNs: 1300,
    writePageNs: 1500,
    parallel: 32,
    seekNs: 0,
    discardClusterNs: 50_000
  },
  // SATA SSD: ~100 us read, ~60 us write, ~500 MB/s.
  ssd: {
    sync: false,
    solidState: true,
    readLatencyNs: 100_000,
    writeLatencyNs: 60_000,
    readPageNs: 8000,
    writePageNs: 8000,
    parallel: 8,
    seekNs: 0,
    discardClusterNs: 200_000
  },
  // 7200 rpm disk: ~8 ms average seek + rotation, ~150 MB/s sequential.
  hdd: {
    sync: false,
    solidState: false,
    readLatencyNs: 100_000,
    writeLatencyNs: 100_000,
    readPageNs: 27_000,
    writePageNs: 27_000,
    parallel: 1,
    seekNs: 8_000_000,
    discardClusterNs: 0
  }
}

/** CPU-side costs, ns. */
export const COST = {
  /** Touching a resident page (TLB/cache miss amortised). */
  touchResident: 5,
  /** Page fault entry and exit, pte lookup. */
  faultBase: 300,
  /** Zeroing and charging a new anonymous page (per page). */
  anonPageAlloc: 250,
  /** Allocating and charging a folio for swapin or copy (per folio). */
  folioAlloc: 150,
  /** Copying one page on COW. */
  copyPage: 300,
  /** Mapping a folio into a pte range (per page). */
  mapPage: 30,
  /** Unmapping one pte (per page) in zap or try_to_unmap. */
  unmapPage: 40,
  /** Uncontended spinlock acquire + release. */
  lockBase: 20,
  /** Examining one slot while scanning swap_map or a cluster. */
  scanSlot: 2,
  /** Updating one swap_map byte / one table entry under its lock. */
  slotUpdate: 6,
  /** Moving a cluster between lists. */
  listMove: 15,
  /** XArray walk per level (cache miss per node). */
  xarrayLevel: 25,
  /** Allocating or freeing an XArray node. */
  xarrayNodeAlloc: 150,
  /** Reading or writing a swap table entry (one cache line). */
  tableAccess: 8,
  /** Allocating or freeing a swap table page (4 KiB). */
  tableAlloc: 120,
  /** Allocating a count continuation page / extension table. */
  continuationAlloc: 200,
  /** Reclaim: isolating and examining one LRU folio. */
  reclaimScanFolio: 60,
  /** Submitting one bio (block layer + driver). */
  bioSubmit: 1500,
  /** Per-CPU slot cache fast path (legacy). */
  slotCacheOp: 10,
  /** vswap: descriptor allocation and its extra indirection. */
  vswapDescAlloc: 60,
  vswapIndirection: 15,
  /** zswap: compression per page and decompression per page (CPU, ns). */
  zswapCompress: 3500,
  zswapDecompress: 1200,
  /** Forking: copying one pte (per page of the parent). */
  forkPerPage: 12,
  /** Exiting / unmapping: per present or swap pte. */
  zapPerPage: 25,
  /** Task switch on a simulated CPU. */
  contextSwitch: 1500
}

export type LockDomain = 'device' | 'cluster' | 'swapCache' | 'slotCache' | 'vswap' | 'zswap'
export const LOCK_DOMAINS: LockDomain[] = ['device', 'cluster', 'swapCache', 'slotCache', 'vswap', 'zswap']
