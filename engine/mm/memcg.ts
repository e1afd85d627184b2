// The memory cgroup's page counter (mm/memcontrol.c, mm/page_counter.c) and what it charges
// besides the workload's folios. The kernel charges the cgroup for more than the pages a
// workload touches, so a workload has less room than its limit says; the fidelity set
// measured the simulation writing 1.5-12 % less than the kernels on one-process usemem until
// these were charged (docs/fidelity.md):
//
// - The per-CPU charge stock (memcg_stock_pcp). try_charge_memcg charges MEMCG_CHARGE_BATCH
//   pages at once when the limit allows and keeps the surplus in the charging CPU's stock;
//   consume_stock serves later charges from it. The stock counts against the limit. At the
//   limit the batch no longer fits, so the stock is not refilled; drain_all_stock returns every
//   CPU's stock when a reclaim round leaves too little room (vmscan.ts).
// - Page tables (pte_alloc_one: GFP_PGTABLE_USER has __GFP_ACCOUNT): one PTE page per 2 MiB of
//   address space that holds a pte or a swap pte, one PMD page per 1 GiB, kept until the
//   address space goes (free_pgtables at exit). Swap ptes live in them, so swapping a range
//   out frees none.
// - Each process's kernel memory charged at fork (kernel stack, task_struct, mm_struct, pgd,
//   vmas: kmem) and the program's own memory (usemem's per-page generation array, stack and
//   data). Measured on this machine's 6.18 host kernel, cgroup v1, with the lab's usemem in a
//   cgroup of its own (memory.kmem.usage_in_bytes and memory.stat rss against the mapping):
//   one process of 64 MiB: kmem 52 pages = 33 page-table pages + 19; 32 MiB: 37 = 17 + 20;
//   two processes of 32 MiB: 72 = 34 + 2 x 19; user memory beyond the mapping: the 4-byte
//   generation per page plus 7 pages (64 MiB: 23 = 16 + 7; 32 MiB: 15 = 8 + 7). The 19 pages
//   are split between the task (THREAD_SIZE 16 KiB kernel stack and the task_struct: 6
//   pages) and the mm (13) by those sizes. The program's pages are hot (usemem touches its
//   generation array with every page, its stack always): reclaim finds them referenced every
//   time, so they are charged here and never reclaimed.

import type { Program } from '../sim/scheduler'
import type { Vm } from './vm'
import { reclaim } from './vmscan'
import type { Mm, Task } from './mmTypes'

/** MEMCG_CHARGE_BATCH: pages charged to the counter at once, the surplus kept per CPU. */
export const MEMCG_CHARGE_BATCH = 64
/** Pages mapped by one PTE page (PTRS_PER_PTE, x86-64). */
export const PTE_SPAN = 512
/** Pages mapped by one PMD page (PTRS_PER_PMD x PTRS_PER_PTE). */
export const PMD_SPAN = 512 * 512
/** Kernel memory of a task: kernel stack (THREAD_SIZE 16 KiB) and task_struct (measured, see above). */
export const TASK_KMEM_PAGES = 6
/** Kernel memory of an address space: mm_struct, pgd, vmas (measured with the task's, see above). */
export const MM_KMEM_PAGES = 13

/** The page counter of the run's cgroup and the per-CPU stocks. */
export class Memcg {
  /** memory.usage: folios, kernel and program pages, and the stocks. */
  counter = 0
  /** Charged pages that are not folios: page tables, kmem, program pages. */
  kernelPages = 0
  pageTablePages = 0
  /** Pages in all CPUs' stocks. */
  stockPages = 0
  drains = 0
  readonly stock: Int32Array

  constructor(
    readonly limit: number,
    cpus: number
  ) {
    this.stock = new Int32Array(cpus)
  }

  /** Whether a charge of nr pages on cpu would succeed now (consume_stock or the counter's margin). */
  fits(cpu: number, nr: number): boolean {
    return (nr <= MEMCG_CHARGE_BATCH && this.stock[cpu] >= nr) || this.counter + nr <= this.limit
  }

