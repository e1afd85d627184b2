// The cluster allocator of Linux 6.12+ (cluster_alloc_swap_entry, 6.18 order): free /
// nonfull[order] / frag[order] / full / discard lists, a cluster order fixed on first use,
// order-0 stealing, full-cluster reclaim past 50 % use, discard as a delayed free, and the
// global per-CPU (device, next offset) fast path. Cluster lock first; the device lock only
// for list moves.

import { PMD_ORDER, SWAPFILE_CLUSTER, SWAP_NR_ORDERS } from '../types'
import type { Cpu } from '../sim/scheduler'
import { COST } from '../sim/cost'
import {
  CLUSTER_FLAG_DISCARD,
  CLUSTER_FLAG_FRAG,
  CLUSTER_FLAG_FREE,
  CLUSTER_FLAG_FULL,
  CLUSTER_FLAG_NONE,
  CLUSTER_FLAG_NONFULL,
  CLUSTER_FLAG_USABLE,
  LIST_DISCARD,
  LIST_FRAG,
  LIST_FREE,
  LIST_FULL,
  LIST_NONFULL
} from './clusterInfo'
import type { SwapInfo } from './swapInfo'
import type { SwapSpace } from './swapSpace'

export interface SwapAllocator {
  /** Allocates 2^order naturally aligned slots on si for folio; returns the offset or -1. */
  alloc(cpu: Cpu, si: SwapInfo, order: number, folio: number): number
  /** Slots [off, off+nr) of one cluster are unused: return them to the allocator. */
  free(cpu: Cpu, si: SwapInfo, off: number, nr: number): void
}

export class ClusterAllocator implements SwapAllocator {
  constructor(private readonly space: SwapSpace) {}

  alloc(cpu: Cpu, si: SwapInfo, order: number, folio: number): number {
    if (si.model.solidState) return this.allocOn(cpu, si, order, folio)
    // Rotational device (!SWP_SOLIDSTATE): no per-CPU clusters; one next offset per order
    // for the device, and the whole allocation serialised by si->global_cluster_lock
    // (cluster_alloc_swap_entry, mm/swapfile.c 6.12+).
    const t0 = cpu.now
    const found = this.allocOn(cpu, si, order, folio)
    si.deviceLock.holdAfter(cpu, t0)
    return found
  }

  private allocOn(cpu: Cpu, si: SwapInfo, order: number, folio: number): number {
    const space = this.space
    const k = cpu.id * SWAP_NR_ORDERS + order
    const ssd = si.model.solidState
    // Fast path: the (device, offset) this CPU allocated from last for this order (SSD), or
    // the device's global next offset for this order (HDD).
    const hint = ssd ? (space.pcpSi[k] === si.type ? space.pcpOff[k] : 0) : si.globalNext[order]
    if (hint > 0) {
      const off = hint
      const c = Math.floor(off / SWAPFILE_CLUSTER)
      if (this.usable(si, c, order)) {
        if (si.ci.flags[c] === CLUSTER_FLAG_FREE) {
          // The cluster was freed since: take it off the free list first (6.12-6.17: no
          // table; the swap table never gets here, a free cluster has none).
          si.ci.del(c)
          if (si.store.clusterTaken(c)) cpu.charge(COST.tableAlloc)
        }
        const found = this.scanCluster(cpu, si, c, off, order, folio)
        if (found >= 0) return found
      }
    }
    for (;;) {
      let found: number
      if (si.discard && (found = this.tryList(cpu, si, LIST_FREE, order, folio, 1)) >= 0) return found
      if (order < PMD_ORDER && (found = this.tryList(cpu, si, LIST_NONFULL + order, order, folio, Infinity)) >= 0) return found
      if (!si.discard && (found = this.tryList(cpu, si, LIST_FREE, order, folio, 1)) >= 0) return found
      if (space.vmSwapFull()) this.reclaimFullClusters(cpu, si, false)
      if (order < PMD_ORDER && (found = this.tryList(cpu, si, LIST_FRAG + order, order, folio, 1)) >= 0) return found
      if (si.discard && si.ci.listLen(LIST_DISCARD) > 0) {
        si.deviceLock.hold(cpu, 0)
        if (space.doScheduledDiscard(cpu, si) > 0) continue
      }
      break
    }
    if (order) return -1
    // Order 0 steals from clusters of every other order.
    for (let o = 1; o < SWAP_NR_ORDERS; o++) {
      let found = this.tryList(cpu, si, LIST_FRAG + o, 0, folio, Infinity)
      if (found >= 0) return found
      found = this.tryList(cpu, si, LIST_NONFULL + o, 0, folio, Infinity)
      if (found >= 0) return found
    }
    return -1
  }

  /** Isolates up to `max` clusters from a list, one at a time, and scans each. */
  private tryList(cpu: Cpu, si: SwapInfo, list: number, order: number, folio: number, max: number): number {
    for (let i = 0; i < max; i++) {
      const t0 = cpu.now
      const c = si.ci.isolateHead(list)
      cpu.charge(COST.listMove)
      si.deviceLock.holdAfter(cpu, t0)
      if (c < 0) return -1
      // Only the swap table allocates a table for a cluster taken from the free list.
      if (list === LIST_FREE && si.store.clusterTaken(c)) cpu.charge(COST.tableAlloc)
      const found = this.scanCluster(cpu, si, c, c * SWAPFILE_CLUSTER, order, folio)
      if (found >= 0) return found
    }
    return -1
  }

