// All swap devices together: priorities and round-robin (swap_avail_heads), the global
// free-page count behind vm_swap_full(), the per-CPU fast-path state, and the slot range
// bookkeeping every allocator shares (swap_range_alloc / swap_range_free).

import { SWAPFILE_CLUSTER, SWAP_NR_ORDERS, type ClusterListCounts, type Counters } from '../types'
import type { Cpu } from '../sim/scheduler'
import { COST } from '../sim/cost'
import { invariant } from '../errors'
import type { SwapInfo, CacheReclaimer } from './swapInfo'
import {
  LIST_DISCARD,
  LIST_FRAG,
  LIST_FREE,
  LIST_FULL,
  LIST_NONFULL,
  NO_LIST,
  CLUSTER_FLAG_DISCARD,
  CLUSTER_FLAG_FREE
} from './clusterInfo'

export class SwapSpace {
  readonly devices: SwapInfo[]
  totalPages = 0 /** total_swap_pages */
  nrSwapPages = 0 /** free slots over all devices: nr_swap_pages */
  /** Global per-CPU fast path (percpu_swap_cluster): device and next offset per order. */
  readonly pcpSi: Int16Array
  readonly pcpOff: Float64Array
  reclaimCacheOnly: CacheReclaimer = () => 0
  /** swap_avail_head: highest priority first; equal priorities in turn order (requeued on use). */
  private readonly availList: SwapInfo[]

  constructor(
    devices: SwapInfo[],
    readonly ncpus: number,
    readonly counters: Counters
  ) {
    // Highest priority first; equal priorities keep their order and are rotated.
    this.devices = [...devices].sort((a, b) => b.config.priority - a.config.priority)
    this.availList = [...this.devices]
    for (const si of devices) {
      this.totalPages += si.pages
      this.nrSwapPages += si.pages
    }
    this.pcpSi = new Int16Array(ncpus * SWAP_NR_ORDERS).fill(-1)
    this.pcpOff = new Float64Array(ncpus * SWAP_NR_ORDERS)
  }

  /** More than half of swap is used (vm_swap_full). */
  vmSwapFull(): boolean {
    return this.nrSwapPages * 2 < this.totalPages
  }

  /**
   * Devices in the order an allocation tries them (get_swap_pages / swap_alloc_slow): the
   * avail list by priority, devices with no free slot left off (del_from_avail_list), and
   * the first device tried requeued behind the others of its priority (plist_requeue), so
   * equal priorities take turns and lower ones are used only when the higher are full.
   * With a CPU (6.15+ allocators), the device of that CPU's per-order cluster comes first
   * and nothing rotates (swap_alloc_fast): devices then alternate per cluster, not per slot.
   */
  availOrder(cpu?: Cpu, order = 0): SwapInfo[] {
    const d = this.availList
    if (d.length === 1) return d
    const out = d.filter((si) => si.freePages > 0)
    if (cpu) {
      const fast = this.pcpSi[cpu.id * SWAP_NR_ORDERS + order]
      const i = out.findIndex((si) => si.type === fast)
      if (i >= 0) return [out[i], ...out.slice(0, i), ...out.slice(i + 1)]
    }
    if (out.length) this.requeue(out[0])
    return out
  }

  /** plist_requeue: si moves behind the last device of its priority on the avail list. */
  private requeue(si: SwapInfo): void {
    const d = this.availList
    const i = d.indexOf(si)
    let j = i
    while (j + 1 < d.length && d[j + 1].config.priority === si.config.priority) j++
    if (j === i) return
    d.splice(i, 1)
    d.splice(j, 0, si)
  }

  /** swap_range_alloc: nr slots at off on si were allocated. */
  rangeAlloc(si: SwapInfo, off: number, nr: number): void {
    if (off === si.lowestBit) si.lowestBit += nr
    if (off + nr - 1 === si.highestBit) si.highestBit -= nr
    si.inusePages += nr
    this.nrSwapPages -= nr
    if (si.inusePages === si.pages) {
      si.lowestBit = si.nslots
      si.highestBit = 0
    }
  }