  /** try_charge_memcg without reclaim: consume_stock, then page_counter_try_charge of the batch, then of nr alone. */
  tryCharge(cpu: number, nr: number): boolean {
    if (nr <= MEMCG_CHARGE_BATCH && this.stock[cpu] >= nr) {
      this.stock[cpu] -= nr
      this.stockPages -= nr
      return true
    }
    const batch = Math.max(MEMCG_CHARGE_BATCH, nr)
    if (this.counter + batch <= this.limit) {
      this.counter += batch
      if (batch > nr) this.refill(cpu, batch - nr)
      return true
    }
    if (this.counter + nr <= this.limit) {
      this.counter += nr
      return true
    }
    return false
  }

  /** A charge that may not fail (__GFP_NOFAIL, or made where the simulation cannot reclaim): may exceed the limit, and reclaim follows. */
  forceCharge(cpu: number, nr: number): void {
    if (!this.tryCharge(cpu, nr)) this.counter += nr
  }

  /** page_counter_uncharge of freed folios (uncharge_batch goes straight to the counter). */
  uncharge(nr: number): void {
    this.counter -= nr
  }

  /** obj_cgroup_uncharge_pages: freed kernel pages go to the freeing CPU's stock. */
  unchargeKernel(cpu: number, nr: number): void {
    this.kernelPages -= nr
    this.refill(cpu, nr)
  }

  /** drain_all_stock: every CPU's stock back to the counter. */
  drainAll(): void {
    if (!this.stockPages) return
    this.counter -= this.stockPages
    this.stock.fill(0)
    this.stockPages = 0
    this.drains++
  }

  /** refill_stock: a stock above the batch is drained (drain_stock). */
  private refill(cpu: number, nr: number): void {
    this.stock[cpu] += nr
    this.stockPages += nr
    if (this.stock[cpu] > MEMCG_CHARGE_BATCH) {
      this.counter -= this.stock[cpu]
      this.stockPages -= this.stock[cpu]
      this.stock[cpu] = 0
    }
  }
}

/** Page-table pages an address space has: its PTE pages and the PMD pages above them. */
export function pageTablePagesOf(mm: Mm): number {
  return mm.ptePages + mm.pmdPages
}

/**
 * The page-table pages a first pte at vpn needs (__pte_alloc, __pmd_alloc), 0 when its PTE
 * page exists. Marks them allocated: the caller charges them.
 */
export function allocPageTables(mm: Mm, vpn: number): number {
  const pte = Math.floor(vpn / PTE_SPAN)
  if (mm.pteTable[pte]) return 0
  mm.pteTable[pte] = 1
  mm.ptePages++
  const pmd = Math.floor(vpn / PMD_SPAN)
  if (mm.pmdTable[pmd]) return 1
  mm.pmdTable[pmd] = 1
  mm.pmdPages++
  return 2
}

/** Charges the page tables a first pte at vpn needs, reclaiming first when over the limit. */
export function* chargePageTables(vm: Vm, task: Task, vpn: number): Program {
  const mm = task.mm
  if (mm.pteTable[Math.floor(vpn / PTE_SPAN)]) return
  const need = mm.pmdTable[Math.floor(vpn / PMD_SPAN)] ? 1 : 2
  if (!vm.memcg.fits(task.cpu, need)) yield* reclaim(vm, task, need)
  // Another thread of the mm may have allocated them while this one reclaimed (pmd_populate under the lock).
  const nr = allocPageTables(mm, vpn)
  if (!nr) return
  vm.memcg.forceCharge(task.cpu, nr)
  vm.memcg.kernelPages += nr
  vm.memcg.pageTablePages += nr
}

/** Charges kernel or program pages that exist from the start (fork, exec): no reclaim here, it follows at the next charge. */
export function chargeKernelPages(vm: Vm, cpu: number, nr: number): void {
  if (nr <= 0) return
  vm.memcg.forceCharge(cpu, nr)
  vm.memcg.kernelPages += nr
}

/** Frees an address space's page tables and kernel and program pages (free_pgtables, mmdrop). */
export function unchargeMm(vm: Vm, cpu: number, mm: Mm): void {
  const pt = pageTablePagesOf(mm)
  vm.memcg.pageTablePages -= pt
  vm.memcg.unchargeKernel(cpu, pt + MM_KMEM_PAGES + mm.programPages)
  mm.pteTable.fill(0)
  mm.pmdTable.fill(0)
  mm.ptePages = 0
  mm.pmdPages = 0
  mm.programPages = 0
}
