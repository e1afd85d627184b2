// One swap device (struct swap_info_struct) and the set of devices (the swap space).
// Mechanism only: slot bookkeeping, cluster counts, locks and device queues. Allocation
// policy lives in the allocators; what a slot holds lives in the SlotStore.

import { SWAPFILE_CLUSTER, SWAP_NR_ORDERS, type Counters, type DeviceConfig } from '../types'
import { DEVICE_MODELS, type DeviceModel } from '../sim/cost'
import { LockArray, SimLock } from '../sim/lock'
import type { Cpu, SimClock } from '../sim/scheduler'
import type { PageStore } from '../device/pageStore'
import { ClusterInfo, CLUSTER_FLAG_FREE, CLUSTER_FLAG_NONFULL, LIST_FREE, LIST_NONFULL } from './clusterInfo'
import type { SlotStore } from './slotStore'

export const SWAP_NEXT_INVALID = -1

export class SwapInfo {
  readonly nslots: number /** pages of the device, page 0 (header) included: si->max */
  readonly pages: number /** usable slots: si->pages */
  inusePages = 0 /** slots allocated: si->inuse_pages */
  readonly ci: ClusterInfo /** cluster_info[]: counts, flags, lists */
  readonly model: DeviceModel
  readonly discard: boolean /** SWP_PAGE_DISCARD */
  readonly deviceLock: SimLock /** si->lock */
  readonly clusterLocks: LockArray /** ci->lock */
  /** Per-channel time the device is busy until (simulated I/O queue). */
  private readonly channels: Float64Array
  private lastIoEnd = -1 /** last slot touched, for seek modelling */
  lowestBit = 1 /** legacy scan bounds (si->lowest_bit / highest_bit) */
  highestBit: number
  readonly clusterNextCpu: Int32Array /** legacy per-CPU scan hint (si->cluster_next_cpu) */
  /** Rotational device (!SWP_SOLIDSTATE): legacy scans from one hint, si->cluster_next. */
  clusterNext = 1
  /** Rotational device, 6.12+: si->global_cluster->next[order], shared by every CPU. */
  readonly globalNext = new Float64Array(SWAP_NR_ORDERS)

  constructor(
    readonly type: number,
    readonly config: DeviceConfig,
    readonly store: SlotStore,
    readonly pageStore: PageStore,
    ncpus: number,
    clock: SimClock,
    counters: Counters,
    /** 6.12+: partly used clusters start on nonfull[0] (setup_clusters); legacy keeps them off-list. */
    modernLists: boolean
  ) {
    this.nslots = Math.floor(config.sizeBytes / 4096)
    this.pages = this.nslots - 1
    this.model = DEVICE_MODELS[config.preset]
    this.discard = config.discard && this.model.discardClusterNs > 0
    const nclusters = Math.ceil(this.nslots / SWAPFILE_CLUSTER)
    this.ci = new ClusterInfo(nclusters)
    this.deviceLock = new SimLock('device', clock, counters)
    this.clusterLocks = new LockArray('cluster', clock, counters)
    this.channels = new Float64Array(Math.min(this.model.parallel, 64))
    this.highestBit = this.nslots - 1
    this.clusterNextCpu = new Int32Array(ncpus).fill(1)
    // setup_clusters: the header slot is bad, the tail of the last cluster does not exist.
    this.ci.count[0]++
    const tail = nclusters * SWAPFILE_CLUSTER - this.nslots
    this.ci.count[nclusters - 1] += tail
    for (let c = 0; c < nclusters; c++) {
      if (this.ci.count[c] === 0) this.ci.addTail(c, LIST_FREE, CLUSTER_FLAG_FREE)
      else {
        store.clusterTaken(c)
        if (modernLists && this.ci.count[c] < SWAPFILE_CLUSTER) this.ci.addTail(c, LIST_NONFULL, CLUSTER_FLAG_NONFULL)
      }
    }
    store.markBad(0)
  }

  get freePages(): number {
    return this.pages - this.inusePages
  }

  /** Slots beyond the end of the device counted in the last cluster. */
  missingInCluster(c: number): number {
    return c === this.ci.nr - 1 ? this.ci.nr * SWAPFILE_CLUSTER - this.nslots : 0
  }

  /**
   * Queues an I/O of n pages at slot `off` starting no earlier than `now`; returns the
   * completion time. Synchronous devices complete on the calling CPU (caller charges it).
   */
  submitIo(now: number, off: number, n: number, write: boolean): number {
    const m = this.model
    let best = 0
    for (let i = 1; i < this.channels.length; i++) if (this.channels[i] < this.channels[best]) best = i
    const start = Math.max(now, this.channels[best])
    const seek = m.seekNs && off !== this.lastIoEnd ? m.seekNs : 0
    const dur = seek + (write ? m.writeLatencyNs + n * m.writePageNs : m.readLatencyNs + n * m.readPageNs)
    this.channels[best] = start + dur
    this.lastIoEnd = off + n
    return start + dur
  }

  /** Time the device spends on work that occupies it (discard). */
  occupy(now: number, ns: number): number {
    let best = 0
    for (let i = 1; i < this.channels.length; i++) if (this.channels[i] < this.channels[best]) best = i
    const start = Math.max(now, this.channels[best])
    this.channels[best] = start + ns
    return start + ns
  }

  clusterLock(off: number): SimLock {
    return this.clusterLocks.get(Math.floor(off / SWAPFILE_CLUSTER))
  }
}

/** Hook the VM provides so allocators can reclaim HAS_CACHE-only slots (__try_to_reclaim_swap). */
export type CacheReclaimer = (cpu: Cpu, si: SwapInfo, off: number) => number
