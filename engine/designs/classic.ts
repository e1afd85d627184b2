// Slot-based designs: legacy (6.6), mthp-6.10, cluster (6.12+) and the swap table (P1-P4).
// They share the device structures and differ in the allocator, in what holds counts and
// the cache (swap_map + XArray vs per-cluster tables), in HAS_CACHE and the bypass path,
// and in the per-CPU slot cache (legacy and 6.10 only).

import { PMD_ORDER, SWAP_NR_ORDERS, type ClusterListCounts, type Counters, type DesignName, type EngineConfig } from '../types'
import type { Cpu, SimClock } from '../sim/scheduler'
import { COST } from '../sim/cost'
import { LockArray } from '../sim/lock'
import { invariant } from '../errors'
import type { PageStore } from '../device/pageStore'
import { SwapInfo } from '../swap/swapInfo'
import { SwapSpace } from '../swap/swapSpace'
import { MapXArrayStore, TableStore, NO_FOLIO, SWAP_ADDRESS_SPACE_SHIFT, type MemoryParts, type SlotStore } from '../swap/slotStore'
import { ClusterAllocator, type SwapAllocator } from '../swap/clusterAllocator'
import { LegacyAllocator } from '../swap/legacyAllocator'
import { NO_ENTRY, type AddResult, type DesignTraits, type IoBatch, type SwapDesign } from './design'

const TYPE_SHIFT = 2 ** 32
export const swpEntry = (type: number, off: number): number => type * TYPE_SHIFT + off
export const swpType = (e: number): number => Math.floor(e / TYPE_SHIFT)
export const swpOffset = (e: number): number => e % TYPE_SHIFT

/** Per-CPU swap slot cache (mm/swap_slots.c, until 6.15). */
const SWAP_SLOTS_CACHE_SIZE = 64
const THRESHOLD_ACTIVATE = 5 * SWAP_SLOTS_CACHE_SIZE
const THRESHOLD_DEACTIVATE = 2 * SWAP_SLOTS_CACHE_SIZE

/** struct swap_cluster_info size per design (brief section 1). */
const CLUSTER_INFO_BYTES: Record<string, number> = {
  legacy: 8,
  'mthp-6.10': 8,
  cluster: 24,
  'swap-table-1': 32,
  'swap-table-2': 32,
  'swap-table-3': 40,
  'swap-table-4': 48
}

export class ClassicDesign implements SwapDesign {
  readonly traits: DesignTraits
  readonly space: SwapSpace
  readonly devices: SwapInfo[]
  private readonly allocator: SwapAllocator
  private readonly legacyAlloc: LegacyAllocator | null
  /** xa_lock per 64 MiB address space (XArray designs); tables use the cluster lock. */
  private readonly xaLocks: LockArray
  private readonly slotCacheLocks: LockArray
  private readonly useTable: boolean
  readonly phase: 0 | 1 | 2 | 3 | 4
  private readonly slotCache: boolean
  private slotCacheActive = false
  private readonly cacheSlots: number[][] /** per CPU: entries ready to hand out */
  private readonly retSlots: number[][] /** per CPU: freed entries waiting for a batch free */
  private reclaimer: (cpu: Cpu, entry: number) => number = () => 0

