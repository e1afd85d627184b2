// Public types of the swap engine: what a run is given and what it reports.
// Plain data only, so results cross worker and process boundaries unchanged.

import type { KernelRunInfo } from './kernel/types'

export const PAGE_SIZE = 4096
export const PAGE_SHIFT = 12
/** Slots per cluster with THP on (SWAPFILE_CLUSTER). */
export const SWAPFILE_CLUSTER = 512
/** Folio orders 0..9; order 9 is a PMD-sized THP. */
export const SWAP_NR_ORDERS = 10
export const PMD_ORDER = 9

export const DESIGN_NAMES = ['legacy', 'mthp-6.10', 'cluster', 'swap-table', 'vswap', 'kernel'] as const
export type DesignName = (typeof DESIGN_NAMES)[number]
/** The designs the simulation implements; 'kernel' runs the workload on a real Linux kernel (engine/kernel). */
export type SimulatedDesignName = Exclude<DesignName, 'kernel'>
/** Workloads that have a program of the lab's own for kernel runs (engine/kernel/programs). */
export const KERNEL_WORKLOADS = ['usemem', 'thp-swap-allocator-test'] as const

export const DEVICE_PRESETS = ['zram', 'pmem', 'nvme', 'ssd', 'hdd'] as const
export type DevicePresetName = (typeof DEVICE_PRESETS)[number]

export const WORKLOAD_NAMES = ['usemem', 'fill', 'thp-swap-allocator-test', 'kbuild', 'redis-bgsave', 'trace'] as const
export type WorkloadName = (typeof WORKLOAD_NAMES)[number]

export type SwapTablePhase = 1 | 2 | 3 | 4

/**
 * Groups of cost-model constants (engine/sim/costProfile.ts assigns every constant to one):
 * device timings, CPU paths of mm (faults, page allocation, mapping, reclaim, bio submission,
 * context switches), swap metadata updates (slot scans, maps, tables, XArray, lists), the
 * spinlock base cost, and zswap compression. Sensitivity runs and calibration scale whole groups.
 */
export const COST_GROUPS = ['device', 'paths', 'metadata', 'lock', 'compression'] as const
export type CostGroup = (typeof COST_GROUPS)[number]

/** Device timing fields a cost profile may set (the structural fields of a DeviceModel are not costs). */
export const DEVICE_TIMING_KEYS = ['readLatencyNs', 'writeLatencyNs', 'readPageNs', 'writePageNs', 'seekNs', 'discardClusterNs'] as const
export type DeviceTimingKey = (typeof DEVICE_TIMING_KEYS)[number]

/**
 * A cost profile as a run is given it: 'default' (the constants in engine/sim/cost.ts), a
 * profile shipped with the engine ('host'), or constants read from a file by the front end.
 * Constants not named keep their default value.
 */
export interface CostProfileSpec {
  /** 'default', 'host', or the file the constants were read from. */
  name: string
  /** CPU-side constants (keys of COST), ns. Absent for the built-in profiles, which the engine knows. */
  cost?: Record<string, number>
  /** Device timings per preset, ns. */
  devices?: Partial<Record<DevicePresetName, Partial<Record<DeviceTimingKey, number>>>>
}

/** Which cost model a run used, as recorded in its summary. */
export interface CostProfileRecord {
  name: string
  /** Hash of every effective constant (profile and scale applied): equal hashes, equal cost models. */
  hash: string
  /** Sensitivity runs: the factor each scaled group was multiplied by. */
  scale?: Partial<Record<CostGroup, number>>
  /** Every constant whose effective value differs from the default, with that value. */
  changed: { cost: Record<string, number>; devices: Partial<Record<DevicePresetName, Record<string, number>>> }
}
export type VswapDescriptorBytes = 24 | 48 | 64
/** vswap: swap devices behind the virtual slots (zswap in front when enabled), or zswap alone. */
export type VswapBacking = 'device' | 'zswap-only'
/** swap-table P4: where a slot's memcg id lives (per-cluster table, or the shadow entry as the RFC did). */
export type MemcgLayout = 'table' | 'shadow'

