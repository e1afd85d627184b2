// vswap: Nhat Pham's virtual swap space (v3 and earlier). Page tables hold virtual slots;
// a per-entry descriptor holds the count, the swap cache folio or shadow, the memcg id and
// the backend (nothing yet, a physical slot, a zswap copy, or the zero marker). Virtual
// slots are taken at swapout; physical slots only at writeout, from the ordinary cluster
// allocator, with a reverse map back to the virtual slot. There is no SWAP_HAS_CACHE and
// no SYNC_IO bypass: every swapin goes through the cache held in the descriptor.
//
// Capacity: the lab's VM cannot fail a writeout, so every virtual slot commits one slot
// of physical capacity (usedSlots = live descriptors <= totalSlots = physical slots).
// A zswap copy or a not-yet-written folio holds no physical slot, but could need one
// (writeback, or a rejected store). VSWAP.md explains this and the memory accounting.

import { type ClusterListCounts, type Counters, type EngineConfig, type VswapDescriptorBytes } from '../types'
import type { Cpu, SimClock } from '../sim/scheduler'
import { COST } from '../sim/cost'
import { LockArray, SimLock } from '../sim/lock'
import { invariant } from '../errors'
import type { PageStore } from '../device/pageStore'
import { SwapInfo } from '../swap/swapInfo'
import { SwapSpace } from '../swap/swapSpace'
import { ClusterAllocator } from '../swap/clusterAllocator'
import type { MemoryParts } from '../swap/slotStore'
import { NO_ENTRY, type AddResult, type DesignTraits, type IoBatch, type SwapDesign } from './design'
import { swpEntry, swpOffset, swpType } from './classic'
import { B_FREE, B_NONE, B_PHYS, B_ZERO, B_ZSWAP, Descriptors } from './vswap/descriptors'
import { VirtualClusters } from './vswap/virtualClusters'
import { NO_OWNER, PhysSlotStore } from './vswap/physStore'
import { ZswapPool } from './vswap/zswap'
import { percpuBytes, PHYS_CLUSTER_INFO_BYTES, VSWAP_CLUSTER, VSWAP_CLUSTER_BYTES, ZSWAP_ENTRY_BYTES } from './vswap/sizes'

/** memcg id the lab's single cgroup charges (the VM has one memory cgroup). */
const MEMCG_ID = 1
/** zswap.accept_threshold_percent: once full, the pool shrinks to this share before storing again. */
const ZSWAP_ACCEPT_THRESHOLD = 0.9

/** What memory() returns for vswap: metadata plus the swapped data held in memory. */
export interface VswapMemoryParts extends MemoryParts {
  /** Data, not metadata: kept out of the metadata totals (zswap_pool). */
  data: Record<string, number>
}

export class VswapDesign implements SwapDesign {
  readonly name = 'vswap' as const
  readonly traits: DesignTraits = {
    hasCacheFlag: false,
    syncBypass: false,
    discontiguousSwapout: false,
    mthpSwapin: false,
    swapcacheWq: false,
    syncMthpSwapin: false
  }
  readonly descriptorBytes: VswapDescriptorBytes
  readonly desc = new Descriptors() /** per virtual slot; protected by the vswap cluster lock */
  readonly vclusters: VirtualClusters /** virtual slot allocator */
  readonly space: SwapSpace /** the physical devices, priorities and round-robin */
  readonly devices: SwapInfo[] /** by swap type */
  readonly stores: PhysSlotStore[] /** bitmaps and reverse map per device */
  readonly zswap: ZswapPool | null /** in-memory compressed backend, when enabled */
  private readonly allocator: ClusterAllocator /** physical slots, at writeout */
  private readonly vswapLocks: LockArray /** per virtual cluster */
  private readonly zswapLock: SimLock /** pool allocation and LRU */
  private reclaimer: (cpu: Cpu, entry: number) => number = () => 0
  private reclaimCursor = 0 /** where the next cache-only reclaim scan starts */

