// Simulated memory management: address spaces with page tables, anonymous folios of order
// 0..9, a memory-cgroup limit enforced by LRU reclaim (second chance), swapout through the
// design, and swap faults through the swap cache with readahead or the synchronous-device
// bypass, as the design dictates. Fork shares folios and swap entries; exit frees them.
// The VM is the same for every design: only the SwapDesign behind it changes.
//
// This file holds the VM's state and its public API; the paths live where the kernel keeps
// them, as functions taking the VM:
//   memory.ts     mm/memory.c       page access, handle_pte_fault, do_anonymous_page, do_wp_page
//   doSwapPage.ts mm/memory.c       do_swap_page: SYNC_IO bypass, swap cache path, mapping
//   swapState.ts  mm/swap_state.c   swap cache delete, VMA readahead; free_swap_and_cache (swapfile.c)
//   vmscan.ts     mm/vmscan.c       memcg charge and reclaim, shrink_folio_list, pageout, writeback
//   memcg.ts      mm/memcontrol.c   page counter, per-CPU charge stock, page tables, kmem, program pages
//   mmap.ts       mm/memory.c, kernel/fork.c, mm/mmap.c, mm/madvise.c: zap, fork, exit, MADV_PAGEOUT
//   checks.ts     (CONFIG_DEBUG_VM)  page tables against folios, memcg charge, LRU, swap counts
//   mmTypes.ts    mm_types.h        Mm, Task, the swap pte encoding

import { PAGE_SIZE, type Counters, type EngineConfig } from '../types'
import type { Cpu, Program, Scheduler } from '../sim/scheduler'
import type { IoBatch, SwapDesign } from '../designs/design'
import { Latencies } from '../metrics/latency'
import { FolioTable } from './folios'
import { Mm, Task } from './mmTypes'
import { touch } from './memory'
import { allocFolio, shrinkFolio, tryAllocFolio } from './vmscan'
import { tryToReclaimSwap } from './swapState'
import { dupMmap, exitMmap, madvisePageout, settleIo, zapPteRange } from './mmap'
import { checkVm } from './checks'
import { chargeKernelPages, Memcg, MM_KMEM_PAGES, TASK_KMEM_PAGES } from './memcg'

export { Mm, Task } from './mmTypes'

/**
 * The VM of one run. Fields past the public ones are shared by the mm/ files only (the
 * kernel's mm-internal state); callers outside mm/ use the methods.
 */
export class Vm {
  readonly folios = new FolioTable()
  readonly mms = new Map<number, Mm>()
  readonly latency = new Latencies()
  usedPages = 0 /** folio pages charged to the memcg (resident, swap cache, writeback) */
  peakUsedPages = 0
  readonly limitPages: number
  /** The memcg's page counter: folios plus page tables, kernel and program pages and the per-CPU stocks (memcg.ts). */
  readonly memcg: Memcg
  readonly thpOrders: number[] /** enabled mTHP orders above 0, descending */
  ops = 0 /** page touches performed */
  bytesTouched = 0

  // ---- mm/ internal ----
  private nextMm = 1
  private nextTask = 1
  evictions = 0 /** workingset eviction clock, stored in shadows (swapState.ts) */
  readonly batch: IoBatch = {
    origin: new Uint32Array(512),
    vpn: new Uint32Array(512),
    gen: new Uint32Array(512)
  } /** pages staged for one read or write */
  readonly ioEnds: number[] = [] /** completion times of I/O in flight (vmscan.ts) */
  ioPruneAt = 1024 /** ioEnds length at which finished I/O is dropped next */
  readonly discontigOut: number[] = [] /** slots of a discontiguous swapout, filled by the design */
  /** Tasks sleeping on swapcache_wq (a bypass pin they found), woken when a pin clears (doSwapPage.ts). */
  readonly swapcacheWq: Task[] = []

  constructor(
    readonly cfg: EngineConfig,
    readonly sched: Scheduler,
    readonly design: SwapDesign,
    readonly counters: Counters
  ) {
    this.limitPages = Math.floor(cfg.memoryLimitBytes / PAGE_SIZE)
    this.memcg = new Memcg(this.limitPages, sched.cpus.length)
    this.thpOrders = [...new Set(cfg.thpOrders.filter((o) => o > 0))].sort((a, b) => b - a)
    design.setCacheReclaimer((cpu, entry) => tryToReclaimSwap(this, cpu, entry))
  }

  // ---- tasks and address spaces ---------------------------------------------------------

  newMm(npages: number): Mm {
    const mm = new Mm(this.nextMm++, npages)
    this.mms.set(mm.id, mm)
    return mm
  }

  /** A task (process or thread) on mm: its kernel memory, and the mm's with its first task, are charged (memcg.ts). */
  newTask(mm: Mm, cpu: number): Task {
    chargeKernelPages(this, cpu, TASK_KMEM_PAGES + (mm.users === 0 ? MM_KMEM_PAGES : 0))
    mm.users++
    return new Task(this.nextTask++, cpu, mm)
  }

  /**
   * The program's own memory in mm (its arrays, stack and data), charged to the memcg and kept
   * resident (memcg.ts): a workload that models a real program says how much it has.
   */
  chargeProgramPages(task: Task, nr: number): void {
    chargeKernelPages(this, task.cpu, nr)
    task.mm.programPages += nr
  }

  cpuOf(task: Task): Cpu {
    return this.sched.cpus[task.cpu]
  }

  // ---- the API workloads use ------------------------------------------------------------

  /**
   * Touches one page. Returns null when done at once (resident, no fault), or a program
   * to run (`yield*`) for the fault (memory.ts).
   */
  touch(task: Task, vpn: number, write: boolean): Program | null {
    return touch(this, task, vpn, write)
  }

  /** Allocates a folio when it fits under the limit without reclaim; -1 otherwise. */
  tryAllocFolio(task: Task, order: number): number {
    return tryAllocFolio(this, task, order)
  }

  /** Allocates and charges a folio, reclaiming first when over the limit. Adds it to the LRU. */
  allocFolio(task: Task, order: number): Generator<number, number, void> {
    return allocFolio(this, task, order)
  }

  /** shrink_folio_list for one folio: pages freed now (0 if kept or freed later, -1 if no slot). */
  evict(cpu: Cpu, f: number): number {
    return shrinkFolio(this, cpu, f)
  }

  /** zap_pte_range over [start, start+n): resident folios unmapped, swap entries freed. */
  unmap(task: Task, start: number, n: number): void {
    zapPteRange(this, task, start, n)
  }

  /** fork: the child shares every folio and swap entry of the parent. */
  fork(parent: Task, cpu: number): Task {
    return dupMmap(this, parent, cpu)
  }

  /** exit_mmap when the last user of the mm leaves. */
  exit(task: Task): void {
    exitMmap(this, task)
  }

  /** MADV_PAGEOUT over a range: evict every folio mapped only by this mm. */
  pageout(task: Task, start: number, n: number): Program {
    return madvisePageout(this, task, start, n)
  }

  /** Waits until every I/O in flight has completed (used at the end of explicit pageouts). */
  settle(task: Task): Program {
    return settleIo(this, task)
  }

  /** Cross-checks page tables, folios, memcg charge and swap counts. */
  check(): void {
    checkVm(this)
  }
}
