// Memory-cgroup charge and reclaim, after mm/vmscan.c: allocation charges the memcg and
// reclaims directly when over the limit (try_charge_memcg -> try_to_free_mem_cgroup_pages),
// scanning one LRU with second chance in SWAP_CLUSTER_MAX batches and waiting on writeback
// when nothing can go at once (reclaim_throttle). shrink_folio_list for one folio:
// add_to_swap (splitting a large folio the design cannot place, split_folio_to_list),
// try_to_unmap (mm/rmap.c), pageout to the design's device (swap_writepage, mm/page_io.c),
// folio_end_writeback, __remove_mapping.

import { COST } from '../sim/cost'
import { CHECKPOINT, type Cpu, type Program } from '../sim/scheduler'
import { OutOfSwapError } from '../errors'
import { NO_ENTRY, WRITE_REFUSED } from '../designs/design'
import { wallNs } from '../metrics/latency'
import { PG_DIRTY, PG_DISCONTIG, PG_LRU, PG_REFERENCED, PG_SWAPCACHE, PG_WRITEBACK } from './folios'
import { swapPte, type Task } from './mmTypes'
import type { Vm } from './vm'
import { deleteFromSwapCache } from './swapState'

/** SWAP_CLUSTER_MAX: folios reclaimed per batch. */
const RECLAIM_BATCH = 32

/** Allocates a folio when it fits under the limit without reclaim; -1 otherwise. */
export function tryAllocFolio(vm: Vm, task: Task, order: number): number {
  if (!vm.memcg.tryCharge(task.cpu, 1 << order)) return -1
  return allocCharged(vm, task, order)
}

/** Allocates and charges a folio, reclaiming first when over the limit. Adds it to the LRU. */
export function* allocFolio(vm: Vm, task: Task, order: number): Generator<number, number, void> {
  const nr = 1 << order
  while (!vm.memcg.tryCharge(task.cpu, nr)) yield* reclaim(vm, task, nr)
  return allocCharged(vm, task, order)
}

/** A new folio, charged already (memcg.ts), which goes to the LRU head. */
function allocCharged(vm: Vm, task: Task, order: number): number {
  const nr = 1 << order
  const f = vm.folios.alloc(order)
  vm.usedPages += nr
  if (vm.usedPages > vm.peakUsedPages) vm.peakUsedPages = vm.usedPages
  vm.folios.lruAddHead(f)
  vm.cpuOf(task).charge(COST.folioAlloc)
  return f
}

/** Uncharges and frees a folio. */
export function freeFolio(vm: Vm, f: number): void {
  const nr = 1 << vm.folios.order[f]
  vm.usedPages -= nr
  vm.memcg.uncharge(nr)
  vm.folios.free(f)
}

/**
 * Memcg direct reclaim (try_to_free_mem_cgroup_pages, shrink_lruvec) until a charge of `need`
 * pages fits. A round that leaves too little room drains the per-CPU stocks once
 * (try_charge_memcg: drain_all_stock, then retry).
 */
export function* reclaim(vm: Vm, task: Task, need: number): Program {
  const F = vm.folios
  const memcg = vm.memcg
  let idle = 0
  let drained = false
  while (!memcg.fits(task.cpu, need)) {
    const cpu = vm.cpuOf(task)
    let handled = 0 /** folios freed or sent to writeback this pass */
    let scanned = 0
    const passLen = F.lruLen
    let f = F.lruTail
    while (f >= 0 && scanned < passLen && handled < RECLAIM_BATCH && !memcg.fits(task.cpu, need)) {
      const prev = F.lruPrevOf(f)
      scanned++
      cpu.charge(COST.reclaimScanFolio)
      const fl = F.flags[f]
      if (F.lockedUntil[f] > cpu.now || fl & PG_WRITEBACK || F.faultRefs[f]) {
        // Busy with I/O, or held by a fault that has not mapped it yet: leave it in place.
      } else if (fl & PG_REFERENCED) {
        F.flags[f] &= ~PG_REFERENCED
        F.lruDel(f)
        F.lruAddHead(f)
      } else if (shrinkFolio(vm, cpu, f) >= 0) handled++
      f = prev
    }
    vm.counters.reclaimScanned += scanned
    if (memcg.fits(task.cpu, need)) break
    if (!drained && memcg.stockPages) {
      memcg.drainAll()
      drained = true
      if (memcg.fits(task.cpu, need)) break
    }
    // Nothing more can go at once: wait for the earliest I/O in flight (writeback throttling).
    const t = earliestIo(vm, cpu.now)
    if (t > cpu.now && (handled === 0 || handled >= RECLAIM_BATCH)) {
      vm.counters.writebackWaitNs += t - cpu.now
      yield t
      idle = 0
      continue
    }
    if (handled === 0) {
      if (++idle > 3) {
        const why = vm.design.reclaimBlockedReason?.()
        if (why)
          throw new OutOfSwapError(
            `cannot reclaim: ${vm.usedPages} pages resident (${memcg.counter} charged) against a limit of ${vm.limitPages}: ${why}`
          )
        if (vm.design.usedSlots() >= vm.design.totalSlots())
          throw new OutOfSwapError(
            `out of swap space: all ${vm.design.totalSlots()} slots are in use and ${vm.usedPages} pages are resident against a limit of ${vm.limitPages}`
          )
        throw new OutOfSwapError(
          `cannot reclaim: ${vm.usedPages} pages resident (${memcg.counter} charged with page tables, kernel and program memory), limit ${vm.limitPages}, nothing on the LRU can be evicted`
        )
      }
    } else idle = 0
    yield CHECKPOINT
  }
}