  constructor(
    cfg: EngineConfig,
    pageStores: PageStore[],
    readonly counters: Counters,
    clock: SimClock
  ) {
    this.descriptorBytes = cfg.designOptions.descriptorBytes ?? 24
    this.stores = cfg.devices.map((d) => new PhysSlotStore(Math.floor(d.sizeBytes / 4096)))
    this.devices = cfg.devices.map((d, i) => new SwapInfo(i, d, this.stores[i], pageStores[i], cfg.cpus, clock, counters, true))
    this.space = new SwapSpace(this.devices, cfg.cpus, counters)
    this.allocator = new ClusterAllocator(this.space)
    this.vclusters = new VirtualClusters(this.desc, cfg.cpus)
    this.vswapLocks = new LockArray('vswap', clock, counters)
    this.zswapLock = new SimLock('zswap', clock, counters)
    const pool = cfg.designOptions.zswapPoolBytes ?? 0
    this.zswap = pool > 0 ? new ZswapPool(pool, cfg.storage === 'file') : null
  }

  setCacheReclaimer(fn: (cpu: Cpu, entry: number) => number): void {
    this.reclaimer = fn
  }

  canSwapOrder(): boolean {
    return true // virtual ranges are contiguous for any order; physical backing may be scattered
  }

  private vlock(v: number): SimLock {
    return this.vswapLocks.get(Math.floor(v / VSWAP_CLUSTER))
  }

  // ---- allocation ---------------------------------------------------------------------

  /** folio_alloc_swap: 2^order contiguous virtual slots with the folio in their descriptors. */
  allocSwap(cpu: Cpu, order: number, folio: number, out: number[]): number {
    const nr = 1 << order
    this.counters.allocCalls++
    out.length = 0
    if (this.desc.live + nr > this.totalSlots() && !this.reclaimCacheOnly(cpu, nr)) {
      this.counters.allocFailures++
      return NO_ENTRY
    }
    const t0 = cpu.now
    const v = this.vclusters.alloc(cpu.id, order)
    for (let i = 0; i < nr; i++) this.desc.init(v + i, folio, MEMCG_ID)
    this.counters.slotsScanned += this.vclusters.scanned
    cpu.charge(this.vclusters.scanned * COST.scanSlot + nr * COST.vswapDescAlloc)
    this.vlock(v).holdAfter(cpu, t0)
    this.counters.swapCacheAdd += nr
    return v
  }

  /**
   * Committed capacity is used up: drop folios that are only in the swap cache (count 0)
   * so their slots come free, as the allocators of the other designs reclaim HAS_CACHE-only
   * slots when swap is full. Returns true when nr slots are now available.
   */
  private reclaimCacheOnly(cpu: Cpu, nr: number): boolean {
    const d = this.desc
    const cap = this.vclusters.nr * VSWAP_CLUSTER
    let scanned = 0
    for (let n = 0; n < cap && d.live + nr > this.totalSlots(); n++) {
      const v = this.reclaimCursor % cap
      this.reclaimCursor = (v + 1) % cap
      scanned++
      // The VM drops the folio from the cache unless it is busy or still referenced.
      if (d.backend[v] !== B_FREE && d.count[v] === 0 && d.folio[v] >= 0) this.reclaimer(cpu, v)
    }
    cpu.charge(scanned * COST.scanSlot)
    this.counters.slotsScanned += scanned
    return d.live + nr <= this.totalSlots()
  }

  /** A descriptor nothing holds any more: release its backend, free it and its virtual slot. */
  private freeSlot(cpu: Cpu, v: number): void {
    this.releaseBackend(cpu, v)
    const t0 = cpu.now
    this.desc.clear(v)
    this.vclusters.free(v)
    // Descriptor free and the cluster bookkeeping behind it: vswap's "slower frees".
    cpu.charge(COST.vswapDescAlloc)
    this.vlock(v).holdAfter(cpu, t0)
  }

  /** Drops whatever holds slot v's data (physical slot or zswap copy); the backend becomes NONE. */
  private releaseBackend(cpu: Cpu, v: number): void {
    const d = this.desc
    const b = d.backend[v]
    if (b === B_PHYS) {
      const p = d.phys[v]
      const si = this.devices[swpType(p)]
      this.allocator.free(cpu, si, swpOffset(p), 1)
    } else if (b === B_ZSWAP) {
      const t0 = cpu.now
      this.zswap!.remove(v)
      cpu.charge(COST.slotUpdate)
      this.zswapLock.holdAfter(cpu, t0)
    }
    if (b !== B_FREE) {
      d.backend[v] = B_NONE
      d.phys[v] = -1
    }
  }

  // ---- counts -------------------------------------------------------------------------