  constructor(
    readonly name: DesignName,
    cfg: EngineConfig,
    pageStores: PageStore[],
    readonly counters: Counters,
    clock: SimClock
  ) {
    this.phase = name === 'swap-table' ? (cfg.designOptions.phase ?? 4) : 0
    this.useTable = name === 'swap-table'
    const hasCache = !this.useTable || this.phase === 1
    this.traits = {
      hasCacheFlag: hasCache,
      syncBypass: hasCache,
      discontiguousSwapout: this.useTable && !!cfg.designOptions.discontiguousSwapout,
      mthpSwapin: this.useTable && !!cfg.designOptions.mthpSwapin,
      // The releases each design models: legacy 6.6-6.9 and mthp-6.10 sleep a whole tick
      // and swap in at order 0; cluster (6.12-6.17) and the swap table (6.18 on) have both.
      swapcacheWq: name === 'cluster' || this.useTable,
      syncMthpSwapin: name === 'cluster' || this.useTable
    }
    this.devices = cfg.devices.map((d, i) => {
      const nslots = Math.floor(d.sizeBytes / 4096)
      const store: SlotStore = this.useTable
        ? new TableStore(nslots, this.phase as 1 | 2 | 3 | 4, counters, cfg.designOptions.memcgLayout ?? 'table')
        : new MapXArrayStore(nslots, counters, name === 'legacy' || name === 'mthp-6.10')
      return new SwapInfo(i, d, store, pageStores[i], cfg.cpus, clock, counters, name !== 'legacy' && name !== 'mthp-6.10')
    })
    this.space = new SwapSpace(this.devices, cfg.cpus, counters)
    this.space.reclaimCacheOnly = (cpu, si, off) => this.reclaimer(cpu, swpEntry(si.type, off))
    if (name === 'legacy' || name === 'mthp-6.10') {
      this.legacyAlloc = new LegacyAllocator(this.space, name === 'mthp-6.10')
      this.allocator = this.legacyAlloc
      this.slotCache = true
    } else {
      this.legacyAlloc = null
      this.allocator = new ClusterAllocator(this.space)
      this.slotCache = false
    }
    this.xaLocks = new LockArray('swapCache', clock, counters)
    this.slotCacheLocks = new LockArray('slotCache', clock, counters)
    this.cacheSlots = Array.from({ length: cfg.cpus }, () => [])
    this.retSlots = Array.from({ length: cfg.cpus }, () => [])
  }

  setCacheReclaimer(fn: (cpu: Cpu, entry: number) => number): void {
    this.reclaimer = fn
  }

  private si(entry: number): SwapInfo {
    return this.devices[swpType(entry)]
  }

  canSwapOrder(order: number): boolean {
    // 6.6 swaps a PMD THP whole (swap_alloc_cluster) and splits every other large folio.
    if (this.name === 'legacy') return order === 0 || order === PMD_ORDER
    return true
  }

  // ---- allocation -------------------------------------------------------------------

  allocSwap(cpu: Cpu, order: number, folio: number, out: number[]): number {
    const nr = 1 << order
    this.counters.allocCalls++
    let entry = NO_ENTRY
    if (this.canSwapOrder(order)) {
      if (order === 0 && this.slotCache && this.checkSlotCacheActive(cpu)) entry = this.allocFromSlotCache(cpu)
      if (entry === NO_ENTRY) entry = this.allocSlow(cpu, order, folio)
    }
    if (entry === NO_ENTRY && order > 0 && this.traits.discontiguousSwapout) {
      // Discontiguous swapout: take 2^order order-0 slots wherever they are.
      out.length = 0
      for (let i = 0; i < nr; i++) {
        const e = this.allocSlow(cpu, 0, folio)
        if (e === NO_ENTRY) {
          for (const x of out) this.releaseUnused(cpu, x, 1)
          out.length = 0
          this.counters.allocFailures++
          return NO_ENTRY
        }
        this.insertAfterAlloc(cpu, e, 1, folio)
        out.push(e)
      }
      this.counters.swpoutDiscontig[order]++
      return out[0]
    }
    if (entry === NO_ENTRY) {
      this.counters.allocFailures++
      return NO_ENTRY
    }
    this.insertAfterAlloc(cpu, entry, nr, folio)
    out.length = 0
    return entry
  }

  private allocSlow(cpu: Cpu, order: number, folio: number): number {
    const nr = 1 << order
    // 6.15+: the device of this CPU's cluster first (swap_alloc_fast), no rotation per slot.
    for (const si of this.space.availOrder(this.legacyAlloc ? undefined : cpu, order)) {
      const off = si.freePages >= nr ? this.allocator.alloc(cpu, si, order, folio) : -1
      if (off >= 0) return swpEntry(si.type, off)
      if (order) break // get_swap_pages / swap_alloc_slow: a large folio tries one device only
    }
    return NO_ENTRY
  }

