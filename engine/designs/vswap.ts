// vswap: Nhat Pham's virtual swap space (RFC v1/v2, v3-v6). Page tables hold virtual slots;
// a per-entry descriptor holds the count, the swap cache folio or shadow, the memcg id and
// the backend (nothing yet, a physical slot, a zswap copy, or the zero marker). Virtual
// slots are taken at swapout; physical slots only at writeout, from the ordinary cluster
// allocator, with a reverse map back to the virtual slot. There is no SWAP_HAS_CACHE and
// no SYNC_IO bypass: every swapin goes through the cache held in the descriptor.
// Backends (devices, zswap, writeout and reads) are in vswap/backends.ts.
//
// Capacity with swap devices: the lab's VM cannot fail a writeout to a device, so every
// virtual slot commits one slot of physical capacity (usedSlots = live descriptors <=
// totalSlots = physical slots). With the zswap-only backing (no device) nothing is
// committed: virtual slots are unbounded and a folio zswap rejects stays in memory.
// VSWAP.md explains both and the memory accounting.

import { type ClusterListCounts, type Counters, type EngineConfig, type VswapDescriptorBytes } from '../types'
import type { Cpu, SimClock } from '../sim/scheduler'
import { COST } from '../sim/cost'
import { LockArray, type SimLock } from '../sim/lock'
import { invariant } from '../errors'
import type { PageStore } from '../device/pageStore'
import type { SwapInfo } from '../swap/swapInfo'
import type { SwapSpace } from '../swap/swapSpace'
import type { MemoryParts } from '../swap/slotStore'
import { NO_ENTRY, type AddResult, type DesignTraits, type IoBatch, type SwapDesign } from './design'
import { B_FREE, B_PHYS, B_ZSWAP, Descriptors } from './vswap/descriptors'
import { VirtualClusters } from './vswap/virtualClusters'
import type { PhysSlotStore } from './vswap/physStore'
import type { ZswapPool } from './vswap/zswap'
import { VswapBackends } from './vswap/backends'
import { physicalDevices } from './vswap/backing'
import { descriptorArrayBytes, descriptorsPerCluster, percpuBytes, VSWAP_CLUSTER, VSWAP_CLUSTER_BYTES } from './vswap/sizes'

/** memcg id the lab's single cgroup charges (the VM has one memory cgroup). */
const MEMCG_ID = 1
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
  readonly backends: VswapBackends /** physical devices and zswap */
  private readonly vswapLocks: LockArray /** per virtual cluster */
  private reclaimer: (cpu: Cpu, entry: number) => number = () => 0
  private reclaimCursor = 0 /** where the next cache-only reclaim scan starts */

  constructor(
    cfg: EngineConfig,
    pageStores: PageStore[],
    readonly counters: Counters,
    clock: SimClock
  ) {
    this.descriptorBytes = cfg.designOptions.descriptorBytes ?? 24
    this.vclusters = new VirtualClusters(this.desc, cfg.cpus)
    this.vswapLocks = new LockArray('vswap', clock, counters)
    const pool = cfg.designOptions.zswapPoolBytes ?? 0
    this.backends = new VswapBackends(
      physicalDevices(cfg),
      pageStores,
      cfg.cpus,
      pool,
      cfg.storage === 'file',
      this.desc,
      counters,
      clock,
      (v) => this.vlock(v)
    )
  }

  get space(): SwapSpace {
    return this.backends.space
  }
  get devices(): SwapInfo[] {
    return this.backends.devices
  }
  get stores(): PhysSlotStore[] {
    return this.backends.stores
  }
  get zswap(): ZswapPool | null {
    return this.backends.zswap
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
    if (!this.backends.zswapOnly && this.desc.live + nr > this.totalSlots() && !this.reclaimCacheOnly(cpu, nr)) {
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
    this.backends.release(cpu, v)
    const t0 = cpu.now
    this.desc.clear(v)
    this.vclusters.free(v)
    // Descriptor free and the cluster bookkeeping behind it: vswap's "slower frees".
    cpu.charge(COST.vswapDescAlloc)
    this.vlock(v).holdAfter(cpu, t0)
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
  // ---- I/O (vswap/backends.ts) ----------------------------------------------------------

  writeFolio(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    return this.backends.write(cpu, entry, nr, batch)
  }

  readEntries(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    return this.backends.read(cpu, entry, nr, batch)
  }

  isSyncEntry(entry: number): boolean {
    return this.backends.isSync(entry)
  }

  contiguous(a: number, b: number): boolean {
    return b === a + 1 // virtual slots: writeFolio splits the I/O by physical runs itself
  }

  // ---- accounting and checks ----------------------------------------------------------

  /** Live descriptors: physically backed + zswap + zero + not yet written (with devices, all commit capacity). */
  usedSlots(): number {
    return this.desc.live
  }

  /** Physical capacity (total_swap_pages): every virtual slot commits one; 0 with no device. */
  totalSlots(): number {
    return this.space.totalPages
  }

  /** Slots backed by a physical slot right now. */
  physUsedSlots(): number {
    return this.backends.physUsedSlots()
  }

  /** zswap-only: the pool is full and no device can take what it rejects. */
  reclaimBlockedReason(): string | undefined {
    const z = this.zswap
    if (!this.backends.zswapOnly || !z?.reachedFull) return undefined
    return `zswap pool full (${z.poolBytes} of ${z.limitBytes} bytes) and no swap device to write back to (zswap-only backing)`
  }

  /**
   * Metadata now: per device the bitmaps and cluster info (static) and the reverse map
   * tables of clusters in use (dynamic); descriptors (v3+: one array per virtual cluster
   * in use, v1/v2: one per live slot), virtual cluster structs, zswap entries; the pool
   * itself as data.
   */
  memory(): VswapMemoryParts {
    const stat: Record<string, number> = {}
    const dyn: Record<string, number> = {}
    const data: Record<string, number> = {}
    this.backends.memory(stat, dyn, data)
    stat.vswap_percpu_cluster = percpuBytes(this.space.ncpus)
    const D = this.descriptorBytes
    dyn.vswap_descriptors = descriptorsPerCluster(D) ? this.vclusters.inUse * descriptorArrayBytes(D) : this.desc.live * D
    dyn.vswap_clusters = this.vclusters.inUse * VSWAP_CLUSTER_BYTES
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
      if (b === B_PHYS) phys++
      else invariant(d.phys[v] === -1, () => `virtual slot ${v} keeps a physical slot without a physical backend`)
      if (b === B_ZSWAP) zswap++
    }
    invariant(live === d.live, () => `${live} live descriptors, counted ${d.live}`)
    if (!this.backends.zswapOnly)
      invariant(live <= this.totalSlots(), () => `${live} virtual slots commit more than ${this.totalSlots()} physical slots`)
    this.backends.check(phys, zswap)
  }

  drain(): void {}
}
