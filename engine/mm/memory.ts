// Page access and faults, after mm/memory.c: a touch of a resident page (the hardware's
// access bit), handle_pte_fault dispatching a not-present pte to do_anonymous_page (the
// largest enabled mTHP order whose aligned range is empty) or do_swap_page (doSwapPage.ts),
// and a write to a clean, shared or swap-cached folio to do_wp_page / wp_page_copy. A fault
// that backs out because the pte changed (!pte_same) is retried as the CPU re-executes the
// access; one that returns leaving its pte unchanged is a lost fault.

import { PAGE_SIZE } from '../types'
import { COST } from '../sim/cost'
import type { Program } from '../sim/scheduler'
import { invariant } from '../errors'
import { wallNs } from '../metrics/latency'
import { PG_DIRTY, PG_REFERENCED, PG_SWAPCACHE, PG_WRITEBACK } from './folios'
import { pteEntry, type Mm, type Task } from './mmTypes'
import type { Vm } from './vm'
import { checkMapped } from './checks'
import { doSwapPage } from './doSwapPage'
import { deleteFromSwapCache, maybeFreeUnmapped, swapReferenced } from './swapState'
import { allocFolio, freeFolio, tryAllocFolio } from './vmscan'
import { chargePageTables } from './memcg'

/**
 * Touches one page. Returns null when done at once (resident, no fault), or a program
 * to run (`yield*`) for the fault.
 */
export function touch(vm: Vm, task: Task, vpn: number, write: boolean): Program | null {
  const mm = task.mm
  const p = mm.pte[vpn]
  vm.ops++
  vm.bytesTouched += PAGE_SIZE
  const cpu = vm.sched.cpus[task.cpu]
  if (p > 0) {
    const f = p - 1
    const F = vm.folios
    F.flags[f] |= PG_REFERENCED
    cpu.now += COST.touchResident
    if (!write) return null
    const fl = F.flags[f]
    if (fl & PG_DIRTY && !(fl & PG_SWAPCACHE) && F.mapcount[f] === 1) return null
    return access(vm, task, vpn, doWpPage(vm, task, vpn, f), write)
  }
  return access(vm, task, vpn, handlePteFault(vm, task, vpn, write), write)
}

/**
 * One access that faults. The handler either maps the page or returns because the pte
 * changed under it (unmapped, mapped by another thread and reclaimed again...); then the
 * access is retried, as the CPU re-executes the instruction after do_swap_page returns 0
 * on !pte_same. A handler that returns leaving the pte exactly as it found it neither mapped
 * the page nor had a reason not to: the fault is lost, a bug of the simulation. It is
 * counted (`lostFaults`, which must stay 0: the run fails at its end otherwise) and, with
 * invariants on, fails the run at once.
 */
function* access(vm: Vm, task: Task, vpn: number, handler: Program, write: boolean): Program {
  const mm = task.mm
  let h = handler
  for (let tries = 0; ; tries++) {
    const before = mm.pte[vpn]
    yield* h
    const p = mm.pte[vpn]
    if (p > 0) {
      if (vm.cfg.checkInvariants) checkMapped(vm, mm, vpn, p - 1)
      return
    }
    if (p === before) {
      vm.counters.lostFaults = (vm.counters.lostFaults ?? 0) + 1
      invariant(
        !vm.cfg.checkInvariants,
        () => `lost fault: mm ${mm.id} page ${vpn} (pte ${p}) is still not present after its ${write ? 'write' : 'read'} fault`
      )
    } else vm.counters.faultRetries = (vm.counters.faultRetries ?? 0) + 1
    invariant(tries < 100_000, () => `mm ${mm.id} page ${vpn}: the fault never completes`)
    h = handlePteFault(vm, task, vpn, write)
  }
}

/** do_wp_page: a write to a mapped folio that is clean, shared or in the swap cache. */
function* doWpPage(vm: Vm, task: Task, vpn: number, f: number): Program {
  const cpu = vm.cpuOf(task)
  const F = vm.folios
  cpu.charge(COST.faultBase)
  if (F.mapcount[f] > 1 || (F.flags[f] & PG_SWAPCACHE && swapReferenced(vm, f))) {
    yield* wpPageCopy(vm, task, vpn, f)
    return
  }
  if (F.flags[f] & PG_SWAPCACHE) {
    // Exclusive again: the swap copy is stale once written (folio_free_swap).
    if (F.flags[f] & PG_WRITEBACK) {
      // Wait for writeback before freeing the slots under it.
      const until = F.ioUntil[f]
      if (until > cpu.now) yield until
      if (!F.isLive(f) || task.mm.pte[vpn] !== f + 1) return
    }
    if (F.flags[f] & PG_SWAPCACHE) deleteFromSwapCache(vm, cpu, f, false)
  }
  markDirty(vm, f)
}