  /** HAS_CACHE designs add the folio to the cache after allocation (add_to_swap_cache). */
  private insertAfterAlloc(cpu: Cpu, entry: number, nr: number, folio: number): void {
    if (this.useTable && this.phase >= 2) return // inserted by allocRange under the cluster lock
    const si = this.si(entry)
    const off = swpOffset(entry)
    const t0 = cpu.now
    si.store.cacheAdd(cpu, off, nr, folio)
    this.cacheLock(entry).holdAfter(cpu, t0)
    this.counters.swapCacheAdd += nr
  }

  /** Undo an allocation whose folio never made it (discontiguous swapout failure). */
  private releaseUnused(cpu: Cpu, entry: number, nr: number): void {
    this.cacheDelete(cpu, entry, nr, 0)
  }

  private cacheLock(entry: number) {
    const si = this.si(entry)
    const off = swpOffset(entry)
    if (this.useTable) return si.clusterLock(off)
    return this.xaLocks.get(si.type * 2 ** 20 + (off >>> SWAP_ADDRESS_SPACE_SHIFT))
  }

  // ---- slot cache (legacy, 6.10) -----------------------------------------------------

  /** check_cache_active: on above 5x64 free slots per CPU, off below 2x64. */
  private checkSlotCacheActive(cpu: Cpu): boolean {
    const pages = this.space.nrSwapPages
    const ncpus = this.space.ncpus
    if (!this.slotCacheActive) {
      if (pages > ncpus * THRESHOLD_ACTIVATE) this.slotCacheActive = true
      return this.slotCacheActive
    }
    if (pages < ncpus * THRESHOLD_DEACTIVATE) {
      this.slotCacheActive = false
      this.drain(cpu)
    }
    return this.slotCacheActive
  }

  private allocFromSlotCache(cpu: Cpu): number {
    const cache = this.cacheSlots[cpu.id]
    const t0 = cpu.now
    if (cache.length === 0) {
      // refill_swap_slots_cache: one batch of 64 from get_swap_pages.
      this.counters.slotCacheRefills++
      const got: number[] = []
      for (const si of this.space.availOrder()) {
        const offs: number[] = []
        this.legacyAlloc!.allocMany(cpu, si, 0, SWAP_SLOTS_CACHE_SIZE - got.length, offs, NO_FOLIO)
        for (const o of offs) got.push(swpEntry(si.type, o))
        if (got.length) break // get_swap_pages returns what the first device that has slots gave
      }
      // Hand out in address order, like the kernel's cache->slots[cur++].
      for (let i = got.length - 1; i >= 0; i--) cache.push(got[i])
    }
    cpu.charge(COST.slotCacheOp)
    this.slotCacheLocks.get(cpu.id).holdAfter(cpu, t0)
    return cache.length ? cache.pop()! : NO_ENTRY
  }

  /** A slot nothing holds any more: through the per-CPU return cache, or freed directly. */
  private slotUnused(cpu: Cpu, entry: number): void {
    const si = this.si(entry)
    const off = swpOffset(entry)
    if (this.slotCache && this.slotCacheActive) {
      // free_swap_slot: it keeps SWAP_HAS_CACHE (looks used) until the batch is freed.
      si.store.setHasCache(off)
      const ret = this.retSlots[cpu.id]
      if (ret.length >= SWAP_SLOTS_CACHE_SIZE) this.flushRet(cpu, ret)
      ret.push(entry)
      cpu.charge(COST.slotCacheOp)
      return
    }
    this.freeEntries(cpu, [entry], false)
  }

  private flushRet(cpu: Cpu, ret: number[]): void {
    this.counters.slotCacheFlushes++
    this.freeEntries(cpu, ret, true)
    ret.length = 0
  }

  /** swapcache_free_entries: frees a batch under the device lock. */
  private freeEntries(cpu: Cpu, entries: number[], clearCache: boolean): void {
    const t0 = cpu.now
    let dev = -1
    for (const e of entries) {
      const si = this.si(e)
      const off = swpOffset(e)
      if (clearCache) si.store.clearHasCache(off)
      if (this.legacyAlloc && si.type !== dev) dev = si.type
      this.allocator.free(cpu, si, off, 1)
    }
    if (this.legacyAlloc && entries.length) this.devices[dev].deviceLock.holdAfter(cpu, t0)
  }

