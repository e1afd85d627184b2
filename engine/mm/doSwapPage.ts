// do_swap_page (mm/memory.c): a fault on a swap pte. A swap cache hit maps the folio (after
// its read, under the folio lock); a miss on a synchronous device with count 1 takes the
// SYNC_IO bypass (swapcache_prepare pins the slots with HAS_CACHE; from 6.12 a whole mTHP
// when alloc_swap_folio / can_swapin_thp allow; a racing fault sleeps on swapcache_wq or a
// tick); otherwise the folio is read through the swap cache with VMA readahead
// (swap_vma_readahead, swapState.ts). Then mapping (set_pte, swap_free) and
// should_try_to_free_swap.

import { COST } from '../sim/cost'
import { CHECKPOINT, type Program } from '../sim/scheduler'
import type { AddResult } from '../designs/design'
import { PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_SWAPCACHE, PG_WRITEBACK } from './folios'
import { swapPte, type Mm, type Task } from './mmTypes'
import type { Vm } from './vm'
import { markDirty, ordersAt } from './memory'
import { deleteFromSwapCache, maybeFreeUnmapped, mthpSwapinOrder, stageAt, swapFull, swapReferenced, swapVmaReadahead } from './swapState'
import { allocFolio, freeFolio, trackIo, tryAllocFolio } from './vmscan'

