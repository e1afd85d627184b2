// The allocator of Linux 6.6-6.11 (scan_swap_map_slots under si->lock): a per-CPU cluster
// taken from the head of the free-cluster FIFO, and when no free cluster is left a linear
// scan of swap_map from a per-CPU hint, wrapping, with a break every LATENCY_LIMIT probes.
// HAS_CACHE-only slots are reclaimed during the scan once swap is more than half full.
// - 6.6 (perOrder = false): order 0 scans; order 9 takes a whole free cluster
//   (swap_alloc_cluster) or fails; orders 1..8 are never swapped whole.
// - 6.10 (perOrder = true): each order has its own per-CPU cluster, taken from free
//   clusters only, filled with naturally aligned runs; with no free cluster mTHP fails.

import { PMD_ORDER, SWAPFILE_CLUSTER, SWAP_NR_ORDERS } from '../types'
import type { Cpu } from '../sim/scheduler'
import { COST } from '../sim/cost'
import { CLUSTER_FLAG_FREE, LIST_DISCARD, LIST_FREE } from './clusterInfo'
import { SWAP_NEXT_INVALID, type SwapInfo } from './swapInfo'
import type { SwapSpace } from './swapSpace'
import type { SwapAllocator } from './clusterAllocator'

const LATENCY_LIMIT = 256

export class LegacyAllocator implements SwapAllocator {
  /** percpu_cluster->next[order] per device per CPU (6.6 uses order 0 only). */
  private readonly pcpNext: Map<number, Float64Array> = new Map()

  constructor(
    private readonly space: SwapSpace,
    readonly perOrder: boolean
  ) {}

  private next(si: SwapInfo): Float64Array {
    let a = this.pcpNext.get(si.type)
    if (!a) {
      a = new Float64Array(this.space.ncpus * SWAP_NR_ORDERS).fill(SWAP_NEXT_INVALID)
      this.pcpNext.set(si.type, a)
    }
    return a
  }

  alloc(cpu: Cpu, si: SwapInfo, order: number, folio: number): number {
    const out: number[] = []
    this.allocMany(cpu, si, order, 1, out, folio)
    return out.length ? out[0] : -1
  }

  /** get_swap_pages for one device: up to nGoal entries of one order (slot cache refills use 64). */
  allocMany(cpu: Cpu, si: SwapInfo, order: number, nGoal: number, out: number[], folio: number): number {
    const t0 = cpu.now
    let n: number
    // A rotational device has no cluster_info before 6.12 (swapon allocates it for
    // SWP_SOLIDSTATE only): no clusters to take, so every large folio is split.
    if (!si.model.solidState && order > 0) n = 0
    else if (!this.perOrder && order === PMD_ORDER) n = this.allocWholeCluster(cpu, si, out, folio)
    else if (!this.perOrder && order > 0) n = 0
    else n = this.scanSlots(cpu, si, order, nGoal, out, folio)
    si.deviceLock.holdAfter(cpu, t0)
    return n
  }

  /** swap_alloc_cluster (6.6): a THP takes a whole free cluster or fails. */
  private allocWholeCluster(cpu: Cpu, si: SwapInfo, out: number[], folio: number): number {
    const c = si.ci.head(LIST_FREE)
    if (c < 0) return 0
    const off = c * SWAPFILE_CLUSTER
    this.allocRange(cpu, si, off, SWAPFILE_CLUSTER, folio)
    si.ci.order[c] = PMD_ORDER
    out.push(off)
    return 1
  }

  /** inc_cluster_info_page + swap_range_alloc for a range inside one cluster. */
  private allocRange(cpu: Cpu, si: SwapInfo, off: number, nr: number, folio: number): void {
    const c = Math.floor(off / SWAPFILE_CLUSTER)
    if (si.ci.flags[c] === CLUSTER_FLAG_FREE) {
      si.ci.del(c)
      si.store.clusterTaken(c)
    }
    const t0 = cpu.now
    si.store.allocRange(cpu, off, nr, folio)
    si.ci.count[c] += nr
    this.space.rangeAlloc(si, off, nr)
    si.clusterLock(off).holdAfter(cpu, t0)
  }

  private rangeFree(si: SwapInfo, off: number, nr: number): boolean {
    for (let i = 0; i < nr; i++) if (!si.store.isFree(off + i)) return false
    return true
  }

  /** scan_swap_map_try_ssd_cluster: next aligned free range of this CPU's cluster, taking a new free cluster when needed. */
  private tryPcpCluster(cpu: Cpu, si: SwapInfo, order: number): number {
    const nexts = this.next(si)
    const k = cpu.id * SWAP_NR_ORDERS + (this.perOrder ? order : 0)
    const nr = 1 << order
    let tmp = nexts[k]
    for (;;) {
      if (tmp === SWAP_NEXT_INVALID) {
        const c = si.ci.isolateHead(LIST_FREE)
        if (c >= 0) {
          si.store.clusterTaken(c)
          si.ci.order[c] = order
          tmp = c * SWAPFILE_CLUSTER
          cpu.charge(COST.listMove)
        } else if (si.ci.listLen(LIST_DISCARD) > 0) {
          this.space.doScheduledDiscard(cpu, si)
          continue
        } else return -1
      }
      const max = Math.min(si.nslots, (Math.floor(tmp / SWAPFILE_CLUSTER) + 1) * SWAPFILE_CLUSTER)
      let scanned = 0
      while (tmp < max) {
        scanned += nr
        if (tmp + nr <= max && this.rangeFree(si, tmp, nr)) break
        tmp += nr
      }
      this.space.counters.slotsScanned += scanned
      cpu.charge(scanned * COST.scanSlot)
      if (tmp >= max) {
        nexts[k] = SWAP_NEXT_INVALID
        tmp = SWAP_NEXT_INVALID
        continue
      }
      const found = tmp
      tmp += nr
      nexts[k] = tmp < max ? tmp : SWAP_NEXT_INVALID
      return found
    }
  }

