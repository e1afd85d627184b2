// Unmap, fork and exit, and MADV_PAGEOUT: zap_pte_range (mm/memory.c) behind munmap and
// exit_mmap (mm/mmap.c), dup_mmap / copy_pte_range (kernel/fork.c, mm/memory.c) sharing
// every folio and duplicating swap entries, and madvise_pageout (mm/madvise.c) reclaiming the
// folios only this mm maps through shrink_folio_list.

import { COST } from '../sim/cost'
import { CHECKPOINT, type Program } from '../sim/scheduler'
import { wallNs } from '../metrics/latency'
import { PG_REFERENCED, PG_SWAPCACHE, PG_WRITEBACK } from './folios'
import { pteEntry, type Task } from './mmTypes'
import type { Vm } from './vm'
import { markDirty } from './memory'
import { deleteFromSwapCache, freeSwapAndCache, maybeFreeUnmapped, swapReferenced } from './swapState'
import { shrinkFolio, splitFolio } from './vmscan'
import { chargeKernelPages, pageTablePagesOf, TASK_KMEM_PAGES, unchargeMm } from './memcg'

/** zap_pte_range over [start, start+n): resident folios unmapped, swap entries freed. */
export function zapPteRange(vm: Vm, task: Task, start: number, n: number): void {
  const mm = task.mm
  const cpu = vm.cpuOf(task)
  const F = vm.folios
  const t0 = cpu.now
  const w0 = wallNs()
  const end = Math.min(start + n, mm.npages)
  let zapped = 0
  for (let v = start; v < end;) {
    const p = mm.pte[v]
    if (p === 0) {
      v++
      continue
    }
    zapped++
    cpu.charge(COST.zapPerPage)
    if (p < 0) {
      const e = pteEntry(p)
      mm.pte[v] = 0
      mm.swapPtes--
      freeSwapAndCache(vm, cpu, e)
      v++
      continue
    }
    const f = p - 1
    const nr = 1 << F.order[f]
    const base = F.vpn[f]
    if (nr > 1 && (base < start || base + nr > end)) {
      // Partial unmap of a large folio: split it first (deferred split in the kernel).
      if (F.flags[f] & PG_SWAPCACHE) {
        if (F.flags[f] & PG_WRITEBACK || swapReferenced(vm, f)) {
          // Cannot split under writeback or while shared through swap: unmap this page only
          // (the folio stays partly mapped); the mm stops mapping it with its last page.
          mm.pte[v] = 0
          mm.residentPages--
          let still = false
          for (let i = 0; i < nr && !still; i++) if (mm.pte[base + i] === f + 1) still = true
          if (!still) {
            F.removeMapper(f, mm.id)
            maybeFreeUnmapped(vm, cpu, f)
          }
          v++
          continue
        }
        deleteFromSwapCache(vm, cpu, f, false)
        markDirty(vm, f)
      }
      splitFolio(vm, f)
      continue
    }
    let k = 0
    for (let i = 0; i < nr; i++)
      if (mm.pte[base + i] === f + 1) {
        mm.pte[base + i] = 0
        k++
      }
    mm.residentPages -= k
    F.removeMapper(f, mm.id)
    maybeFreeUnmapped(vm, cpu, f)
    v++
  }
  if (!zapped) return
  vm.latency.freeSim.record(cpu.now - t0)
  vm.latency.freeWall.record(wallNs() - w0)
}

/** dup_mmap (fork): the child shares every folio and swap entry of the parent. */
export function dupMmap(vm: Vm, parent: Task, cpu: number): Task {
  const pm = parent.mm
  const cm = vm.newMm(pm.npages)
  const c = vm.cpuOf(parent)
  cm.pte.set(pm.pte)
  cm.origin.set(pm.origin)
  cm.gen.set(pm.gen)
  cm.thpRanges = pm.thpRanges
  const F = vm.folios
  for (let v = 0; v < pm.npages;) {
    const p = pm.pte[v]
    if (p === 0) {
      v++
      continue
    }
    if (p < 0) {
      vm.design.dup(c, pteEntry(p))
      cm.swapPtes++
      v++
      continue
    }
    const f = p - 1
    const nr = 1 << F.order[f]
    F.addMapper(f, cm.id)
    cm.residentPages += nr
    v = F.vpn[f] + nr
  }
  c.charge(COST.forkPerPage * (pm.residentPages + pm.swapPtes))
  vm.counters.forks++
  // copy_pte_range allocates the child's page tables where the parent has entries; the
  // parent's program memory is the child's too (copy-on-write, touched by both).
  cm.pteTable.set(pm.pteTable)
  cm.pmdTable.set(pm.pmdTable)
  cm.ptePages = pm.ptePages
  cm.pmdPages = pm.pmdPages
  const pt = pageTablePagesOf(cm)
  chargeKernelPages(vm, parent.cpu, pt + pm.programPages)
  vm.memcg.pageTablePages += pt
  cm.programPages = pm.programPages
  return vm.newTask(cm, cpu)
}

/** exit_mmap when the last user of the mm leaves. */
export function exitMmap(vm: Vm, task: Task): void {
  const mm = task.mm
  vm.memcg.unchargeKernel(task.cpu, TASK_KMEM_PAGES)
  if (--mm.users > 0) return
  zapPteRange(vm, task, 0, mm.npages)
  unchargeMm(vm, task.cpu, mm)
  vm.mms.delete(mm.id)
  vm.counters.exits++
}

/** MADV_PAGEOUT over a range: evict every folio mapped only by this mm. */
export function* madvisePageout(vm: Vm, task: Task, start: number, n: number): Program {
  const mm = task.mm
  const F = vm.folios
  const end = Math.min(start + n, mm.npages)
  for (let v = start; v < end;) {
    const p = mm.pte[v]
    if (p <= 0) {
      v++
      continue
    }
    const f = p - 1
    const cpu = vm.cpuOf(task)
    if (F.mapcount[f] === 1 && !(F.flags[f] & PG_WRITEBACK) && F.lockedUntil[f] <= cpu.now) {
      F.flags[f] &= ~PG_REFERENCED
      const r = shrinkFolio(vm, cpu, f)
      if (r < 0) {
        // No swap slot left: MADV_PAGEOUT is best effort. shrink_folio_list keeps a folio
        // that add_to_swap could not place (activate_locked) and madvise still succeeds.
        F.flags[f] |= PG_REFERENCED
        v++
        continue
      }
      // A split leaves order-0 pieces at v: look at v again.
      if (F.isLive(f) && mm.pte[v] === f + 1 && F.order[f] === 0 && !(F.flags[f] & PG_SWAPCACHE)) continue
    }
    v++
    yield CHECKPOINT
  }
}

/** Waits until every I/O in flight has completed (used at the end of explicit pageouts). */
export function* settleIo(vm: Vm, task: Task): Program {
  let t = 0
  for (const end of vm.ioEnds) if (end > t) t = end
  if (t > vm.cpuOf(task).now) yield t
}