/** Remembers an I/O that completes after `now` (reclaim may have to wait for it). */
export function trackIo(vm: Vm, end: number, now: number): void {
  if (end <= now) return // synchronous: already done on the issuing CPU
  if (vm.ioEnds.length >= vm.ioPruneAt) {
    // Amortised: prune again only once the list has doubled from what is still in flight.
    forgetIoBefore(vm, vm.sched.clock.low)
    vm.ioPruneAt = Math.max(1024, 2 * vm.ioEnds.length)
  }
  vm.ioEnds.push(end)
}

/** Drops completions at or before t; returns the earliest one left (Infinity if none). */
function forgetIoBefore(vm: Vm, t: number): number {
  const a = vm.ioEnds
  let best = Infinity
  let w = 0
  for (let i = 0; i < a.length; i++) {
    if (a[i] > t) {
      a[w++] = a[i]
      if (a[i] < best) best = a[i]
    }
  }
  a.length = w
  return best
}

function earliestIo(vm: Vm, now: number): number {
  const best = forgetIoBefore(vm, now)
  return best === Infinity ? now : best
}

/**
 * shrink_folio_list for one folio: returns pages freed now (0 if kept or freed later).
 * Also used by MADV_PAGEOUT.
 */
export function shrinkFolio(vm: Vm, cpu: Cpu, f: number): number {
  const F = vm.folios
  const order = F.order[f]
  const t0 = cpu.now
  const w0 = wallNs()
  if (F.flags[f] & PG_SWAPCACHE) {
    if (F.flags[f] & PG_DIRTY) {
      // Dirty again but still in the swap cache: write it back to the same slots.
      tryToUnmap(vm, cpu, f)
      if (!pageout(vm, cpu, f)) return -1
    } else {
      // Clean: the swap copy is current; unmap and drop without I/O.
      tryToUnmap(vm, cpu, f)
    }
    const freed = removeMapping(vm, cpu, f)
    vm.counters.reclaimEvicted += freed
    return freed
  }
  // Anonymous folio without swap: allocate slots (splitting when the design cannot).
  const entry = vm.design.allocSwap(cpu, order, f, vm.discontigOut)
  if (entry === NO_ENTRY) {
    if (order > 0) {
      vm.counters.swpoutFallback[order]++
      splitFolio(vm, f)
      return 0
    }
    return -1
  }
  F.flags[f] |= PG_SWAPCACHE
  F.swapEntry[f] = entry
  if (vm.discontigOut.length) {
    F.flags[f] |= PG_DISCONTIG
    F.entries.set(f, [...vm.discontigOut])
  }
  tryToUnmap(vm, cpu, f)
  if (!pageout(vm, cpu, f)) return -1
  vm.counters.swpout[order]++
  vm.latency.swapoutSim.record(cpu.now - t0)
  vm.latency.swapoutWall.record(wallNs() - w0)
  const freed = removeMapping(vm, cpu, f)
  vm.counters.reclaimEvicted += freed
  return freed
}

/** try_to_unmap: every pte mapping the folio becomes a swap pte (one count each). */
function tryToUnmap(vm: Vm, cpu: Cpu, f: number): void {
  const F = vm.folios
  const nr = 1 << F.order[f]
  const base = F.vpn[f]
  while (F.mapcount[f] > 0) {
    const mmId = F.owner[f]
    const mm = vm.mms.get(mmId)!
    let k = 0
    for (let i = 0; i < nr; i++) {
      // Only the pages that map it (part of a large folio may have been unmapped).
      if (mm.pte[base + i] !== f + 1) continue
      const e = F.entryOf(f, i)
      vm.design.dup(cpu, e)
      mm.pte[base + i] = swapPte(e)
      k++
    }
    mm.residentPages -= k
    mm.swapPtes += k
    F.removeMapper(f, mmId)
    cpu.charge(COST.unmapPage * k)
  }
}

