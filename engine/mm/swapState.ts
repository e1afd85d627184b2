// The swap cache and readahead, after mm/swap_state.c: deleting a folio from the cache
// (__delete_from_swap_cache, with a workingset shadow when evicted), free_swap_cache for a
// folio nobody maps, swap_vma_readahead with its window (swapin_nr_pages) and the swap
// table's readahead mTHP swapin. Also the swapfile.c helpers that free a folio's slots and
// cache: free_swap_and_cache, __try_to_reclaim_swap, folio_swapped, vm_swap_full.

import { COST } from '../sim/cost'
import type { Cpu, Program } from '../sim/scheduler'
import { NO_ENTRY } from '../designs/design'
import { PG_DISCONTIG, PG_READAHEAD, PG_SWAPCACHE, PG_WRITEBACK } from './folios'
import { pteEntry, type Mm, type Task } from './mmTypes'
import type { Vm } from './vm'
import { markDirty, ordersAt } from './memory'
import { allocFolio, freeFolio, trackIo, tryAllocFolio } from './vmscan'

/** folio_swapped: true when some swap pte still references the folio's slots (another mm after fork). */
export function swapReferenced(vm: Vm, f: number): boolean {
  const F = vm.folios
  const nr = 1 << F.order[f]
  for (let i = 0; i < nr; i++) if (vm.design.count(F.entryOf(f, i)) > 0) return true
  return false
}

/** Removes a folio from the swap cache (with shadows when it is being evicted). */
export function deleteFromSwapCache(vm: Vm, cpu: Cpu, f: number, withShadow: boolean): void {
  const F = vm.folios
  const nr = 1 << F.order[f]
  const shadow = withShadow ? ++vm.evictions : 0
  if (F.flags[f] & PG_DISCONTIG) for (let i = 0; i < nr; i++) vm.design.cacheDelete(cpu, F.entryOf(f, i), 1, shadow)
  else vm.design.cacheDelete(cpu, F.swapEntry[f], nr, shadow)
  F.flags[f] &= ~(PG_SWAPCACHE | PG_DISCONTIG)
  F.entries.delete(f)
  F.swapEntry[f] = NO_ENTRY
}

/** __try_to_reclaim_swap for allocators: drop a cache-only slot's folio from the cache. */
export function tryToReclaimSwap(vm: Vm, cpu: Cpu, entry: number): number {
  const F = vm.folios
  const f = vm.design.peekFolio(entry)
  if (f < 0) return 0
  if (F.flags[f] & PG_WRITEBACK || F.lockedUntil[f] > cpu.now || F.faultRefs[f]) return 0
  if (swapReferenced(vm, f)) return 0
  const nr = 1 << F.order[f]
  deleteFromSwapCache(vm, cpu, f, false)
  vm.counters.cacheReclaimedSlots += nr
  if (F.mapcount[f] === 0) freeFolio(vm, f)
  else markDirty(vm, f)
  return nr
}

/**
 * mTHP swapin through the swap cache: the swap table's readahead-based option (any
 * device), or on a synchronous device for designs without the bypass (swap table P2+,
 * whose unified swapin keeps 6.12's large folio swapin from zram).
 */
export function mthpSwapinOrder(vm: Vm, mm: Mm, vpn: number, entry: number, sync: boolean): number {
  const t = vm.design.traits
  if (!t.mthpSwapin && !(t.syncMthpSwapin && sync && !t.syncBypass)) return 0
  for (const o of ordersAt(vm, mm, vpn)) {
    const nr = 1 << o
    const base = vpn - (vpn % nr)
    if (base + nr > mm.npages) continue
    const e0 = entry - (vpn - base)
    if (e0 < 0 || e0 % nr !== 0) continue
    let ok = true
    for (let i = 0; i < nr && ok; i++) {
      const p = mm.pte[base + i]
      if (p >= 0 || pteEntry(p) !== e0 + i) ok = false
      else if (i > 0 && !vm.design.contiguous(e0 + i - 1, e0 + i)) ok = false
      else if (vm.design.count(e0 + i) !== 1 || vm.design.peekFolio(e0 + i) >= 0) ok = false
      else if (mm.gen[base + i] !== mm.gen[base] || mm.origin[base + i] !== mm.origin[base]) ok = false
    }
    if (ok) return o
  }
  return 0
}