export interface DesignOptions {
  /** swap-table only: which phase of the series is modelled (1..4). */
  phase?: SwapTablePhase
  /** swap-table P4 only: memcg ids in a per-cluster table (default) or in the swap table's shadows. */
  memcgLayout?: MemcgLayout
  /** swap-table only: a large folio may take non-contiguous slots instead of being split. */
  discontiguousSwapout?: boolean
  /** swap-table only: swap a large folio back in when its slots are found together. */
  mthpSwapin?: boolean
  /** vswap only: per-entry descriptor size (v3: 24 B; earlier: 48, 64 B). */
  descriptorBytes?: VswapDescriptorBytes
  /** vswap only: in-memory compressed backend (zswap) pool limit in bytes; 0 disables it. */
  zswapPoolBytes?: number
  /** vswap only: 'device' (default) or 'zswap-only' (no swap device: every swapped page is in zswap). */
  backing?: VswapBacking
  /** kernel only: 'host', 'debian-<version>' or a bzImage path (see KernelOptions in kernel/types.ts). */
  image?: string
  /** kernel only: the modules folder of a user's bzImage. */
  modules?: string
  /** kernel only, VM: 'auto' tries KVM and falls back to TCG. */
  accel?: 'auto' | 'kvm' | 'tcg'
  /** kernel only: 'default' (the kernel's own LRU) or 'classic' (the multi-generational LRU switched off where the kernel has it on). */
  lru?: 'default' | 'classic'
}

export interface DeviceConfig {
  sizeBytes: number
  preset: DevicePresetName
  /** Higher is used first; equal priorities are used round-robin. */
  priority: number
  /** Discard freed clusters before reuse (SWP_PAGE_DISCARD). */
  discard: boolean
}

export interface WorkloadConfig {
  name: WorkloadName
  /** Workload parameters; each workload documents and validates its own. */
  params: Record<string, number | string | boolean>
}

export interface EngineConfig {
  design: DesignName
  designOptions: DesignOptions
  workload: WorkloadConfig
  devices: DeviceConfig[]
  /** 'file' writes and verifies real page data; 'metadata-only' keeps only swap metadata. */
  storage: 'file' | 'metadata-only'
  /** Folder for device files; a private temp folder is made inside it. Default: the OS temp folder. */
  deviceDir?: string
  /** Memory cgroup limit in bytes: exceeding it forces LRU reclaim and swapout. */
  memoryLimitBytes: number
  cpus: number
  seed: number
  /** Folio orders that anonymous faults may allocate (mTHP sizes enabled); 0 is always allowed. */
  thpOrders: number[]
  /** Swap readahead: at most 2^pageCluster pages (vm.page-cluster). */
  pageCluster: number
  /** Simulated time between samples. */
  sampleIntervalNs: number
  /** Check structural invariants after operations (slow; tests and debug runs). */
  checkInvariants: boolean
  /** fdatasync the device file after each write batch (durability studies). */
  fsyncPerBatch: boolean
  /** Scheduler tick used by HAS_CACHE retry sleeps (schedule_timeout_uninterruptible(1)). */
  tickNs: number
  /** Cost model for this run only; absent means the default constants. */
  costProfile?: CostProfileSpec
  /** Sensitivity runs: multiply every constant of a group by a factor (after the profile). */
  costScale?: Partial<Record<CostGroup, number>>
}