  dup(cpu: Cpu, entry: number): void {
    const d = this.desc
    invariant(d.isLive(entry), () => `swap_duplicate of free virtual slot ${entry}`)
    const t0 = cpu.now
    d.count[entry]++
    cpu.charge(COST.vswapIndirection + COST.slotUpdate)
    this.vlock(entry).holdAfter(cpu, t0)
  }

  put(cpu: Cpu, entry: number): void {
    const d = this.desc
    invariant(d.isLive(entry) && d.count[entry] > 0, () => `swap_free of virtual slot ${entry} with count 0`)
    const t0 = cpu.now
    d.count[entry]--
    cpu.charge(COST.vswapIndirection + COST.slotUpdate)
    this.vlock(entry).holdAfter(cpu, t0)
    if (d.count[entry] === 0 && d.folio[entry] < 0) this.freeSlot(cpu, entry)
  }

  count(entry: number): number {
    return this.desc.isLive(entry) ? this.desc.count[entry] : 0
  }

  isCacheOnly(entry: number): boolean {
    const d = this.desc
    return d.isLive(entry) && d.count[entry] === 0 && d.folio[entry] >= 0
  }

  // ---- swap cache (in the descriptor) -------------------------------------------------

  cacheLookup(cpu: Cpu, entry: number): number {
    this.counters.swapCacheLookup++
    cpu.charge(COST.vswapIndirection)
    const f = this.desc.isLive(entry) ? this.desc.folio[entry] : -1
    if (f >= 0) this.counters.swapCacheHit++
    return f
  }

  shadow(entry: number): number {
    return this.desc.isLive(entry) ? this.desc.shadow[entry] : -1
  }

  swapinAdd(cpu: Cpu, entry: number, nr: number, folio: number): AddResult {
    const d = this.desc
    const t0 = cpu.now
    cpu.charge(COST.vswapIndirection * nr)
    for (let i = 0; i < nr; i++) {
      const v = entry + i
      if (!d.isLive(v) || (d.count[v] === 0 && d.folio[v] < 0)) {
        this.vlock(entry).holdAfter(cpu, t0)
        return 'freed'
      }
      if (d.folio[v] >= 0) {
        this.vlock(entry).holdAfter(cpu, t0)
        return 'exists'
      }
    }
    for (let i = 0; i < nr; i++) {
      d.folio[entry + i] = folio
      d.shadow[entry + i] = -1
    }
    cpu.charge(COST.slotUpdate * nr)
    this.vlock(entry).holdAfter(cpu, t0)
    this.counters.swapCacheAdd += nr
    return 'ok'
  }

  cacheDelete(cpu: Cpu, entry: number, nr: number, shadow: number): void {
    const d = this.desc
    const t0 = cpu.now
    for (let i = 0; i < nr; i++) {
      const v = entry + i
      invariant(d.isLive(v) && d.folio[v] >= 0, () => `virtual slot ${v} has no folio to delete from the swap cache`)
      d.folio[v] = -1
      d.shadow[v] = shadow
    }
    cpu.charge((COST.vswapIndirection + COST.slotUpdate) * nr)
    this.vlock(entry).holdAfter(cpu, t0)
    this.counters.swapCacheDelete += nr
    for (let i = 0; i < nr; i++) if (d.count[entry + i] === 0) this.freeSlot(cpu, entry + i)
  }

  pinForBypass(): AddResult {
    throw new Error('vswap has no SWP_SYNCHRONOUS_IO bypass: every swapin goes through the swap cache')
  }

  unpinBypass(): void {
    throw new Error('vswap has no SWP_SYNCHRONOUS_IO bypass: every swapin goes through the swap cache')
  }

  // ---- I/O ----------------------------------------------------------------------------

  /**
   * Writeout of nr virtual slots of one folio: zswap when it takes the whole folio (the
   * kernel stores a large folio all or nothing), else physical slots allocated now.
   */
  writeFolio(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    // A rewrite replaces the old copy: the new one is written wherever it fits.
    for (let i = 0; i < nr; i++) {
      invariant(this.desc.isLive(entry + i), () => `writeout of free virtual slot ${entry + i}`)
      this.releaseBackend(cpu, entry + i)
    }
    if (this.zswap && this.zswapStore(cpu, entry, nr, batch)) return cpu.now
    return this.writePhysical(cpu, entry, nr, batch)
  }