  /** cluster_is_usable (mm/swapfile.c); the swap table adds: not without its table. */
  private usable(si: SwapInfo, c: number, order: number): boolean {
    if (si.ci.flags[c] > CLUSTER_FLAG_USABLE) return false
    if (!si.store.hasTable(c)) return false
    if (!order) return true
    return si.ci.count[c] === 0 || si.ci.order[c] === order
  }

  /** alloc_swap_scan_cluster: first free naturally aligned range at or after `offset`. */
  private scanCluster(cpu: Cpu, si: SwapInfo, c: number, offset: number, order: number, folio: number): number {
    const space = this.space
    const store = si.store
    const nr = 1 << order
    const start = c * SWAPFILE_CLUSTER
    const end = Math.min(start + SWAPFILE_CLUSTER, si.nslots) - nr
    const t0 = cpu.now
    let found = -1
    let next = 0
    let scanned = 0
    let off = offset
    const full = space.vmSwapFull()
    while (off <= end) {
      let ok = true
      let needReclaim = false
      for (let s = off; s < off + nr; s++) {
        scanned++
        if (store.isFree(s)) continue
        if (full && store.isCacheOnly(s)) {
          needReclaim = true
          continue
        }
        ok = false
        break
      }
      if (ok && needReclaim) {
        // cluster_reclaim_range: drop HAS_CACHE-only slots, then look again.
        for (let s = off; s < off + nr; s++) if (!store.isFree(s)) space.reclaimCacheOnly(cpu, si, s)
        for (let s = off; s < off + nr; s++) if (!store.isFree(s)) ok = false
      }
      if (!ok) {
        off += nr
        continue
      }
      if (si.ci.count[c] === 0) si.ci.order[c] = order
      store.allocRange(cpu, off, nr, folio)
      si.ci.count[c] += nr
      space.rangeAlloc(si, off, nr)
      found = off
      off += nr
      if (si.ci.count[c] < SWAPFILE_CLUSTER && off <= end) next = off
      break
    }
    space.counters.slotsScanned += scanned
    cpu.charge(scanned * COST.scanSlot)
    this.relocate(cpu, si, c)
    si.clusterLock(start).holdAfter(cpu, t0)
    if (si.model.solidState) {
      const k = cpu.id * SWAP_NR_ORDERS + order
      space.pcpSi[k] = next ? si.type : -1
      space.pcpOff[k] = next
    } else si.globalNext[order] = next
    return found
  }

  /** relocate_cluster: after allocation the cluster goes where its count says. */
  private relocate(cpu: Cpu, si: SwapInfo, c: number): void {
    const ci = si.ci
    const flag = ci.flags[c]
    if (flag === CLUSTER_FLAG_DISCARD) return
    const t0 = cpu.now
    if (ci.count[c] === 0) {
      if (flag !== CLUSTER_FLAG_FREE) this.space.freeCluster(cpu, si, c)
      else return
    } else if (ci.count[c] !== SWAPFILE_CLUSTER) {
      if (flag === CLUSTER_FLAG_FRAG) return
      ci.move(c, LIST_FRAG + ci.order[c], CLUSTER_FLAG_FRAG)
      cpu.charge(COST.listMove)
    } else {
      if (flag === CLUSTER_FLAG_FULL) return
      ci.move(c, LIST_FULL, CLUSTER_FLAG_FULL)
      cpu.charge(COST.listMove)
    }
    si.deviceLock.holdAfter(cpu, t0)
  }

  /** swap_reclaim_full_clusters: drop HAS_CACHE-only slots of full clusters (one unless forced). */
  reclaimFullClusters(cpu: Cpu, si: SwapInfo, force: boolean): void {
    let toScan = force ? Math.floor(si.inusePages / SWAPFILE_CLUSTER) : 1
    const store = si.store
    for (;;) {
      const c = si.ci.isolateHead(LIST_FULL)
      if (c < 0) return
      this.space.counters.fullClusterReclaims++
      toScan--
      const start = c * SWAPFILE_CLUSTER
      const end = Math.min(start + SWAPFILE_CLUSTER, si.nslots)
      for (let off = start; off < end;) {
        if (store.isCacheOnly(off)) {
          const n = this.space.reclaimCacheOnly(cpu, si, off)
          if (n) {
            off += n
            continue
          }
        }
        off++
      }
      cpu.charge((end - start) * COST.scanSlot)
      if (si.ci.flags[c] === CLUSTER_FLAG_NONE) this.relocate(cpu, si, c)
      if (toScan <= 0) return
    }
  }

  free(cpu: Cpu, si: SwapInfo, off: number, nr: number): void {
    const c = Math.floor(off / SWAPFILE_CLUSTER)
    const count = this.space.releaseRange(cpu, si, off, nr)
    const t1 = cpu.now
    if (count === 0) {
      this.space.freeCluster(cpu, si, c)
    } else if (si.ci.flags[c] !== CLUSTER_FLAG_NONFULL) {
      // partial_free_cluster
      si.ci.move(c, LIST_NONFULL + si.ci.order[c], CLUSTER_FLAG_NONFULL)
      cpu.charge(COST.listMove)
    } else return
    si.deviceLock.holdAfter(cpu, t1)
  }
}