  drain(cpu: Cpu): void {
    for (let c = 0; c < this.cacheSlots.length; c++) {
      const cache = this.cacheSlots[c]
      if (cache.length) {
        // Unused cached slots carry HAS_CACHE only: clear it and free them.
        this.freeEntries(cpu, cache, true)
        cache.length = 0
      }
      const ret = this.retSlots[c]
      if (ret.length) this.flushRet(cpu, ret)
    }
  }

  // ---- counts -------------------------------------------------------------------------

  dup(cpu: Cpu, entry: number): void {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const t0 = cpu.now
    si.store.dup(cpu, off)
    si.clusterLock(off).holdAfter(cpu, t0)
  }

  put(cpu: Cpu, entry: number): void {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const t0 = cpu.now
    invariant(si.store.count(off) > 0, () => `swap_free of entry ${off} on device ${si.type} with count 0`)
    const unused = si.store.put(cpu, off)
    si.clusterLock(off).holdAfter(cpu, t0)
    if (unused) this.slotUnused(cpu, entry)
  }

  count(entry: number): number {
    return this.si(entry).store.count(swpOffset(entry))
  }

  isCacheOnly(entry: number): boolean {
    return this.si(entry).store.isCacheOnly(swpOffset(entry))
  }

  // ---- swap cache ---------------------------------------------------------------------

  cacheLookup(cpu: Cpu, entry: number): number {
    this.counters.swapCacheLookup++
    const f = this.si(entry).store.cacheGet(cpu, swpOffset(entry))
    if (f !== NO_FOLIO) this.counters.swapCacheHit++
    return f
  }

  shadow(entry: number): number {
    return this.si(entry).store.cacheShadow(swpOffset(entry))
  }

  swapinAdd(cpu: Cpu, entry: number, nr: number, folio: number): AddResult {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const store = si.store
    const t0 = cpu.now
    for (let i = 0; i < nr; i++) {
      if (store.count(off + i) === 0 && !store.hasCache(off + i)) return 'freed'
      if (store.hasCache(off + i)) return 'exists'
    }
    if (this.traits.hasCacheFlag) for (let i = 0; i < nr; i++) store.setHasCache(off + i)
    si.clusterLock(off).holdAfter(cpu, t0)
    const t1 = cpu.now
    store.cacheAdd(cpu, off, nr, folio)
    this.cacheLock(entry).holdAfter(cpu, t1)
    this.counters.swapCacheAdd += nr
    return 'ok'
  }

  cacheDelete(cpu: Cpu, entry: number, nr: number, shadow: number): void {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const store = si.store
    const t0 = cpu.now
    store.cacheDel(cpu, off, nr, shadow)
    this.cacheLock(entry).holdAfter(cpu, t0)
    this.counters.swapCacheDelete += nr
    // put_swap_folio (HAS_CACHE) or the table's own free of count-0 slots (P2+).
    for (let i = 0; i < nr; i++) {
      const unused = this.traits.hasCacheFlag ? store.clearHasCache(off + i) : store.count(off + i) === 0
      if (unused) this.slotUnused(cpu, entry + i)
    }
  }

  pinForBypass(cpu: Cpu, entry: number): AddResult {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const t0 = cpu.now
    let r: AddResult = 'ok'
    if (si.store.hasCache(off)) r = 'exists'
    else if (si.store.count(off) === 0) r = 'freed'
    else si.store.setHasCache(off)
    cpu.charge(COST.slotUpdate)
    si.clusterLock(off).holdAfter(cpu, t0)
    return r
  }

  unpinBypass(cpu: Cpu, entry: number): void {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const t0 = cpu.now
    const unused = si.store.clearHasCache(off)
    si.clusterLock(off).holdAfter(cpu, t0)
    if (unused) this.slotUnused(cpu, entry)
  }

  // ---- I/O ----------------------------------------------------------------------------

  writeFolio(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    return this.io(cpu, entry, nr, batch, true)
  }

  readEntries(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    return this.io(cpu, entry, nr, batch, false)
  }