/** do_swap_page: the fault on a swap pte, until the page is mapped or the pte changed under it. */
export function* doSwapPage(vm: Vm, task: Task, vpn: number, entry: number, write: boolean): Program {
  const mm = task.mm
  const d = vm.design
  const F = vm.folios
  const want = swapPte(entry)
  for (;;) {
    const cpu = vm.cpuOf(task)
    if (mm.pte[vpn] !== want) return
    const f = d.cacheLookup(cpu, entry)
    if (f >= 0) {
      // Swap cache hit: wait on the folio lock while its read is in flight.
      if (F.lockedUntil[f] > cpu.now) {
        vm.counters.folioLockWaits++
        vm.counters.folioLockWaitNs += F.lockedUntil[f] - cpu.now
        yield F.lockedUntil[f]
        continue
      }
      if (F.flags[f] & PG_READAHEAD) {
        F.flags[f] &= ~PG_READAHEAD
        vm.counters.readaheadHits++
        mm.raHits++
      }
      mapFromCache(vm, task, f, write)
      return
    }
    if (d.shadow(entry) >= 0) vm.counters.workingsetRefaults++
    const sync = d.isSyncEntry(entry)
    if (sync && d.traits.syncBypass && d.count(entry) === 1) {
      // SWP_SYNCHRONOUS_IO: skip the swap cache, pinning the slots with HAS_CACHE. From 6.12
      // a whole mTHP folio when its entries allow (alloc_swap_folio), else order 0.
      const order = d.traits.syncMthpSwapin ? syncSwapinOrder(vm, mm, vpn, entry) : 0
      const nr = 1 << order
      const base = vpn - (vpn % nr)
      const baseEntry = entry - (vpn - base)
      let nf = tryAllocFolio(vm, task, order)
      if (nf < 0) nf = yield* allocFolio(vm, task, order)
      const c2 = vm.cpuOf(task)
      if (mm.pte[vpn] !== want) {
        freeFolio(vm, nf)
        return
      }
      if (order > 0 && !swapPtesIntact(mm, base, baseEntry, nr)) {
        // The range changed while we allocated: try again (the order is chosen afresh).
        freeFolio(vm, nf)
        continue
      }
      // swapcache_prepare(entry, nr): every slot pinned, or none.
      let r: AddResult = 'ok'
      let pinned = 0
      for (; pinned < nr && r === 'ok'; pinned++) r = d.pinForBypass(c2, baseEntry + pinned)
      if (r !== 'ok') {
        for (let i = 0; i < pinned - 1; i++) d.unpinBypass(c2, baseEntry + i)
        if (pinned - 1 > 0) wakeSwapcacheWq(vm, c2.now)
        freeFolio(vm, nf)
        if (r === 'freed' && mm.pte[vpn] !== want) return
        if (r === 'exists') {
          // Someone else holds the pin: sleep and retry the fault.
          vm.counters.hasCacheRetries++
          yield* hasCacheSleep(vm, task)
        }
        continue
      }
      for (let i = 0; i < nr; i++) stageAt(vm, mm, base + i, i)
      const done = d.readEntries(c2, baseEntry, nr, vm.batch)
      c2.charge(Math.max(0, done - c2.now))
      // Held by this fault until it is mapped (do_swap_page keeps its reference and takes
      // the folio lock again before set_pte): reclaim must not take it. No one waits on it
      // (it is not in the swap cache).
      F.faultRefs[nf]++
      // The read ran on this CPU (zram, pmem); other CPUs run up to now before the pin goes,
      // so a racing fault on this entry finds HAS_CACHE set, as in the kernel.
      yield CHECKPOINT
      const c3 = vm.cpuOf(task)
      F.faultRefs[nf]--
      vm.counters.pswpin += nr
      vm.counters.swpin[order]++
      vm.counters.majorFaults++
      vm.counters.syncBypassSwapins++
      const intact = mm.pte[vpn] === want && (order === 0 || swapPtesIntact(mm, base, baseEntry, nr))
      if (intact) {
        mapNewFolio(vm, mm, nf, base, order)
        for (let i = 0; i < nr; i++) d.put(c3, baseEntry + i)
      } else freeFolio(vm, nf) // the ptes changed under us (out_nomap): back out
      for (let i = 0; i < nr; i++) d.unpinBypass(c3, baseEntry + i)
      wakeSwapcacheWq(vm, c3.now)
      if (intact || mm.pte[vpn] !== want) return
      continue
    }
    // Through the swap cache, with readahead (or a whole mTHP when the option finds one).
    const order = mthpSwapinOrder(vm, mm, vpn, entry, sync)
    const nr = 1 << order
    const base = vpn - (vpn % nr)
    const baseEntry = entry - (vpn - base)
    let nf = tryAllocFolio(vm, task, order)
    if (nf < 0) nf = yield* allocFolio(vm, task, order)
    const c2 = vm.cpuOf(task)
    if (mm.pte[vpn] !== want) {
      freeFolio(vm, nf)
      return
    }
    const r = d.swapinAdd(c2, baseEntry, nr, nf)
    if (r !== 'ok') {
      freeFolio(vm, nf)
      if (r === 'freed') return
      if (d.traits.hasCacheFlag) {
        // swapcache_prepare found HAS_CACHE set without a folio yet: one-tick sleep.
        vm.counters.hasCacheRetries++
        vm.counters.hasCacheRetryNs += vm.cfg.tickNs
        yield c2.now + vm.cfg.tickNs
      }
      continue
    }
    F.flags[nf] |= PG_SWAPCACHE
    F.swapEntry[nf] = baseEntry
    F.vpn[nf] = base
    F.origin[nf] = mm.origin[base]
    F.gen[nf] = mm.gen[base]
    // This fault holds the folio until it maps it or backs out (do_swap_page keeps the
    // reference swapin_readahead returned and maps under folio_lock_or_retry): the I/O
    // completion unlocks it for waiters, but reclaim cannot free it meanwhile, so its id
    // cannot be reused under us. (Before this the read folio could be reclaimed during
    // the readahead or the catch-up checkpoint and its id reused: faults were lost.)
    F.faultRefs[nf]++
    for (let i = 0; i < nr; i++) stageAt(vm, mm, base + i, i)
    const done = d.readEntries(c2, baseEntry, nr, vm.batch)
    if (sync) c2.charge(Math.max(0, done - c2.now))
    else c2.charge(COST.bioSubmit)
    if (order > 0) vm.counters.mthpSwpinReadahead++
    F.lockedUntil[nf] = done
    trackIo(vm, done, c2.now)
    if (!sync && order === 0) yield* swapVmaReadahead(vm, task, vpn)
    // After a synchronous read, still let the other CPUs catch up: a racing fault then
    // finds the folio locked in the cache.
    yield sync ? CHECKPOINT : F.lockedUntil[nf]
    F.lockedUntil[nf] = 0
    F.faultRefs[nf]--
    vm.counters.pswpin += nr
    vm.counters.swpin[order]++
    vm.counters.majorFaults++
    if (mm.pte[vpn] !== want) {
      // !pte_same: back out (out_nomap); a folio nobody needs any more leaves the cache.
      maybeFreeUnmapped(vm, vm.cpuOf(task), nf)
      return
    }
    mapFromCache(vm, task, nf, write)
    // P2+: on a synchronous device the folio leaves the cache right after it is mapped.
    const c3 = vm.cpuOf(task)
    if (sync && !d.traits.hasCacheFlag && F.isLive(nf) && F.flags[nf] & PG_SWAPCACHE && !swapReferenced(vm, nf)) {
      deleteFromSwapCache(vm, c3, nf, false)
      markDirty(vm, nf)
    }
    return
  }
}