  /** zswap_store for a whole folio; false when rejected (then it goes to a physical slot). */
  private zswapStore(cpu: Cpu, entry: number, nr: number, batch: IoBatch): boolean {
    const pool = this.zswap!
    const c = this.counters
    const stored = []
    let need = 0
    for (let i = 0; i < nr; i++) {
      const e = pool.compress(entry + i, batch.origin[i], batch.vpn[i], batch.gen[i])
      stored.push(e)
      need += e.bytes
    }
    cpu.charge(COST.zswapCompress * nr)
    // Incompressible pages are rejected (never the case for the lab's page images).
    if (stored.some((e) => e.len >= 4096) || need > pool.limitBytes) {
      c.zswapRejects += nr
      return false
    }
    if (pool.poolBytes + need > pool.limitBytes) this.zswapShrink(cpu, pool.limitBytes * ZSWAP_ACCEPT_THRESHOLD - need)
    if (pool.poolBytes + need > pool.limitBytes) {
      c.zswapRejects += nr
      return false
    }
    const t0 = cpu.now
    for (let i = 0; i < nr; i++) {
      pool.add(entry + i, stored[i])
      this.desc.backend[entry + i] = B_ZSWAP
    }
    cpu.charge((COST.slotUpdate + COST.vswapIndirection) * nr)
    this.zswapLock.holdAfter(cpu, t0)
    c.zswapStores += nr
    return true
  }

  /**
   * zswap writeback (shrink_worker, done inline here): the oldest entries go to physical
   * slots until the pool is at most `target` bytes. Entries whose folio is in the swap
   * cache are skipped, as zswap_writeback_entry skips them.
   */
  private zswapShrink(cpu: Cpu, target: number): void {
    const pool = this.zswap!
    const d = this.desc
    const victims: number[] = []
    let bytes = pool.poolBytes
    for (const [v, e] of pool.entries) {
      if (bytes <= target) break
      if (d.folio[v] >= 0) continue
      victims.push(v)
      bytes -= e.bytes
    }
    for (const v of victims) {
      const p = this.allocPhys(cpu, v, 0)
      if (p === NO_ENTRY) break // cannot happen while capacity is committed; stop rather than lose data
      const e = pool.entries.get(v)!
      pool.load(v, e.origin, e.vpn, e.gen)
      cpu.charge(COST.zswapDecompress)
      const t0 = cpu.now
      pool.remove(v)
      this.zswapLock.holdAfter(cpu, t0)
      this.setPhys(cpu, v, p)
      const si = this.devices[swpType(p)]
      const off = swpOffset(p)
      si.pageStore.stage(0, e.origin, e.vpn, e.gen)
      si.pageStore.write(off, 1)
      si.submitIo(cpu.now, off, 1, true)
      cpu.charge(si.model.sync ? si.model.writeLatencyNs + si.model.writePageNs : COST.bioSubmit)
      this.counters.zswapWritebacks++
    }
  }

  /** Physical slots for the folio: one contiguous run if the allocator has one, else page by page. */
  private writePhysical(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    const order = Math.log2(nr)
    let run = nr > 1 && Number.isInteger(order) ? this.allocPhys(cpu, entry, order) : NO_ENTRY
    if (run !== NO_ENTRY) for (let i = 0; i < nr; i++) this.setPhys(cpu, entry + i, run + i)
    else
      for (let i = 0; i < nr; i++) {
        run = this.allocPhys(cpu, entry + i, 0)
        invariant(
          run !== NO_ENTRY,
          () =>
            `no physical slot for virtual slot ${entry + i}: ${this.space.nrSwapPages} free, ${this.desc.live} committed of ${this.totalSlots()}`
        )
        this.setPhys(cpu, entry + i, run)
      }
    return this.physIo(cpu, entry, nr, batch, true)
  }

  /**
   * get_swap_pages for the physical devices: the per-CPU cluster's device first, else the
   * devices in priority order with round-robin; a large run is tried on one device only.
   */
  private allocPhys(cpu: Cpu, owner: number, order: number): number {
    const nr = 1 << order
    for (const si of this.space.availOrder(cpu, order)) {
      if (si.freePages === 0) continue
      const off = si.freePages >= nr ? this.allocator.alloc(cpu, si, order, owner) : -1
      if (off >= 0) return swpEntry(si.type, off)
      if (order) break
    }
    return NO_ENTRY
  }