  /** swap_range_free: nr slots at off on si are free again. */
  rangeFree(si: SwapInfo, off: number, nr: number): void {
    for (let i = 0; i < nr; i++) si.store.release(off + i)
    if (off < si.lowestBit) si.lowestBit = off
    if (off + nr - 1 > si.highestBit) si.highestBit = off + nr - 1
    si.inusePages -= nr
    this.nrSwapPages += nr
  }

  /**
   * swap_entries_free under the cluster lock: nr slots of one cluster are unused. Returns
   * the cluster's new count; the allocator decides where the cluster goes.
   */
  releaseRange(cpu: Cpu, si: SwapInfo, off: number, nr: number): number {
    const c = Math.floor(off / SWAPFILE_CLUSTER)
    const t0 = cpu.now
    this.rangeFree(si, off, nr)
    si.ci.count[c] -= nr
    cpu.charge(COST.slotUpdate * nr)
    si.clusterLock(off).holdAfter(cpu, t0)
    return si.ci.count[c]
  }

  /** A cluster's count dropped to zero: it goes to the discard list or the free list. */
  freeCluster(cpu: Cpu, si: SwapInfo, c: number): void {
    si.ci.del(c)
    if (si.discard) {
      si.ci.addTail(c, LIST_DISCARD, CLUSTER_FLAG_DISCARD)
    } else {
      si.ci.addTail(c, LIST_FREE, CLUSTER_FLAG_FREE)
      si.store.clusterFreed(c)
    }
    cpu.charge(COST.listMove)
  }

  /** swap_do_scheduled_discard: discards every cluster waiting on the list; returns how many. */
  doScheduledDiscard(cpu: Cpu, si: SwapInfo): number {
    let n = 0
    for (let c = si.ci.isolateHead(LIST_DISCARD); c >= 0; c = si.ci.isolateHead(LIST_DISCARD)) {
      si.occupy(cpu.now, si.model.discardClusterNs)
      si.ci.addTail(c, LIST_FREE, CLUSTER_FLAG_FREE)
      si.store.clusterFreed(c)
      this.counters.discards++
      cpu.charge(COST.listMove)
      n++
    }
    return n
  }

  /** Clusters on each list over every device (isolated: on none, e.g. a per-CPU cluster). */
  clusterLists(): ClusterListCounts {
    const out: ClusterListCounts = { free: 0, nonfull: 0, frag: 0, full: 0, discard: 0, isolated: 0 }
    for (const si of this.devices) {
      const ci = si.ci
      out.free += ci.listLen(LIST_FREE)
      out.nonfull += ci.sumLists(LIST_NONFULL, SWAP_NR_ORDERS)
      out.frag += ci.sumLists(LIST_FRAG, SWAP_NR_ORDERS)
      out.full += ci.listLen(LIST_FULL)
      out.discard += ci.listLen(LIST_DISCARD)
      for (let c = 0; c < ci.nr; c++) if (ci.list[c] === NO_LIST) out.isolated++
    }
    return out
  }

  /** Structural checks over every device (tests and debug runs). */
  check(): void {
    let free = 0
    for (const si of this.devices) {
      si.ci.checkLists()
      let inuse = 0
      for (let c = 0; c < si.ci.nr; c++) {
        const missing = si.missingInCluster(c)
        const isFree = si.ci.flags[c] === CLUSTER_FLAG_FREE
        invariant(!isFree || si.ci.count[c] === 0, () => `device ${si.type} cluster ${c} is on the free list with count ${si.ci.count[c]}`)
        si.store.check(c, si.ci.count[c] - missing, isFree)
        inuse += si.ci.count[c] - missing
      }
      // The header slot is counted in cluster 0 but not in inuse_pages.
      invariant(
        inuse - 1 === si.inusePages,
        () => `device ${si.type}: clusters count ${inuse - 1} slots in use, inuse_pages ${si.inusePages}`
      )
      free += si.pages - si.inusePages
    }
    invariant(free === this.nrSwapPages, () => `nr_swap_pages ${this.nrSwapPages} but devices have ${free} free`)
  }
}

export const clusterOf = (off: number): number => Math.floor(off / SWAPFILE_CLUSTER)