/** Maps a swap-cache folio into this mm where its ptes still hold its entries. */
function mapFromCache(vm: Vm, task: Task, f: number, write: boolean): void {
  const F = vm.folios
  const mm = task.mm
  const cpu = vm.cpuOf(task)
  const nr = 1 << F.order[f]
  const base = F.vpn[f]
  let mapped = 0
  for (let i = 0; i < nr; i++) {
    const e = F.entryOf(f, i)
    if (mm.pte[base + i] === swapPte(e)) {
      mm.pte[base + i] = f + 1
      vm.design.put(cpu, e)
      mapped++
    }
  }
  if (!mapped) return
  cpu.charge(COST.mapPage * mapped)
  mm.residentPages += mapped
  mm.swapPtes -= mapped
  if (F.owner[f] !== mm.id && !F.extraMappers.get(f)?.includes(mm.id)) F.addMapper(f, mm.id)
  F.flags[f] |= PG_REFERENCED
  // should_try_to_free_swap: on a write fault, or when swap is more than half full.
  if (F.flags[f] & PG_SWAPCACHE && (write || swapFull(vm)) && !swapReferenced(vm, f) && !(F.flags[f] & PG_WRITEBACK)) {
    deleteFromSwapCache(vm, cpu, f, false)
    markDirty(vm, f)
  } else if (write) {
    if (F.mapcount[f] > 1 || swapReferenced(vm, f)) return // stays shared; a later write copies
    markDirty(vm, f)
  }
}

/** Maps a folio read by the bypass over the swap ptes of [base, base + 2^order). */
function mapNewFolio(vm: Vm, mm: Mm, f: number, base: number, order: number): void {
  const F = vm.folios
  const nr = 1 << order
  F.vpn[f] = base
  F.origin[f] = mm.origin[base]
  F.gen[f] = mm.gen[base]
  F.order[f] = order
  for (let i = 0; i < nr; i++) mm.pte[base + i] = f + 1
  mm.residentPages += nr
  mm.swapPtes -= nr
  F.addMapper(f, mm.id)
  F.flags[f] |= PG_REFERENCED
  // Bypassed folios are not in the swap cache: they are dirty anonymous memory again.
  F.flags[f] |= PG_DIRTY
}

/** True when [base, base + nr) still holds the swap ptes of baseEntry + i (swap_pte_batch). */
function swapPtesIntact(mm: Mm, base: number, baseEntry: number, nr: number): boolean {
  for (let i = 0; i < nr; i++) if (mm.pte[base + i] !== swapPte(baseEntry + i)) return false
  return true
}

/**
 * alloc_swap_folio (6.12+) for the bypass: the largest enabled order whose naturally
 * aligned range holds contiguous swap entries, aligned alike (thp_swap_suitable_orders),
 * none of them in the swap cache or pinned (non_swapcache_batch), same data generation.
 */
function syncSwapinOrder(vm: Vm, mm: Mm, vpn: number, entry: number): number {
  const d = vm.design
  for (const o of ordersAt(vm, mm, vpn)) {
    const nr = 1 << o
    const base = vpn - (vpn % nr)
    if (base + nr > mm.npages) continue
    const e0 = entry - (vpn - base)
    if (e0 < 0 || e0 % nr !== 0) continue
    if (!swapPtesIntact(mm, base, e0, nr)) continue
    let ok = true
    for (let i = 0; i < nr && ok; i++) {
      if (i > 0 && !d.contiguous(e0 + i - 1, e0 + i)) ok = false
      else if (d.peekFolio(e0 + i) >= 0 || d.isCacheOnly(e0 + i) || d.count(e0 + i) === 0) ok = false
      // One folio holds one data generation: pages written at different times stay apart.
      else if (mm.gen[base + i] !== mm.gen[base] || mm.origin[base + i] !== mm.origin[base]) ok = false
    }
    if (ok) return o
  }
  return 0
}

/** A fault that found the bypass pin: one tick, or until a pin clears (swapcache_wq). */
function* hasCacheSleep(vm: Vm, task: Task): Program {
  const c = vm.cpuOf(task)
  const t0 = c.now
  const until = t0 + vm.cfg.tickNs
  if (!vm.design.traits.swapcacheWq) {
    vm.counters.hasCacheRetryNs += vm.cfg.tickNs
    yield until
    return
  }
  vm.swapcacheWq.push(task)
  yield until
  const i = vm.swapcacheWq.indexOf(task)
  if (i >= 0) vm.swapcacheWq.splice(i, 1)
  vm.counters.hasCacheRetryNs += Math.min(vm.cfg.tickNs, Math.max(0, vm.cpuOf(task).now - t0))
}

/** wake_up(&swapcache_wq) after swapcache_clear: every sleeper runs again at `now`. */
function wakeSwapcacheWq(vm: Vm, now: number): void {
  if (!vm.swapcacheWq.length) return
  for (const t of vm.swapcacheWq) vm.sched.wake(t, now)
  vm.swapcacheWq.length = 0
}