  private setPhys(cpu: Cpu, v: number, p: number): void {
    const t0 = cpu.now
    this.desc.backend[v] = B_PHYS
    this.desc.phys[v] = p
    cpu.charge(COST.vswapIndirection + COST.slotUpdate)
    this.vlock(v).holdAfter(cpu, t0)
  }

  /** Reads or writes physically backed slots [entry, entry+nr), one request per contiguous run. */
  private physIo(cpu: Cpu, entry: number, nr: number, batch: IoBatch, write: boolean): number {
    const d = this.desc
    let end = cpu.now
    let i = 0
    while (i < nr) {
      const p0 = d.phys[entry + i]
      let j = i + 1
      while (j < nr && d.backend[entry + j] === B_PHYS && d.phys[entry + j] === p0 + (j - i)) j++
      const si = this.devices[swpType(p0)]
      const off = swpOffset(p0)
      const ps = si.pageStore
      for (let k = i; k < j; k++) ps.stage(k - i, batch.origin[k], batch.vpn[k], batch.gen[k])
      if (write) ps.write(off, j - i)
      else ps.read(off, j - i)
      // The VM charges one bio per call; further runs of a scattered folio cost one more each.
      if (i > 0 && !si.model.sync) cpu.charge(COST.bioSubmit)
      end = Math.max(end, si.submitIo(cpu.now, off, j - i, write))
      i = j
    }
    return end
  }

  readEntries(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    const d = this.desc
    let end = cpu.now
    let i = 0
    cpu.charge(COST.vswapIndirection * nr)
    while (i < nr) {
      const v = entry + i
      const b = d.backend[v]
      if (b === B_ZSWAP) {
        this.zswap!.load(v, batch.origin[i], batch.vpn[i], batch.gen[i])
        cpu.charge(COST.zswapDecompress)
        this.counters.zswapLoads++
        i++
        continue
      }
      if (b === B_ZERO) {
        i++
        continue
      }
      invariant(b === B_PHYS, () => `swapin of virtual slot ${v} whose data was never written (backend ${b})`)
      let j = i + 1
      while (j < nr && d.backend[entry + j] === B_PHYS) j++
      const sub: IoBatch = i === 0 ? batch : { origin: batch.origin.subarray(i), vpn: batch.vpn.subarray(i), gen: batch.gen.subarray(i) }
      end = Math.max(end, this.physIo(cpu, v, j - i, sub, false))
      i = j
    }
    return end
  }

  /** zswap and zero entries complete on the CPU, like a synchronous device. */
  isSyncEntry(entry: number): boolean {
    const d = this.desc
    if (!d.isLive(entry)) return false
    const b = d.backend[entry]
    if (b === B_ZSWAP || b === B_ZERO) return true
    if (b === B_PHYS) return this.devices[swpType(d.phys[entry])].model.sync
    return false
  }

  contiguous(a: number, b: number): boolean {
    return b === a + 1 // virtual slots: writeFolio splits the I/O by physical runs itself
  }

  // ---- accounting and checks ----------------------------------------------------------

  /** Live descriptors: physically backed + zswap + zero + not yet written (all commit capacity). */
  usedSlots(): number {
    return this.desc.live
  }

  /** Physical capacity: every virtual slot commits one physical slot. */
  totalSlots(): number {
    return this.space.totalPages
  }

  /** Slots backed by a physical slot right now. */
  physUsedSlots(): number {
    return this.space.totalPages - this.space.nrSwapPages
  }

  memory(): VswapMemoryParts {
    const stat: Record<string, number> = { vswap_rmap: 0, vswap_bitmaps: 0, swap_cluster_info: 0 }
    for (const si of this.devices) {
      const m = si.store.memory()
      stat.vswap_rmap += m.static.vswap_rmap
      stat.vswap_bitmaps += m.static.vswap_bitmaps
      stat.swap_cluster_info += si.ci.nr * PHYS_CLUSTER_INFO_BYTES
    }
    const ncpus = this.space.ncpus
    stat.percpu_swap_cluster = percpuBytes(ncpus)
    stat.vswap_percpu_cluster = percpuBytes(ncpus)
    const dyn: Record<string, number> = {
      vswap_descriptors: this.desc.live * this.descriptorBytes,
      vswap_clusters: this.vclusters.inUse * VSWAP_CLUSTER_BYTES
    }
    const data: Record<string, number> = {}
    if (this.zswap) {
      dyn.zswap_entries = this.zswap.entries.size * ZSWAP_ENTRY_BYTES
      data.zswap_pool = this.zswap.poolBytes
    }
    return { static: stat, dynamic: dyn, data }
  }