/** folio_mark_dirty: new content, so a stale copy on the device never verifies. */
export function markDirty(vm: Vm, f: number): void {
  const F = vm.folios
  if (F.flags[f] & PG_DIRTY) return
  F.flags[f] |= PG_DIRTY
  // New content: bump the generation so a stale copy on the device never verifies.
  F.gen[f]++
  const nr = 1 << F.order[f]
  const extra = F.extraMappers.get(f)
  for (let k = -1; k < (extra ? extra.length : 0); k++) {
    const mm = vm.mms.get(k < 0 ? F.owner[f] : extra![k])
    if (!mm) continue
    // Only pages that still map it: part of a large folio may be unmapped and that page
    // refaulted into another folio, whose data must not change.
    for (let i = 0; i < nr; i++) if (mm.pte[F.vpn[f] + i] === f + 1) mm.gen[F.vpn[f] + i] = F.gen[f]
  }
}

/** wp_page_copy: this mm gets its own copy of a shared folio (the whole folio, see engine/README.md). */
function* wpPageCopy(vm: Vm, task: Task, vpn: number, f: number): Program {
  const F = vm.folios
  const mm = task.mm
  const order = F.order[f]
  const nr = 1 << order
  const base = F.vpn[f]
  let nf = tryAllocFolio(vm, task, order)
  if (nf < 0) nf = yield* allocFolio(vm, task, order)
  // The source may have gone while we reclaimed.
  if (!F.isLive(f) || mm.pte[vpn] !== f + 1) {
    freeFolio(vm, nf)
    return
  }
  const cpu = vm.cpuOf(task)
  cpu.charge(COST.copyPage * nr)
  vm.counters.cowCopies++
  F.vpn[nf] = base
  F.origin[nf] = mm.id
  F.gen[nf] = F.gen[f] + 1
  F.flags[nf] |= PG_DIRTY | PG_REFERENCED
  // Pages of a partly unmapped large folio stay as they are.
  for (let i = 0; i < nr; i++) {
    if (mm.pte[base + i] !== f + 1) continue
    mm.pte[base + i] = nf + 1
    mm.origin[base + i] = mm.id
    mm.gen[base + i] = F.gen[nf]
  }
  F.addMapper(nf, mm.id)
  F.removeMapper(f, mm.id)
  maybeFreeUnmapped(vm, cpu, f)
}

/** handle_pte_fault on a page that is not present: anonymous (empty pte) or swap. */
function* handlePteFault(vm: Vm, task: Task, vpn: number, write: boolean): Program {
  const mm = task.mm
  const cpu = vm.cpuOf(task)
  cpu.charge(COST.faultBase)
  const p = mm.pte[vpn]
  if (p === 0) {
    yield* doAnonymousPage(vm, task, vpn)
    return
  }
  if (p > 0) return // another thread mapped it meanwhile
  const entry = pteEntry(p)
  const t0 = cpu.now
  const w0 = wallNs()
  yield* doSwapPage(vm, task, vpn, entry, write)
  vm.latency.swapinSim.record(vm.cpuOf(task).now - t0)
  vm.latency.swapinWall.record(wallNs() - w0)
}

/** True when every pte of [base, base + nr) is empty (pte_range_none). */
function rangeNone(mm: Mm, base: number, nr: number): boolean {
  for (let i = 0; i < nr; i++) if (mm.pte[base + i] !== 0) return false
  return true
}

/** do_anonymous_page: the largest enabled mTHP order whose aligned range is all empty. */
function* doAnonymousPage(vm: Vm, task: Task, vpn: number): Program {
  const mm = task.mm
  let order = 0
  for (const o of ordersAt(vm, mm, vpn)) {
    const nr = 1 << o
    const base = vpn - (vpn % nr)
    if (base + nr > mm.npages) continue
    if (rangeNone(mm, base, nr)) {
      order = o
      break
    }
  }
  const nr = 1 << order
  const base = vpn - (vpn % nr)
  // __handle_mm_fault: the PTE page (and the PMD page above it) before the folio.
  yield* chargePageTables(vm, task, vpn)
  if (mm.pte[vpn] !== 0) return
  let f = tryAllocFolio(vm, task, order)
  if (f < 0) f = yield* allocFolio(vm, task, order)
  if (mm.pte[vpn] !== 0) {
    freeFolio(vm, f)
    return
  }
  if (nr > 1 && !rangeNone(mm, base, nr)) {
    // Another thread filled part of the range while we reclaimed: release and fault again
    // (do_anonymous_page rechecks pte_range_none under the pte lock and returns to retry).
    freeFolio(vm, f)
    vm.counters.faultRetries = (vm.counters.faultRetries ?? 0) + 1
    yield* doAnonymousPage(vm, task, vpn)
    return
  }
  const cpu = vm.cpuOf(task)
  cpu.charge(COST.anonPageAlloc * nr + COST.mapPage * nr)
  const F = vm.folios
  F.vpn[f] = base
  F.origin[f] = mm.id
  F.gen[f] = 1
  F.flags[f] |= PG_DIRTY | PG_REFERENCED
  for (let i = 0; i < nr; i++) {
    mm.pte[base + i] = f + 1
    mm.origin[base + i] = mm.id
    mm.gen[base + i] = 1
  }
  mm.residentPages += nr
  F.addMapper(f, mm.id)
  vm.counters.minorFaults++
}

/** Orders allowed at vpn: a range of mm.thpRanges holding it, else the run's thpOrders. */
export function ordersAt(vm: Vm, mm: Mm, vpn: number): number[] {
  for (const r of mm.thpRanges) if (vpn >= r.start && vpn < r.end) return r.orders
  return vm.thpOrders
}
