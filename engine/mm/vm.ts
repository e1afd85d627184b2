// Simulated memory management: address spaces with page tables, anonymous folios of order
// 0..9, a memory-cgroup limit enforced by LRU reclaim (second chance), swapout through the
// design, and swap faults through the swap cache with readahead or the synchronous-device
// bypass, as the design dictates. Fork shares folios and swap entries; exit frees them.
// The VM is the same for every design: only the SwapDesign behind it changes.

import { PAGE_SIZE, type Counters, type EngineConfig } from '../types'
import { COST } from '../sim/cost'
import { CHECKPOINT, type Cpu, type Program, type Scheduler, type SimTaskBase } from '../sim/scheduler'
import { invariant, OutOfSwapError } from '../errors'
import { NO_ENTRY, WRITE_REFUSED, type AddResult, type IoBatch, type SwapDesign } from '../designs/design'
import { Latencies, wallNs } from '../metrics/latency'
import { FolioTable, PG_DIRTY, PG_DISCONTIG, PG_LRU, PG_READAHEAD, PG_REFERENCED, PG_SWAPCACHE, PG_WRITEBACK } from './folios'

/** SWAP_CLUSTER_MAX: folios reclaimed per batch. */
const RECLAIM_BATCH = 32

/** An address space: page table plus the identity of the data each page should hold. */
export class Mm {
  readonly pte: Float64Array /** 0: none; > 0: folio id + 1; < 0: -(swap entry + 1) */
  readonly origin: Uint32Array /** mm whose data the page holds */
  readonly gen: Uint32Array /** write generation of that data */
  users = 0 /** tasks (threads) using it */
  raPrevVpn = -1 /** swap readahead state (per VMA in the kernel) */
  raPrevWin = 1
  raHits = 0
  residentPages = 0
  swapPtes = 0
  /** Per-range folio orders (sorted, descending), like MADV_HUGEPAGE / MADV_NOHUGEPAGE on a VMA; elsewhere the run's thpOrders. */
  thpRanges: { start: number; end: number; orders: number[] }[] = []

  constructor(
    readonly id: number,
    readonly npages: number
  ) {
    this.pte = new Float64Array(npages)
    this.origin = new Uint32Array(npages)
    this.gen = new Uint32Array(npages)
  }
}

export class Task implements SimTaskBase {
  program: Program | null = null
  done = false
  constructor(
    readonly id: number,
    public cpu: number,
    readonly mm: Mm
  ) {}
}

const swapPte = (entry: number): number => -(entry + 1)
const pteEntry = (pte: number): number => -pte - 1

export class Vm {
  readonly folios = new FolioTable()
  readonly mms = new Map<number, Mm>()
  readonly latency = new Latencies()
  usedPages = 0 /** pages charged to the memcg (resident, swap cache, writeback) */
  peakUsedPages = 0
  readonly limitPages: number
  private nextMm = 1
  private nextTask = 1
  private evictions = 0 /** workingset eviction clock, stored in shadows */
  private readonly batch: IoBatch = { origin: new Uint32Array(512), vpn: new Uint32Array(512), gen: new Uint32Array(512) }
  private readonly ioEnds: number[] = [] /** completion times of I/O in flight */
  private ioPruneAt = 1024 /** ioEnds length at which finished I/O is dropped next */
  private readonly discontigOut: number[] = []
  /** Tasks sleeping on swapcache_wq (a bypass pin they found), woken when a pin clears. */
  private readonly swapcacheWq: Task[] = []
  readonly thpOrders: number[]
  ops = 0 /** page touches performed */
  bytesTouched = 0

  constructor(
    readonly cfg: EngineConfig,
    readonly sched: Scheduler,
    readonly design: SwapDesign,
    readonly counters: Counters
  ) {
    this.limitPages = Math.floor(cfg.memoryLimitBytes / PAGE_SIZE)
    this.thpOrders = [...new Set(cfg.thpOrders.filter((o) => o > 0))].sort((a, b) => b - a)
    design.setCacheReclaimer((cpu, entry) => this.reclaimCacheOnly(cpu, entry))
  }

  // ---- tasks and address spaces ---------------------------------------------------------

  newMm(npages: number): Mm {
    const mm = new Mm(this.nextMm++, npages)
    this.mms.set(mm.id, mm)
    return mm
  }

  newTask(mm: Mm, cpu: number): Task {
    mm.users++
    return new Task(this.nextTask++, cpu, mm)
  }

  cpuOf(task: Task): Cpu {
    return this.sched.cpus[task.cpu]
  }

  // ---- page access ----------------------------------------------------------------------