export interface LatencySummary {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

/** Counters kept the way the kernel keeps them (vmstat, mTHP stats, swap cache info). */
export interface Counters {
  swpout: number[]
  swpoutFallback: number[]
  swpin: number[]
  swpoutDiscontig: number[]
  mthpSwpinReadahead: number
  pswpout: number
  pswpin: number
  swapCacheAdd: number
  swapCacheDelete: number
  swapCacheLookup: number
  swapCacheHit: number
  readaheadPages: number
  readaheadHits: number
  syncBypassSwapins: number
  hasCacheRetries: number
  hasCacheRetryNs: number
  folioLockWaits: number
  folioLockWaitNs: number
  slotsScanned: number
  allocCalls: number
  allocFailures: number
  slotCacheRefills: number
  slotCacheFlushes: number
  continuationAllocs: number
  extensionTableAllocs: number
  extensionTableFrees: number
  tableAllocs: number
  tableFrees: number
  discards: number
  fullClusterReclaims: number
  cacheReclaimedSlots: number
  workingsetRefaults: number
  majorFaults: number
  minorFaults: number
  /**
   * Faults whose handler returned with the page still not present and its pte unchanged:
   * the access would be lost. A simulation bug: must stay 0 (the run fails otherwise).
   * Absent in runs recorded before it existed.
   */
  lostFaults?: number
  /** Faults that backed out because the pte changed under them (!pte_same) and were retried. */
  faultRetries?: number
  cowCopies: number
  forks: number
  exits: number
  reclaimScanned: number
  reclaimEvicted: number
  writebackWaitNs: number
  zswapStores: number
  zswapLoads: number
  zswapWritebacks: number
  zswapRejects: number
  lockAcquisitions: Record<string, number>
  lockContended: Record<string, number>
  lockWaitNs: Record<string, number>
}

export interface MetadataReport {
  /** Allocated at swapon, independent of use. */
  staticBytes: number
  /** Allocated while slots are in use. */
  dynamicBytes: number
  /** Bytes per structure, e.g. swap_map, xarray nodes, swap tables. */
  breakdown: Record<string, number>
  totalSlots: number
  usedSlots: number
  /** (static + dynamic) / total slots. */
  bytesPerSlot: number
  /** dynamic / used slots (0 when none used). */
  dynamicBytesPerUsedSlot: number
  /** Swapped data held in memory, e.g. zswap_pool (vswap): beside the metadata, never in its totals. */
  data?: Record<string, number>
}

export interface ClusterListCounts {
  free: number
  nonfull: number
  frag: number
  full: number
  discard: number
  isolated: number
}

/** One point of the time series sampled during a run. */
export interface Sample {
  tSimNs: number
  tWallMs: number
  ops: number
  values: Record<SampleField, number>
}

export const SAMPLE_FIELDS = [
  'residentPages',
  'swapUsedSlots',
  'swapCachePages',
  'metadataBytes',
  'swpout',
  'swpin',
  'swpoutFallback',
  'pageRate',
  'throughputMBps',
  'clustersFree',
  'clustersNonfull',
  'clustersFrag',
  'clustersFull',
  'clustersDiscard',
  'hasCacheRetries',
  'folioLockWaits',
  'majorFaults'
] as const
export type SampleField = (typeof SAMPLE_FIELDS)[number]

export interface RunSummary {
  engineVersion: string
  design: DesignName
  designOptions: DesignOptions
  workload: WorkloadName
  storage: 'file' | 'metadata-only'
  /** True when no page data was written (metadata-only); always shown beside results. */
  metadataOnly: boolean
  seed: number
  cpus: number
  simTimeNs: number
  wallTimeMs: number
  /** Simulated time spent in kernel work (faults, reclaim, swap) summed over CPUs. */
  systemTimeNs: number
  operations: number
  counters: Counters
  latency: {
    swapoutSimNs: LatencySummary
    swapinSimNs: LatencySummary
    freeSimNs: LatencySummary
    swapoutWallNs: LatencySummary
    swapinWallNs: LatencySummary
    freeWallNs: LatencySummary
  }
  metadata: MetadataReport
  /** Peak metadata seen at any sample. */
  metadataPeakBytes: number
  clusters: ClusterListCounts
  device: {
    pagesWritten: number
    pagesRead: number
    bytesWritten: number
    bytesRead: number
    verifiedReads: number
    writeCalls: number
    readCalls: number
  }
  /** Workload-specific results (throughput, fallback % per iteration, ...). */
  workloadMetrics: Record<string, number | number[]>
  /** Set exactly for runs on a real kernel (host or VM): release, accelerator, raw counter deltas. */
  kernel?: KernelRunInfo
  /** Simulated runs: the cost model the simulated times come from (absent in summaries from before it was recorded). */
  costProfile?: CostProfileRecord
}

export interface EngineHooks {
  onSamples?(samples: Sample[]): void
  /** fraction 0..1 of the workload done. */
  onProgress?(fraction: number, info: { simTimeNs: number; ops: number }): void
  /** Polled between steps; return true to stop the run (it then throws RunCancelled). */
  shouldAbort?(): boolean
  /** Logs every pread/pwrite of the run's device files (bench replay: device/ioRecorder.ts); off when absent. */
  ioRecorder?: IoLog
}

/** Where a file device logs its calls: op 0 read, 1 write, 2 fdatasync; bytes are the data moved. */
export interface IoLog {
  openDevice(index: number, sizeBytes: number): void
  record(device: number, op: 0 | 1 | 2, offset: number, length: number, bytes?: Uint8Array): void
}