  /** Page data to or from the device file, and the simulated device time it takes. */
  private io(cpu: Cpu, entry: number, nr: number, batch: IoBatch, write: boolean): number {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const ps = si.pageStore
    for (let i = 0; i < nr; i++) ps.stage(i, batch.origin[i], batch.vpn[i], batch.gen[i])
    if (write) ps.write(off, nr)
    else ps.read(off, nr)
    return si.submitIo(cpu.now, off, nr, write)
  }

  isSyncEntry(entry: number): boolean {
    return this.si(entry).model.sync
  }

  contiguous(a: number, b: number): boolean {
    return b === a + 1 && swpType(a) === swpType(b)
  }

  // ---- accounting and checks ----------------------------------------------------------

  usedSlots(): number {
    return this.space.totalPages - this.space.nrSwapPages
  }

  totalSlots(): number {
    return this.space.totalPages
  }

  memory(): MemoryParts {
    const stat: Record<string, number> = {}
    const dyn: Record<string, number> = {}
    const add = (into: Record<string, number>, k: string, v: number): void => {
      into[k] = (into[k] ?? 0) + v
    }
    const key = this.useTable ? `swap-table-${this.phase}` : this.name
    const ncpus = this.space.ncpus
    for (const si of this.devices) {
      const m = si.store.memory()
      for (const [k, v] of Object.entries(m.static)) add(stat, k, v)
      for (const [k, v] of Object.entries(m.dynamic)) add(dyn, k, v)
      // Before 6.12 swapon allocates cluster_info and the per-CPU clusters for SSDs only.
      const clusterInfo = !this.legacyAlloc || si.model.solidState
      if (clusterInfo) add(stat, 'swap_cluster_info', si.ci.nr * CLUSTER_INFO_BYTES[key])
      // swap_cgroup: 2 B per slot until P4 moves memcg ids into per-cluster tables.
      if (!(this.useTable && this.phase === 4)) add(stat, 'swap_cgroup', si.nslots * 2)
      // zeromap (6.12+): 1 bit per slot until P4 makes it an entry flag.
      if (this.name === 'cluster' || (this.useTable && this.phase < 4)) add(stat, 'zeromap', Math.ceil(si.nslots / 8))
      if (this.name === 'legacy' && clusterInfo) add(stat, 'percpu_cluster', ncpus * 16)
      if (this.name === 'mthp-6.10' && clusterInfo) add(stat, 'percpu_cluster', ncpus * 4 * SWAP_NR_ORDERS)
    }
    if (this.slotCache) add(stat, 'swap_slots_cache', ncpus * (2 * SWAP_SLOTS_CACHE_SIZE * 8 + 64))
    else add(stat, 'percpu_swap_cluster', ncpus * 16 * SWAP_NR_ORDERS)
    return { static: stat, dynamic: dyn }
  }

  peekFolio(entry: number): number {
    return this.si(entry).store.peekFolio(swpOffset(entry))
  }

  inspect(entry: number): { count: number; folio: number; state: 'free' | 'used' | 'slot-cache' } {
    const si = this.si(entry)
    const off = swpOffset(entry)
    const folio = si.store.peekFolio(off)
    let state: 'free' | 'used' | 'slot-cache' = si.store.isFree(off) ? 'free' : 'used'
    if (state === 'used' && this.slotCache && folio === NO_FOLIO && si.store.isCacheOnly(off)) {
      for (const l of [...this.cacheSlots, ...this.retSlots]) if (l.includes(entry)) state = 'slot-cache'
    }
    return { count: si.store.count(off), folio, state }
  }

  clusterLists(): ClusterListCounts {
    return this.space.clusterLists()
  }

  check(): void {
    this.space.check()
    // Slots in the per-CPU caches carry HAS_CACHE only and nothing else holds them.
    const seen = new Set<number>()
    for (const list of [...this.cacheSlots, ...this.retSlots])
      for (const e of list) {
        invariant(!seen.has(e), () => `slot ${e} is in two per-CPU slot caches`)
        seen.add(e)
        invariant(
          this.isCacheOnly(e) && this.si(e).store.peekFolio(swpOffset(e)) === NO_FOLIO,
          () => `slot ${swpOffset(e)} in a slot cache is in use`
        )
      }
  }
}