  /**
   * Touches one page. Returns null when done at once (resident, no fault), or a program
   * to run (`yield*`) for the fault.
   */
  touch(task: Task, vpn: number, write: boolean): Program | null {
    const mm = task.mm
    const p = mm.pte[vpn]
    this.ops++
    this.bytesTouched += PAGE_SIZE
    const cpu = this.sched.cpus[task.cpu]
    if (p > 0) {
      const f = p - 1
      const F = this.folios
      F.flags[f] |= PG_REFERENCED
      cpu.now += COST.touchResident
      if (!write) return null
      const fl = F.flags[f]
      if (fl & PG_DIRTY && !(fl & PG_SWAPCACHE) && F.mapcount[f] === 1) return null
      return this.access(task, vpn, this.writeFault(task, vpn, f), write)
    }
    return this.access(task, vpn, this.fault(task, vpn, write), write)
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
  private *access(task: Task, vpn: number, handler: Program, write: boolean): Program {
    const mm = task.mm
    let h = handler
    for (let tries = 0; ; tries++) {
      const before = mm.pte[vpn]
      yield* h
      const p = mm.pte[vpn]
      if (p > 0) {
        if (this.cfg.checkInvariants) this.checkMapped(mm, vpn, p - 1)
        return
      }
      if (p === before) {
        this.counters.lostFaults = (this.counters.lostFaults ?? 0) + 1
        invariant(
          !this.cfg.checkInvariants,
          () => `lost fault: mm ${mm.id} page ${vpn} (pte ${p}) is still not present after its ${write ? 'write' : 'read'} fault`
        )
      } else this.counters.faultRetries = (this.counters.faultRetries ?? 0) + 1
      invariant(tries < 100_000, () => `mm ${mm.id} page ${vpn}: the fault never completes`)
      h = this.fault(task, vpn, write)
    }
  }

  /** After a fault: the page is mapped by a live folio that holds it, with its data. */
  private checkMapped(mm: Mm, vpn: number, f: number): void {
    const F = this.folios
    invariant(F.isLive(f), () => `mm ${mm.id} page ${vpn}: the fault mapped freed folio ${f}`)
    invariant(
      vpn >= F.vpn[f] && vpn < F.vpn[f] + (1 << F.order[f]) && F.mappers(f).includes(mm.id),
      () =>
        `mm ${mm.id} page ${vpn}: the fault mapped folio ${f}, which holds pages ${F.vpn[f]}+${1 << F.order[f]} of mms ${F.mappers(f).join(',')}`
    )
    invariant(
      F.origin[f] === mm.origin[vpn] && F.gen[f] === mm.gen[vpn],
      () => `mm ${mm.id} page ${vpn}: mapped folio ${f} holds data ${F.origin[f]}/${F.gen[f]}, the page is ${mm.origin[vpn]}/${mm.gen[vpn]}`
    )
  }

  /** Write to a mapped folio that is clean, shared or in the swap cache. */
  private *writeFault(task: Task, vpn: number, f: number): Program {
    const cpu = this.cpuOf(task)
    const F = this.folios
    cpu.charge(COST.faultBase)
    if (F.mapcount[f] > 1 || (F.flags[f] & PG_SWAPCACHE && this.swapReferenced(f))) {
      yield* this.cowCopy(task, vpn, f)
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
      if (F.flags[f] & PG_SWAPCACHE) this.deleteFromSwapCache(cpu, f, false)
    }
    this.dirty(f)
  }

  private dirty(f: number): void {
    const F = this.folios
    if (F.flags[f] & PG_DIRTY) return
    F.flags[f] |= PG_DIRTY
    // New content: bump the generation so a stale copy on the device never verifies.
    F.gen[f]++
    const nr = 1 << F.order[f]
    const extra = F.extraMappers.get(f)
    for (let k = -1; k < (extra ? extra.length : 0); k++) {
      const mm = this.mms.get(k < 0 ? F.owner[f] : extra![k])
      if (!mm) continue
      // Only pages that still map it: part of a large folio may be unmapped and that page
      // refaulted into another folio, whose data must not change.
      for (let i = 0; i < nr; i++) if (mm.pte[F.vpn[f] + i] === f + 1) mm.gen[F.vpn[f] + i] = F.gen[f]
    }
  }

  /** True when some swap pte still references the folio's slots (another mm after fork). */
  private swapReferenced(f: number): boolean {
    const F = this.folios
    const nr = 1 << F.order[f]
    for (let i = 0; i < nr; i++) if (this.design.count(F.entryOf(f, i)) > 0) return true
    return false
  }

  private *cowCopy(task: Task, vpn: number, f: number): Program {
    const F = this.folios
    const mm = task.mm
    const order = F.order[f]
    const nr = 1 << order
    const base = F.vpn[f]
    let nf = this.tryAllocFolio(task, order)
    if (nf < 0) nf = yield* this.allocFolio(task, order)
    // The source may have gone while we reclaimed.
    if (!F.isLive(f) || mm.pte[vpn] !== f + 1) {
      this.freeFolio(nf)
      return
    }
    const cpu = this.cpuOf(task)
    cpu.charge(COST.copyPage * nr)
    this.counters.cowCopies++
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
    this.maybeFreeUnmapped(cpu, f)
  }

  /** Page fault on a page that is not present. */
  private *fault(task: Task, vpn: number, write: boolean): Program {
    const mm = task.mm
    const cpu = this.cpuOf(task)
    cpu.charge(COST.faultBase)
    const p = mm.pte[vpn]
    if (p === 0) {
      yield* this.anonFault(task, vpn)
      return
    }
    if (p > 0) return // another thread mapped it meanwhile
    const entry = pteEntry(p)
    const t0 = cpu.now
    const w0 = wallNs()
    yield* this.swapin(task, vpn, entry, write)
    this.latency.swapinSim.record(this.cpuOf(task).now - t0)
    this.latency.swapinWall.record(wallNs() - w0)
  }

  /** True when every pte of [base, base + nr) is empty (pte_range_none). */
  private rangeNone(mm: Mm, base: number, nr: number): boolean {
    for (let i = 0; i < nr; i++) if (mm.pte[base + i] !== 0) return false
    return true
  }

  /** do_anonymous_page: the largest enabled mTHP order whose aligned range is all empty. */
  private *anonFault(task: Task, vpn: number): Program {
    const mm = task.mm
    let order = 0
    for (const o of this.ordersAt(mm, vpn)) {
      const nr = 1 << o
      const base = vpn - (vpn % nr)
      if (base + nr > mm.npages) continue
      if (this.rangeNone(mm, base, nr)) {
        order = o
        break
      }
    }
    const nr = 1 << order
    const base = vpn - (vpn % nr)
    let f = this.tryAllocFolio(task, order)
    if (f < 0) f = yield* this.allocFolio(task, order)
    if (mm.pte[vpn] !== 0) {
      this.freeFolio(f)
      return
    }
    if (nr > 1 && !this.rangeNone(mm, base, nr)) {
      // Another thread filled part of the range while we reclaimed: release and fault again
      // (do_anonymous_page rechecks pte_range_none under the pte lock and returns to retry).
      this.freeFolio(f)
      this.counters.faultRetries = (this.counters.faultRetries ?? 0) + 1
      yield* this.anonFault(task, vpn)
      return
    }
    const cpu = this.cpuOf(task)
    cpu.charge(COST.anonPageAlloc * nr + COST.mapPage * nr)
    const F = this.folios
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
    this.counters.minorFaults++
  }

  /** Orders allowed at vpn: a range of mm.thpRanges holding it, else the run's thpOrders. */
  private ordersAt(mm: Mm, vpn: number): number[] {
    for (const r of mm.thpRanges) if (vpn >= r.start && vpn < r.end) return r.orders
    return this.thpOrders
  }

  // ---- memory and reclaim -------------------------------------------------------------------

  /** Allocates a folio when it fits under the limit without reclaim; -1 otherwise. */
  tryAllocFolio(task: Task, order: number): number {
    if (this.usedPages + (1 << order) > this.limitPages) return -1
    return this.allocCharged(task, order)
  }

  /** Allocates and charges a folio, reclaiming first when over the limit. Adds it to the LRU. */
  *allocFolio(task: Task, order: number): Generator<number, number, void> {
    const nr = 1 << order
    if (this.usedPages + nr > this.limitPages) yield* this.reclaim(task, nr)
    return this.allocCharged(task, order)
  }

  private allocCharged(task: Task, order: number): number {
    const nr = 1 << order
    const f = this.folios.alloc(order)
    this.usedPages += nr
    if (this.usedPages > this.peakUsedPages) this.peakUsedPages = this.usedPages
    this.folios.lruAddHead(f)
    this.cpuOf(task).charge(COST.folioAlloc)
    return f
  }

  private freeFolio(f: number): void {
    this.usedPages -= 1 << this.folios.order[f]
    this.folios.free(f)
  }

  /** Memcg direct reclaim until `need` pages fit under the limit. */
  private *reclaim(task: Task, need: number): Program {
    const F = this.folios
    let idle = 0
    while (this.usedPages + need > this.limitPages) {
      const cpu = this.cpuOf(task)
      let handled = 0 /** folios freed or sent to writeback this pass */
      let scanned = 0
      const passLen = F.lruLen
      let f = F.lruTail
      while (f >= 0 && scanned < passLen && handled < RECLAIM_BATCH && this.usedPages + need > this.limitPages) {
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
        } else if (this.evict(cpu, f) >= 0) handled++
        f = prev
      }
      this.counters.reclaimScanned += scanned
      if (this.usedPages + need <= this.limitPages) break
      // Nothing more can go at once: wait for the earliest I/O in flight (writeback throttling).
      const t = this.earliestIo(cpu.now)
      if (t > cpu.now && (handled === 0 || handled >= RECLAIM_BATCH)) {
        this.counters.writebackWaitNs += t - cpu.now
        yield t
        idle = 0
        continue
      }
      if (handled === 0) {
        if (++idle > 3) {
          const why = this.design.reclaimBlockedReason?.()
          if (why)
            throw new OutOfSwapError(`cannot reclaim: ${this.usedPages} pages resident against a limit of ${this.limitPages}: ${why}`)
          if (this.design.usedSlots() >= this.design.totalSlots())
            throw new OutOfSwapError(
              `out of swap space: all ${this.design.totalSlots()} slots are in use and ${this.usedPages} pages are resident against a limit of ${this.limitPages}`
            )
          throw new OutOfSwapError(
            `cannot reclaim: ${this.usedPages} pages resident, limit ${this.limitPages}, nothing on the LRU can be evicted`
          )
        }
      } else idle = 0
      yield CHECKPOINT
    }
  }