  /** scan_swap_map_ssd_cluster_conflict: a free cluster other than the list head belongs to no one yet. */
  private conflict(si: SwapInfo, off: number): boolean {
    const c = Math.floor(off / SWAPFILE_CLUSTER)
    const head = si.ci.head(LIST_FREE)
    return head >= 0 && c !== head && si.ci.flags[c] === CLUSTER_FLAG_FREE
  }

  private scanSlots(cpu: Cpu, si: SwapInfo, order: number, nGoal: number, out: number[], folio: number): number {
    const space = this.space
    const store = si.store
    const nr = 1 << order
    let n = 0
    let latency = LATENCY_LIMIT
    let scanned = 0
    let scannedMany = false
    // scan_swap_map_slots: SSDs start from this CPU's hint and its per-CPU cluster; a
    // rotational device (no cluster_info) scans swap_map from the device's one hint.
    const ssd = si.model.solidState
    let off = ssd ? si.clusterNextCpu[cpu.id] : si.clusterNext
    let scanBase = off
    let linear = false
    const pcp = ssd ? this.tryPcpCluster(cpu, si, order) : -1
    if (pcp < 0) {
      if (order > 0) return 0
      linear = true
    } else off = scanBase = pcp
    for (;;) {
      if (linear) {
        // scan: the lock is dropped and swap_map is probed one slot at a time, wrapping.
        const probe = (o: number): boolean => {
          scanned++
          if (--latency < 0) {
            latency = LATENCY_LIMIT
            scannedMany = true
          }
          return store.isFree(o) || (space.vmSwapFull() && store.isCacheOnly(o))
        }
        let hit = -1
        while (++off <= si.highestBit)
          if (probe(off)) {
            hit = off
            break
          }
        if (hit < 0)
          for (off = si.lowestBit; off < scanBase; off++)
            if (probe(off)) {
              hit = off
              break
            }
        if (hit < 0) break
        off = hit
        linear = false
      }
      // checks:
      if (ssd && this.conflict(si, off)) {
        this.next(si)[cpu.id * SWAP_NR_ORDERS + (this.perOrder ? order : 0)] = SWAP_NEXT_INVALID
        if (n) break
        const p = this.tryPcpCluster(cpu, si, order)
        if (p < 0) {
          if (order > 0) break
          linear = true
          continue
        }
        off = p
        continue
      }
      if (si.inusePages === si.pages) break
      if (off > si.highestBit) off = scanBase = si.lowestBit
      if (order === 0 && space.vmSwapFull() && store.isCacheOnly(off)) {
        const freed = space.reclaimCacheOnly(cpu, si, off)
        if (freed > 0 && store.isFree(off)) continue
        linear = true
        continue
      }
      if (!this.rangeFree(si, off, nr)) {
        if (!n) {
          linear = true
          continue
        }
        break
      }
      this.allocRange(cpu, si, off, nr, folio)
      out.push(off)
      n++
      if (n === nGoal || off >= si.highestBit) break
      if (--latency < 0) {
        if (n) break
        latency = LATENCY_LIMIT
      }
      const p = ssd ? this.tryPcpCluster(cpu, si, order) : -1
      if (p >= 0) {
        off = p
        continue
      }
      if (order > 0) break
      // Quick scan with the lock held, up to the scan base or the end.
      if (!scannedMany) {
        const limit = off < scanBase ? scanBase : si.highestBit
        let hit = -1
        for (off++; off <= limit && --latency > 0; off++) {
          scanned++
          if (store.isFree(off)) {
            hit = off
            break
          }
        }
        if (hit >= 0) {
          off = hit
          continue
        }
      }
      break
    }
    if (ssd) si.clusterNextCpu[cpu.id] = Math.min(off + 1, si.nslots - 1)
    else si.clusterNext = Math.min(off + 1, si.nslots - 1)
    space.counters.slotsScanned += scanned
    cpu.charge(scanned * COST.scanSlot)
    return n
  }

  free(cpu: Cpu, si: SwapInfo, off: number, nr: number): void {
    // swap_entry_free -> dec_cluster_info_page -> free_cluster at count 0. A CPU whose
    // cluster was freed keeps scanning it until someone takes it off the free list.
    if (this.space.releaseRange(cpu, si, off, nr) === 0) this.space.freeCluster(cpu, si, Math.floor(off / SWAPFILE_CLUSTER))
  }
}