  peekFolio(entry: number): number {
    return this.desc.isLive(entry) ? this.desc.folio[entry] : -1
  }

  inspect(entry: number): { count: number; folio: number; state: 'free' | 'used' | 'slot-cache' } {
    const d = this.desc
    if (!d.isLive(entry)) return { count: 0, folio: -1, state: 'free' }
    return { count: d.count[entry], folio: d.folio[entry], state: 'used' }
  }

  /** Backend of a virtual slot, for tests: kind and physical entry. */
  backendOf(entry: number): { kind: 'free' | 'none' | 'phys' | 'zswap' | 'zero'; phys: number } {
    const d = this.desc
    const kinds = ['free', 'none', 'phys', 'zswap', 'zero'] as const
    if (!d.isLive(entry)) return { kind: 'free', phys: -1 }
    return { kind: kinds[d.backend[entry]], phys: d.phys[entry] }
  }

  clusterLists(): ClusterListCounts {
    return this.space.clusterLists()
  }

  /**
   * Descriptors against the virtual clusters, forward map (descriptor -> physical slot)
   * against the reverse map, no physical slot owned twice, zswap entries and pool bytes.
   */
  check(): void {
    this.space.check()
    this.vclusters.check()
    const d = this.desc
    let live = 0
    let phys = 0
    let zswap = 0
    for (let v = 0; v < d.capacity; v++) {
      const b = d.backend[v]
      if (b === B_FREE) {
        invariant(d.count[v] === 0 && d.folio[v] < 0 && d.shadow[v] < 0, () => `free virtual slot ${v} keeps a count, folio or shadow`)
        continue
      }
      live++
      invariant(d.count[v] > 0 || d.folio[v] >= 0, () => `virtual slot ${v} has count 0 and no folio but was not freed`)
      if (b === B_PHYS) {
        phys++
        const p = d.phys[v]
        const store = this.stores[swpType(p)]
        invariant(
          store && store.isAllocated(swpOffset(p)),
          () => `virtual slot ${v} points at physical slot ${swpOffset(p)} of device ${swpType(p)}, which is free`
        )
        invariant(
          store.rmap[swpOffset(p)] === v,
          () => `physical slot ${swpOffset(p)} of device ${swpType(p)} maps back to ${store.rmap[swpOffset(p)]}, not ${v}`
        )
      } else invariant(d.phys[v] === -1, () => `virtual slot ${v} keeps a physical slot without a physical backend`)
      if (b === B_ZSWAP) {
        zswap++
        invariant(this.zswap?.entries.has(v), () => `virtual slot ${v} is backed by zswap but the pool has no entry`)
      }
    }
    invariant(live === d.live, () => `${live} live descriptors, counted ${d.live}`)
    invariant(live <= this.totalSlots(), () => `${live} virtual slots commit more than ${this.totalSlots()} physical slots`)
    // Every allocated physical slot belongs to exactly one live descriptor (bijection).
    let owned = 0
    for (const store of this.stores) {
      owned += store.inUse
      for (let off = 0; off < store.nslots; off++) {
        const v = store.rmap[off]
        if (v === NO_OWNER) continue
        invariant(
          d.isLive(v) && d.backend[v] === B_PHYS && d.phys[v] === swpEntry(this.stores.indexOf(store), off),
          () => `physical slot ${off} maps to virtual slot ${v}, which does not point back`
        )
      }
    }
    invariant(owned === phys, () => `${owned} physical slots allocated, ${phys} descriptors backed by one`)
    invariant(owned === this.physUsedSlots(), () => `${owned} physical slots in the bitmaps, devices count ${this.physUsedSlots()}`)
    if (this.zswap) {
      this.zswap.check()
      invariant(
        this.zswap.entries.size === zswap,
        () => `zswap holds ${this.zswap!.entries.size} entries, ${zswap} descriptors point at it`
      )
      for (const v of this.zswap.entries.keys())
        invariant(d.isLive(v) && d.backend[v] === B_ZSWAP, () => `zswap entry for virtual slot ${v}, which is not backed by zswap`)
    } else invariant(zswap === 0, 'zswap backends without a pool')
  }

  drain(): void {}
}