  /** Remembers an I/O that completes after `now` (reclaim may have to wait for it). */
  private trackIo(end: number, now: number): void {
    if (end <= now) return // synchronous: already done on the issuing CPU
    if (this.ioEnds.length >= this.ioPruneAt) {
      // Amortised: prune again only once the list has doubled from what is still in flight.
      this.forgetIoBefore(this.sched.clock.low)
      this.ioPruneAt = Math.max(1024, 2 * this.ioEnds.length)
    }
    this.ioEnds.push(end)
  }

  /** Drops completions at or before t; returns the earliest one left (Infinity if none). */
  private forgetIoBefore(t: number): number {
    const a = this.ioEnds
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

  private earliestIo(now: number): number {
    const best = this.forgetIoBefore(now)
    return best === Infinity ? now : best
  }

  /**
   * shrink_folio_list for one folio: returns pages freed now (0 if kept or freed later).
   * Also used by MADV_PAGEOUT.
   */
  evict(cpu: Cpu, f: number): number {
    const F = this.folios
    const order = F.order[f]
    const t0 = cpu.now
    const w0 = wallNs()
    if (F.flags[f] & PG_SWAPCACHE) {
      if (F.flags[f] & PG_DIRTY) {
        // Dirty again but still in the swap cache: write it back to the same slots.
        this.unmapAll(cpu, f)
        if (!this.writeOut(cpu, f)) return -1
      } else {
        // Clean: the swap copy is current; unmap and drop without I/O.
        this.unmapAll(cpu, f)
      }
      const freed = this.finishIfClean(cpu, f)
      this.counters.reclaimEvicted += freed
      return freed
    }
    // Anonymous folio without swap: allocate slots (splitting when the design cannot).
    const entry = this.design.allocSwap(cpu, order, f, this.discontigOut)
    if (entry === NO_ENTRY) {
      if (order > 0) {
        this.counters.swpoutFallback[order]++
        this.split(f)
        return 0
      }
      return -1
    }
    F.flags[f] |= PG_SWAPCACHE
    F.swapEntry[f] = entry
    if (this.discontigOut.length) {
      F.flags[f] |= PG_DISCONTIG
      F.entries.set(f, [...this.discontigOut])
    }
    this.unmapAll(cpu, f)
    if (!this.writeOut(cpu, f)) return -1
    this.counters.swpout[order]++
    this.latency.swapoutSim.record(cpu.now - t0)
    this.latency.swapoutWall.record(wallNs() - w0)
    const freed = this.finishIfClean(cpu, f)
    this.counters.reclaimEvicted += freed
    return freed
  }

  /** try_to_unmap: every pte mapping the folio becomes a swap pte (one count each). */
  private unmapAll(cpu: Cpu, f: number): void {
    const F = this.folios
    const nr = 1 << F.order[f]
    const base = F.vpn[f]
    while (F.mapcount[f] > 0) {
      const mmId = F.owner[f]
      const mm = this.mms.get(mmId)!
      let k = 0
      for (let i = 0; i < nr; i++) {
        // Only the pages that map it (part of a large folio may have been unmapped).
        if (mm.pte[base + i] !== f + 1) continue
        const e = F.entryOf(f, i)
        this.design.dup(cpu, e)
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
  private writeOut(cpu: Cpu, f: number): boolean {
    const F = this.folios
    const nr = 1 << F.order[f]
    const d = this.design
    let end = cpu.now
    let i = 0
    while (i < nr) {
      let j = i + 1
      while (j < nr && d.contiguous(F.entryOf(f, j - 1), F.entryOf(f, j))) j++
      for (let k = i; k < j; k++) {
        this.batch.origin[k - i] = F.origin[f]
        this.batch.vpn[k - i] = F.vpn[f] + k
        this.batch.gen[k - i] = F.gen[f]
      }
      const e = F.entryOf(f, i)
      const done = d.writeFolio(cpu, e, j - i, this.batch)
      if (done === WRITE_REFUSED) return this.activate(f)
      if (d.isSyncEntry(e)) cpu.charge(Math.max(0, done - cpu.now))
      else cpu.charge(COST.bioSubmit)
      end = Math.max(end, done)
      i = j
    }
    this.counters.pswpout += nr
    F.flags[f] &= ~PG_DIRTY
    if (end > cpu.now) {
      F.flags[f] |= PG_WRITEBACK
      F.ioUntil[f] = end
      this.trackIo(end, cpu.now)
      this.sched.at(end, () => this.writebackDone(f, end))
    }
    return true
  }

  /** Refused writeout (folio_mark_dirty + activate): the folio stays, dirty, at the LRU head. */
  private activate(f: number): false {
    const F = this.folios
    F.flags[f] |= PG_DIRTY | PG_REFERENCED
    if (F.flags[f] & PG_LRU) {
      F.lruDel(f)
      F.lruAddHead(f)
    }
    return false
  }

  /** end_page_writeback: the folio goes to the LRU tail so reclaim frees it next. */
  private writebackDone(f: number, end: number): void {
    const F = this.folios
    if (!F.isLive(f) || F.ioUntil[f] !== end || !(F.flags[f] & PG_WRITEBACK)) return
    F.flags[f] &= ~PG_WRITEBACK
    if (F.flags[f] & PG_LRU && F.mapcount[f] === 0) {
      F.lruDel(f)
      F.lruAddTail(f)
    }
  }

  /** __remove_mapping: an unmapped, clean folio in the swap cache leaves it and is freed. */
  private finishIfClean(cpu: Cpu, f: number): number {
    const F = this.folios
    const fl = F.flags[f]
    if (fl & (PG_WRITEBACK | PG_DIRTY) || F.mapcount[f] > 0 || F.lockedUntil[f] > cpu.now) return 0
    const nr = 1 << F.order[f]
    this.deleteFromSwapCache(cpu, f, true)
    this.freeFolio(f)
    return nr
  }

  /** Removes a folio from the swap cache (with shadows when it is being evicted). */
  private deleteFromSwapCache(cpu: Cpu, f: number, withShadow: boolean): void {
    const F = this.folios
    const nr = 1 << F.order[f]
    const shadow = withShadow ? ++this.evictions : 0
    if (F.flags[f] & PG_DISCONTIG) for (let i = 0; i < nr; i++) this.design.cacheDelete(cpu, F.entryOf(f, i), 1, shadow)
    else this.design.cacheDelete(cpu, F.swapEntry[f], nr, shadow)
    F.flags[f] &= ~(PG_SWAPCACHE | PG_DISCONTIG)
    F.entries.delete(f)
    F.swapEntry[f] = NO_ENTRY
  }

  /** Splits a large folio (not in the swap cache) into order-0 folios in place. */
  private split(f: number): void {
    const F = this.folios
    const order = F.order[f]
    const nr = 1 << order
    const base = F.vpn[f]
    const mappers = F.mappers(f)
    const flags = F.flags[f] & (PG_DIRTY | PG_REFERENCED)
    F.order[f] = 0
    for (let i = 1; i < nr; i++) {
      // Each piece goes to the mms that still map that page; a page none maps is freed.
      const who = mappers.filter((id) => this.mms.get(id)!.pte[base + i] === f + 1)
      if (!who.length) {
        this.usedPages--
        continue
      }
      const g = this.folios.alloc(0)
      F.vpn[g] = base + i
      F.origin[g] = F.origin[f]
      F.gen[g] = F.gen[f]
      F.flags[g] |= flags
      for (const mmId of who) {
        F.addMapper(g, mmId)
        this.mms.get(mmId)!.pte[base + i] = g + 1
      }
      F.lruAddTail(g)
    }
    for (const mmId of mappers) if (this.mms.get(mmId)!.pte[base] !== f + 1) F.removeMapper(f, mmId)
    if (F.mapcount[f] === 0 && !F.faultRefs[f]) {
      this.freeFolio(f)
      return
    }
    // The head page stays as folio f; move it to the tail too so the pieces go together.
    F.lruDel(f)
    F.lruAddTail(f)
  }

  /** __try_to_reclaim_swap for allocators: drop a cache-only slot's folio from the cache. */
  private reclaimCacheOnly(cpu: Cpu, entry: number): number {
    const F = this.folios
    const f = this.design.peekFolio(entry)
    if (f < 0) return 0
    if (F.flags[f] & PG_WRITEBACK || F.lockedUntil[f] > cpu.now || F.faultRefs[f]) return 0
    if (this.swapReferenced(f)) return 0
    const nr = 1 << F.order[f]
    this.deleteFromSwapCache(cpu, f, false)
    this.counters.cacheReclaimedSlots += nr
    if (F.mapcount[f] === 0) this.freeFolio(f)
    else this.dirty(f)
    return nr
  }

  // ---- swapin -------------------------------------------------------------------------------

  private *swapin(task: Task, vpn: number, entry: number, write: boolean): Program {
    const mm = task.mm
    const d = this.design
    const F = this.folios
    const want = swapPte(entry)
    for (;;) {
      const cpu = this.cpuOf(task)
      if (mm.pte[vpn] !== want) return
      const f = d.cacheLookup(cpu, entry)
      if (f >= 0) {
        // Swap cache hit: wait on the folio lock while its read is in flight.
        if (F.lockedUntil[f] > cpu.now) {
          this.counters.folioLockWaits++
          this.counters.folioLockWaitNs += F.lockedUntil[f] - cpu.now
          yield F.lockedUntil[f]
          continue
        }
        if (F.flags[f] & PG_READAHEAD) {
          F.flags[f] &= ~PG_READAHEAD
          this.counters.readaheadHits++
          mm.raHits++
        }
        this.mapFromCache(task, f, write)
        return
      }
      if (d.shadow(entry) >= 0) this.counters.workingsetRefaults++
      const sync = d.isSyncEntry(entry)
      if (sync && d.traits.syncBypass && d.count(entry) === 1) {
        // SWP_SYNCHRONOUS_IO: skip the swap cache, pinning the slots with HAS_CACHE. From 6.12
        // a whole mTHP folio when its entries allow (alloc_swap_folio), else order 0.
        const order = d.traits.syncMthpSwapin ? this.syncSwapinOrder(mm, vpn, entry) : 0
        const nr = 1 << order
        const base = vpn - (vpn % nr)
        const baseEntry = entry - (vpn - base)
        let nf = this.tryAllocFolio(task, order)
        if (nf < 0) nf = yield* this.allocFolio(task, order)
        const c2 = this.cpuOf(task)
        if (mm.pte[vpn] !== want) {
          this.freeFolio(nf)
          return
        }
        if (order > 0 && !this.swapPtesIntact(mm, base, baseEntry, nr)) {
          // The range changed while we allocated: try again (the order is chosen afresh).
          this.freeFolio(nf)
          continue
        }
        // swapcache_prepare(entry, nr): every slot pinned, or none.
        let r: AddResult = 'ok'
        let pinned = 0
        for (; pinned < nr && r === 'ok'; pinned++) r = d.pinForBypass(c2, baseEntry + pinned)
        if (r !== 'ok') {
          for (let i = 0; i < pinned - 1; i++) d.unpinBypass(c2, baseEntry + i)
          if (pinned - 1 > 0) this.wakeSwapcacheWq(c2.now)
          this.freeFolio(nf)
          if (r === 'freed' && mm.pte[vpn] !== want) return
          if (r === 'exists') {
            // Someone else holds the pin: sleep and retry the fault.
            this.counters.hasCacheRetries++
            yield* this.hasCacheSleep(task)
          }
          continue
        }
        for (let i = 0; i < nr; i++) this.stageAt(mm, base + i, i)
        const done = d.readEntries(c2, baseEntry, nr, this.batch)
        c2.charge(Math.max(0, done - c2.now))
        // Held by this fault until it is mapped (do_swap_page keeps its reference and takes
        // the folio lock again before set_pte): reclaim must not take it. No one waits on it
        // (it is not in the swap cache).
        F.faultRefs[nf]++
        // The read ran on this CPU (zram, pmem); other CPUs run up to now before the pin goes,
        // so a racing fault on this entry finds HAS_CACHE set, as in the kernel.
        yield CHECKPOINT
        const c3 = this.cpuOf(task)
        F.faultRefs[nf]--
        this.counters.pswpin += nr
        this.counters.swpin[order]++
        this.counters.majorFaults++
        this.counters.syncBypassSwapins++
        const intact = mm.pte[vpn] === want && (order === 0 || this.swapPtesIntact(mm, base, baseEntry, nr))
        if (intact) {
          this.mapNewFolio(mm, nf, base, order)
          for (let i = 0; i < nr; i++) d.put(c3, baseEntry + i)
        } else this.freeFolio(nf) // the ptes changed under us (out_nomap): back out
        for (let i = 0; i < nr; i++) d.unpinBypass(c3, baseEntry + i)
        this.wakeSwapcacheWq(c3.now)
        if (intact || mm.pte[vpn] !== want) return
        continue
      }
      // Through the swap cache, with readahead (or a whole mTHP when the option finds one).
      const order = this.mthpSwapinOrder(mm, vpn, entry, sync)
      const nr = 1 << order
      const base = vpn - (vpn % nr)
      const baseEntry = entry - (vpn - base)
      let nf = this.tryAllocFolio(task, order)
      if (nf < 0) nf = yield* this.allocFolio(task, order)
      const c2 = this.cpuOf(task)
      if (mm.pte[vpn] !== want) {
        this.freeFolio(nf)
        return
      }
      const r = d.swapinAdd(c2, baseEntry, nr, nf)
      if (r !== 'ok') {
        this.freeFolio(nf)
        if (r === 'freed') return
        if (d.traits.hasCacheFlag) {
          // swapcache_prepare found HAS_CACHE set without a folio yet: one-tick sleep.
          this.counters.hasCacheRetries++
          this.counters.hasCacheRetryNs += this.cfg.tickNs
          yield c2.now + this.cfg.tickNs
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
      for (let i = 0; i < nr; i++) this.stageAt(mm, base + i, i)
      const done = d.readEntries(c2, baseEntry, nr, this.batch)
      if (sync) c2.charge(Math.max(0, done - c2.now))
      else c2.charge(COST.bioSubmit)
      if (order > 0) this.counters.mthpSwpinReadahead++
      F.lockedUntil[nf] = done
      this.trackIo(done, c2.now)
      if (!sync && order === 0) yield* this.readahead(task, vpn)
      // After a synchronous read, still let the other CPUs catch up: a racing fault then
      // finds the folio locked in the cache.
      yield sync ? CHECKPOINT : F.lockedUntil[nf]
      F.lockedUntil[nf] = 0
      F.faultRefs[nf]--
      this.counters.pswpin += nr
      this.counters.swpin[order]++
      this.counters.majorFaults++
      if (mm.pte[vpn] !== want) {
        // !pte_same: back out (out_nomap); a folio nobody needs any more leaves the cache.
        this.maybeFreeUnmapped(this.cpuOf(task), nf)
        return
      }
      this.mapFromCache(task, nf, write)
      // P2+: on a synchronous device the folio leaves the cache right after it is mapped.
      const c3 = this.cpuOf(task)
      if (sync && !d.traits.hasCacheFlag && F.isLive(nf) && F.flags[nf] & PG_SWAPCACHE && !this.swapReferenced(nf)) {
        this.deleteFromSwapCache(c3, nf, false)
        this.dirty(nf)
      }
      return
    }
  }

  /**
   * mTHP swapin through the swap cache: the swap table's readahead-based option (any
   * device), or on a synchronous device for designs without the bypass (swap table P2+,
   * whose unified swapin keeps 6.12's large folio swapin from zram).
   */
  private mthpSwapinOrder(mm: Mm, vpn: number, entry: number, sync: boolean): number {
    const t = this.design.traits
    if (!t.mthpSwapin && !(t.syncMthpSwapin && sync && !t.syncBypass)) return 0
    for (const o of this.ordersAt(mm, vpn)) {
      const nr = 1 << o
      const base = vpn - (vpn % nr)
      if (base + nr > mm.npages) continue
      const e0 = entry - (vpn - base)
      if (e0 < 0 || e0 % nr !== 0) continue
      let ok = true
      for (let i = 0; i < nr && ok; i++) {
        const p = mm.pte[base + i]
        if (p >= 0 || pteEntry(p) !== e0 + i) ok = false
        else if (i > 0 && !this.design.contiguous(e0 + i - 1, e0 + i)) ok = false
        else if (this.design.count(e0 + i) !== 1 || this.design.peekFolio(e0 + i) >= 0) ok = false
        else if (mm.gen[base + i] !== mm.gen[base] || mm.origin[base + i] !== mm.origin[base]) ok = false
      }
      if (ok) return o
    }
    return 0
  }

  /** swap_vma_readahead: neighbours in the faulting window, window sized by recent hits. */
  private *readahead(task: Task, vpn: number): Program {
    const mm = task.mm
    const max = 1 << this.cfg.pageCluster
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
    const d = this.design
    const F = this.folios
    for (let v = start; v < end; v++) {
      if (v === vpn) continue
      let p = mm.pte[v]
      if (p >= 0) continue
      if (d.peekFolio(pteEntry(p)) >= 0) continue
      // Readahead folios are charged like any other and may reclaim.
      let nf = this.tryAllocFolio(task, 0)
      if (nf < 0) nf = yield* this.allocFolio(task, 0)
      const cpu = this.cpuOf(task)
      p = mm.pte[v]
      if (p >= 0 || d.swapinAdd(cpu, pteEntry(p), 1, nf) !== 'ok') {
        this.freeFolio(nf)
        continue
      }
      const e = pteEntry(p)
      F.flags[nf] |= PG_SWAPCACHE | PG_READAHEAD
      F.swapEntry[nf] = e
      F.vpn[nf] = v
      F.origin[nf] = mm.origin[v]
      F.gen[nf] = mm.gen[v]
      this.stageOne(mm, v)
      const done = d.readEntries(cpu, e, 1, this.batch)
      cpu.charge(COST.bioSubmit / 4)
      F.lockedUntil[nf] = done
      this.trackIo(done, cpu.now)
      this.counters.readaheadPages++
      this.counters.pswpin++
    }
  }

  private stageOne(mm: Mm, vpn: number): void {
    this.stageAt(mm, vpn, 0)
  }

  private stageAt(mm: Mm, vpn: number, i: number): void {
    this.batch.origin[i] = mm.origin[vpn]
    this.batch.vpn[i] = vpn
    this.batch.gen[i] = mm.gen[vpn]
  }

  /** Maps a swap-cache folio into this mm where its ptes still hold its entries. */
  private mapFromCache(task: Task, f: number, write: boolean): void {
    const F = this.folios
    const mm = task.mm
    const cpu = this.cpuOf(task)
    const nr = 1 << F.order[f]
    const base = F.vpn[f]
    let mapped = 0
    for (let i = 0; i < nr; i++) {
      const e = F.entryOf(f, i)
      if (mm.pte[base + i] === swapPte(e)) {
        mm.pte[base + i] = f + 1
        this.design.put(cpu, e)
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
    if (F.flags[f] & PG_SWAPCACHE && (write || this.swapFull()) && !this.swapReferenced(f) && !(F.flags[f] & PG_WRITEBACK)) {
      this.deleteFromSwapCache(cpu, f, false)
      this.dirty(f)
    } else if (write) {
      if (F.mapcount[f] > 1 || this.swapReferenced(f)) return // stays shared; a later write copies
      this.dirty(f)
    }
  }

  /** Maps a folio read by the bypass over the swap ptes of [base, base + 2^order). */
  private mapNewFolio(mm: Mm, f: number, base: number, order: number): void {
    const F = this.folios
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
  private swapPtesIntact(mm: Mm, base: number, baseEntry: number, nr: number): boolean {
    for (let i = 0; i < nr; i++) if (mm.pte[base + i] !== swapPte(baseEntry + i)) return false
    return true
  }

  /**
   * alloc_swap_folio (6.12+) for the bypass: the largest enabled order whose naturally
   * aligned range holds contiguous swap entries, aligned alike (thp_swap_suitable_orders),
   * none of them in the swap cache or pinned (non_swapcache_batch), same data generation.
   */
  private syncSwapinOrder(mm: Mm, vpn: number, entry: number): number {
    const d = this.design
    for (const o of this.ordersAt(mm, vpn)) {
      const nr = 1 << o
      const base = vpn - (vpn % nr)
      if (base + nr > mm.npages) continue
      const e0 = entry - (vpn - base)
      if (e0 < 0 || e0 % nr !== 0) continue
      if (!this.swapPtesIntact(mm, base, e0, nr)) continue
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
  private *hasCacheSleep(task: Task): Program {
    const c = this.cpuOf(task)
    const t0 = c.now
    const until = t0 + this.cfg.tickNs
    if (!this.design.traits.swapcacheWq) {
      this.counters.hasCacheRetryNs += this.cfg.tickNs
      yield until
      return
    }
    this.swapcacheWq.push(task)
    yield until
    const i = this.swapcacheWq.indexOf(task)
    if (i >= 0) this.swapcacheWq.splice(i, 1)
    this.counters.hasCacheRetryNs += Math.min(this.cfg.tickNs, Math.max(0, this.cpuOf(task).now - t0))
  }

  /** wake_up(&swapcache_wq) after swapcache_clear: every sleeper runs again at `now`. */
  private wakeSwapcacheWq(now: number): void {
    if (!this.swapcacheWq.length) return
    for (const t of this.swapcacheWq) this.sched.wake(t, now)
    this.swapcacheWq.length = 0
  }

  private swapFull(): boolean {
    const total = this.design.totalSlots()
    return total > 0 && this.design.usedSlots() * 2 > total
  }

  // ---- unmap, fork, exit ------------------------------------------------------------------

  /** zap_pte_range over [start, start+n): resident folios unmapped, swap entries freed. */
  unmap(task: Task, start: number, n: number): void {
    const mm = task.mm
    const cpu = this.cpuOf(task)
    const F = this.folios
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
        this.freeSwapAndCache(cpu, e)
        v++
        continue
      }
      const f = p - 1
      const nr = 1 << F.order[f]
      const base = F.vpn[f]
      if (nr > 1 && (base < start || base + nr > end)) {
        // Partial unmap of a large folio: split it first (deferred split in the kernel).
        if (F.flags[f] & PG_SWAPCACHE) {
          if (F.flags[f] & PG_WRITEBACK || this.swapReferenced(f)) {
            // Cannot split under writeback or while shared through swap: unmap this page only
            // (the folio stays partly mapped); the mm stops mapping it with its last page.
            mm.pte[v] = 0
            mm.residentPages--
            let still = false
            for (let i = 0; i < nr && !still; i++) if (mm.pte[base + i] === f + 1) still = true
            if (!still) {
              F.removeMapper(f, mm.id)
              this.maybeFreeUnmapped(cpu, f)
            }
            v++
            continue
          }
          this.deleteFromSwapCache(cpu, f, false)
          this.dirty(f)
        }
        this.split(f)
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
      this.maybeFreeUnmapped(cpu, f)
      v++
    }
    if (!zapped) return
    this.latency.freeSim.record(cpu.now - t0)
    this.latency.freeWall.record(wallNs() - w0)
  }

  /** A folio nobody maps: freed unless the swap cache still needs it. */
  private maybeFreeUnmapped(cpu: Cpu, f: number): void {
    const F = this.folios
    if (F.mapcount[f] > 0 || F.faultRefs[f]) return
    if (F.flags[f] & PG_SWAPCACHE) {
      if (F.flags[f] & PG_WRITEBACK) return // freed by reclaim after writeback
      if (this.swapReferenced(f)) return // another mm's swap pte still needs the copy
      this.deleteFromSwapCache(cpu, f, false)
    }
    this.freeFolio(f)
  }

  /** free_swap_and_cache: drop one reference; reclaim an unmapped cache folio when it was the last. */
  private freeSwapAndCache(cpu: Cpu, e: number): void {
    const d = this.design
    d.put(cpu, e)
    if (d.count(e) === 0) {
      const f = d.peekFolio(e)
      if (f >= 0) {
        const F = this.folios
        if (
          F.mapcount[f] === 0 &&
          !(F.flags[f] & PG_WRITEBACK) &&
          F.lockedUntil[f] <= cpu.now &&
          !F.faultRefs[f] &&
          !this.swapReferenced(f)
        ) {
          this.deleteFromSwapCache(cpu, f, false)
          this.freeFolio(f)
        }
      }
    }
  }

  /** fork: the child shares every folio and swap entry of the parent. */
  fork(parent: Task, cpu: number): Task {
    const pm = parent.mm
    const cm = this.newMm(pm.npages)
    const c = this.cpuOf(parent)
    cm.pte.set(pm.pte)
    cm.origin.set(pm.origin)
    cm.gen.set(pm.gen)
    cm.thpRanges = pm.thpRanges
    const F = this.folios
    for (let v = 0; v < pm.npages;) {
      const p = pm.pte[v]
      if (p === 0) {
        v++
        continue
      }
      if (p < 0) {
        this.design.dup(c, pteEntry(p))
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
    this.counters.forks++
    return this.newTask(cm, cpu)
  }

  /** exit_mmap when the last user of the mm leaves. */
  exit(task: Task): void {
    const mm = task.mm
    if (--mm.users > 0) return
    this.unmap(task, 0, mm.npages)
    this.mms.delete(mm.id)
    this.counters.exits++
  }

  /** MADV_PAGEOUT over a range: evict every folio mapped only by this mm. */
  *pageout(task: Task, start: number, n: number): Program {
    const mm = task.mm
    const F = this.folios
    const end = Math.min(start + n, mm.npages)
    for (let v = start; v < end;) {
      const p = mm.pte[v]
      if (p <= 0) {
        v++
        continue
      }
      const f = p - 1
      const cpu = this.cpuOf(task)
      if (F.mapcount[f] === 1 && !(F.flags[f] & PG_WRITEBACK) && F.lockedUntil[f] <= cpu.now) {
        F.flags[f] &= ~PG_REFERENCED
        const r = this.evict(cpu, f)
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
  *settle(task: Task): Program {
    let t = 0
    for (const end of this.ioEnds) if (end > t) t = end
    if (t > this.cpuOf(task).now) yield t
  }

  // ---- checks -------------------------------------------------------------------------------

  /** Cross-checks page tables, folios, memcg charge and swap counts. */
  check(): void {
    const F = this.folios
    const refs = new Map<number, number>()
    let resident = 0
    for (const mm of this.mms.values()) {
      let res = 0
      let sw = 0
      for (let v = 0; v < mm.npages; v++) {
        const p = mm.pte[v]
        if (p > 0) {
          const f = p - 1
          invariant(F.isLive(f), () => `mm ${mm.id} page ${v} maps freed folio ${f}`)
          invariant(F.mappers(f).includes(mm.id), () => `folio ${f} does not list mm ${mm.id} as a mapper`)
          invariant(v >= F.vpn[f] && v < F.vpn[f] + (1 << F.order[f]), () => `mm ${mm.id} page ${v} outside its folio ${f}`)
          res++
        } else if (p < 0) {
          const e = pteEntry(p)
          refs.set(e, (refs.get(e) ?? 0) + 1)
          sw++
        }
      }
      invariant(res === mm.residentPages, () => `mm ${mm.id}: ${res} resident ptes, accounted ${mm.residentPages}`)
      invariant(sw === mm.swapPtes, () => `mm ${mm.id}: ${sw} swap ptes, accounted ${mm.swapPtes}`)
    }
    for (let f = 0; f < F.cap; f++) if (F.isLive(f)) resident += 1 << F.order[f]
    invariant(resident === this.usedPages, () => `folios hold ${resident} pages, memcg charge is ${this.usedPages}`)
    for (const [e, n] of refs)
      invariant(this.design.count(e) === n, () => `swap entry ${e}: ${n} swap ptes reference it, count is ${this.design.count(e)}`)
    let lru = 0
    for (let f = F.lruTail; f >= 0; f = F.lruPrevOf(f)) lru++
    invariant(lru === F.live && lru === F.lruLen, () => `LRU holds ${lru} folios, ${F.live} live, length ${F.lruLen}`)
  }
}