/**
 * pageout: writes the folio's pages to its slots (batched per contiguous run). False when
 * the design refuses the write (AOP_WRITEPAGE_ACTIVATE): the folio stays dirty in the swap
 * cache, activated.
 */
function pageout(vm: Vm, cpu: Cpu, f: number): boolean {
  const F = vm.folios
  const nr = 1 << F.order[f]
  const d = vm.design
  let end = cpu.now
  let i = 0
  while (i < nr) {
    let j = i + 1
    while (j < nr && d.contiguous(F.entryOf(f, j - 1), F.entryOf(f, j))) j++
    for (let k = i; k < j; k++) {
      vm.batch.origin[k - i] = F.origin[f]
      vm.batch.vpn[k - i] = F.vpn[f] + k
      vm.batch.gen[k - i] = F.gen[f]
    }
    const e = F.entryOf(f, i)
    const done = d.writeFolio(cpu, e, j - i, vm.batch)
    if (done === WRITE_REFUSED) return activate(vm, f)
    if (d.isSyncEntry(e)) cpu.charge(Math.max(0, done - cpu.now))
    else cpu.charge(COST.bioSubmit)
    end = Math.max(end, done)
    i = j
  }
  vm.counters.pswpout += nr
  F.flags[f] &= ~PG_DIRTY
  if (end > cpu.now) {
    F.flags[f] |= PG_WRITEBACK
    F.ioUntil[f] = end
    trackIo(vm, end, cpu.now)
    vm.sched.at(end, () => folioEndWriteback(vm, f, end))
  }
  return true
}

/** Refused writeout (folio_mark_dirty + activate): the folio stays, dirty, at the LRU head. */
function activate(vm: Vm, f: number): false {
  const F = vm.folios
  F.flags[f] |= PG_DIRTY | PG_REFERENCED
  if (F.flags[f] & PG_LRU) {
    F.lruDel(f)
    F.lruAddHead(f)
  }
  return false
}

/** end_page_writeback: the folio goes to the LRU tail so reclaim frees it next. */
function folioEndWriteback(vm: Vm, f: number, end: number): void {
  const F = vm.folios
  if (!F.isLive(f) || F.ioUntil[f] !== end || !(F.flags[f] & PG_WRITEBACK)) return
  F.flags[f] &= ~PG_WRITEBACK
  if (F.flags[f] & PG_LRU && F.mapcount[f] === 0) {
    F.lruDel(f)
    F.lruAddTail(f)
  }
}

/** __remove_mapping: an unmapped, clean folio in the swap cache leaves it and is freed. */
function removeMapping(vm: Vm, cpu: Cpu, f: number): number {
  const F = vm.folios
  const fl = F.flags[f]
  if (fl & (PG_WRITEBACK | PG_DIRTY) || F.mapcount[f] > 0 || F.lockedUntil[f] > cpu.now) return 0
  const nr = 1 << F.order[f]
  deleteFromSwapCache(vm, cpu, f, true)
  freeFolio(vm, f)
  return nr
}

/** split_folio: a large folio (not in the swap cache) becomes order-0 folios in place. */
export function splitFolio(vm: Vm, f: number): void {
  const F = vm.folios
  const order = F.order[f]
  const nr = 1 << order
  const base = F.vpn[f]
  const mappers = F.mappers(f)
  const flags = F.flags[f] & (PG_DIRTY | PG_REFERENCED)
  F.order[f] = 0
  for (let i = 1; i < nr; i++) {
    // Each piece goes to the mms that still map that page; a page none maps is freed.
    const who = mappers.filter((id) => vm.mms.get(id)!.pte[base + i] === f + 1)
    if (!who.length) {
      vm.usedPages--
      vm.memcg.uncharge(1)
      continue
    }
    const g = vm.folios.alloc(0)
    F.vpn[g] = base + i
    F.origin[g] = F.origin[f]
    F.gen[g] = F.gen[f]
    F.flags[g] |= flags
    for (const mmId of who) {
      F.addMapper(g, mmId)
      vm.mms.get(mmId)!.pte[base + i] = g + 1
    }
    F.lruAddTail(g)
  }
  for (const mmId of mappers) if (vm.mms.get(mmId)!.pte[base] !== f + 1) F.removeMapper(f, mmId)
  if (F.mapcount[f] === 0 && !F.faultRefs[f]) {
    freeFolio(vm, f)
    return
  }
  // The head page stays as folio f; move it to the tail too so the pieces go together.
  F.lruDel(f)
  F.lruAddTail(f)
}