/** swap_vma_readahead: neighbours in the faulting window, window sized by recent hits. */
export function* swapVmaReadahead(vm: Vm, task: Task, vpn: number): Program {
  const mm = task.mm
  const max = 1 << vm.cfg.pageCluster
  if (max <= 1) return
  const hits = mm.raHits
  mm.raHits = 0
  let pages = hits + 2
  if (pages === 2) {
    if (vpn !== mm.raPrevVpn + 1 && vpn !== mm.raPrevVpn - 1) pages = 1
  } else {
    let roundup = 4
    while (roundup < pages) roundup <<= 1
    pages = roundup
  }
  if (pages > max) pages = max
  const lastRa = mm.raPrevWin >> 1
  if (pages < lastRa) pages = lastRa
  mm.raPrevWin = pages
  mm.raPrevVpn = vpn
  if (pages <= 1) return
  const start = vpn - (vpn % pages)
  const end = Math.min(start + pages, mm.npages)
  const d = vm.design
  const F = vm.folios
  for (let v = start; v < end; v++) {
    if (v === vpn) continue
    let p = mm.pte[v]
    if (p >= 0) continue
    if (d.peekFolio(pteEntry(p)) >= 0) continue
    // Readahead folios are charged like any other and may reclaim.
    let nf = tryAllocFolio(vm, task, 0)
    if (nf < 0) nf = yield* allocFolio(vm, task, 0)
    const cpu = vm.cpuOf(task)
    p = mm.pte[v]
    if (p >= 0 || d.swapinAdd(cpu, pteEntry(p), 1, nf) !== 'ok') {
      freeFolio(vm, nf)
      continue
    }
    const e = pteEntry(p)
    F.flags[nf] |= PG_SWAPCACHE | PG_READAHEAD
    F.swapEntry[nf] = e
    F.vpn[nf] = v
    F.origin[nf] = mm.origin[v]
    F.gen[nf] = mm.gen[v]
    stageOne(vm, mm, v)
    const done = d.readEntries(cpu, e, 1, vm.batch)
    cpu.charge(COST.bioSubmit / 4)
    F.lockedUntil[nf] = done
    trackIo(vm, done, cpu.now)
    vm.counters.readaheadPages++
    vm.counters.pswpin++
  }
}

/** Stages one page for a read: the data identity the page table expects at vpn. */
function stageOne(vm: Vm, mm: Mm, vpn: number): void {
  stageAt(vm, mm, vpn, 0)
}

/** Stages page i of a batch with the data identity the page table expects at vpn. */
export function stageAt(vm: Vm, mm: Mm, vpn: number, i: number): void {
  vm.batch.origin[i] = mm.origin[vpn]
  vm.batch.vpn[i] = vpn
  vm.batch.gen[i] = mm.gen[vpn]
}

/** vm_swap_full: more than half the swap slots in use. */
export function swapFull(vm: Vm): boolean {
  const total = vm.design.totalSlots()
  return total > 0 && vm.design.usedSlots() * 2 > total
}

/** free_swap_cache and folio_put: a folio nobody maps is freed unless the swap cache still needs it. */
export function maybeFreeUnmapped(vm: Vm, cpu: Cpu, f: number): void {
  const F = vm.folios
  if (F.mapcount[f] > 0 || F.faultRefs[f]) return
  if (F.flags[f] & PG_SWAPCACHE) {
    if (F.flags[f] & PG_WRITEBACK) return // freed by reclaim after writeback
    if (swapReferenced(vm, f)) return // another mm's swap pte still needs the copy
    deleteFromSwapCache(vm, cpu, f, false)
  }
  freeFolio(vm, f)
}

/** free_swap_and_cache: drop one reference; reclaim an unmapped cache folio when it was the last. */
export function freeSwapAndCache(vm: Vm, cpu: Cpu, e: number): void {
  const d = vm.design
  d.put(cpu, e)
  if (d.count(e) === 0) {
    const f = d.peekFolio(e)
    if (f >= 0) {
      const F = vm.folios
      if (F.mapcount[f] === 0 && !(F.flags[f] & PG_WRITEBACK) && F.lockedUntil[f] <= cpu.now && !F.faultRefs[f] && !swapReferenced(vm, f)) {
        deleteFromSwapCache(vm, cpu, f, false)
        freeFolio(vm, f)
      }
    }
  }
}
