// Per-slot state of one swap device: use counts, the swap cache and what keeps a slot
// allocated. Two mechanisms: swap_map + XArray swap cache (legacy, 6.10, 6.12+ cluster)
// and the per-cluster swap table (P1..P4). Allocators and designs see only this interface.

import type { Cpu } from '../sim/scheduler'
import { COST } from '../sim/cost'
import { SWAPFILE_CLUSTER, type Counters } from '../types'
import { invariant } from '../errors'
import { SwapMap, SWAP_HAS_CACHE, SWAP_MAP_BAD } from './swapMap'
import { XArray, XA_NODE_BYTES } from './xarray'

export const NO_FOLIO = -1
/** One XArray (and its xa_lock) per 64 MiB of swap: SWAP_ADDRESS_SPACE_PAGES. */
export const SWAP_ADDRESS_SPACE_SHIFT = 14
export const SWAP_ADDRESS_SPACE_PAGES = 1 << SWAP_ADDRESS_SPACE_SHIFT
/** sizeof(struct address_space) on x86-64 (approximate: depends on config). */
export const ADDRESS_SPACE_BYTES = 192

export interface MemoryParts {
  static: Record<string, number>
  dynamic: Record<string, number>
}

export interface SlotStore {
  readonly hasCacheFlag: boolean
  /** Slot can be handed out by the allocator. */
  isFree(off: number): boolean
  /** Slot is held only by the swap cache (count 0): reclaimable when swap is full. */
  isCacheOnly(off: number): boolean
  /** Marks [off, off+nr) allocated for folio (swap_map = HAS_CACHE, or table entries = folio). */
  allocRange(cpu: Cpu, off: number, nr: number, folio: number): void
  count(off: number): number
  dup(cpu: Cpu, off: number): void
  /** Drops one reference; returns true when the slot became unused and must be freed. */
  put(cpu: Cpu, off: number): boolean
  hasCache(off: number): boolean
  setHasCache(off: number): void
  /** Clears HAS_CACHE; returns true when the slot became unused. */
  clearHasCache(off: number): boolean
  cacheGet(cpu: Cpu, off: number): number
  cacheShadow(off: number): number
  /** Folio at off without charging a lookup (checks, VM bookkeeping). */
  peekFolio(off: number): number
  cacheAdd(cpu: Cpu, off: number, nr: number, folio: number): void
  /** Removes the folio from [off, off+nr), leaving a shadow; returns offsets now unused via the callback. */
  cacheDel(cpu: Cpu, off: number, nr: number, shadow: number): void
  /** The slot is being freed: drop its shadow and per-slot data. */
  release(off: number): void
  /** Marks a slot unusable (the header page): SWAP_MAP_BAD or a bad table entry. */
  markBad(off: number): void
  /** A free cluster is being taken for allocation / returned free (swap tables follow the cluster). */
  /** A free cluster is taken for allocation: allocates its table; true when it did. */
  clusterTaken(ci: number): boolean
  /** False for a cluster without its table (swap table): cluster_is_usable refuses it. */
  hasTable(ci: number): boolean
  clusterFreed(ci: number): void
  memory(): MemoryParts
  check(ci: number, clusterCount: number, clusterIsFree: boolean): void
}

/** swap_map bytes + XArray swap cache per 64 MiB (legacy, mthp-6.10, cluster). */
export class MapXArrayStore implements SlotStore {
  readonly hasCacheFlag = true
  readonly swapMap: SwapMap
  readonly spaces: XArray[]

  /**
   * @param fullIndex the XArray index is the whole swap offset (before 6.11); from 6.11
   *   (swap_cache_index(), "mm/swap: reduce swap cache search space") it is the offset within
   *   the 64 MiB address space, so each tree is at most 3 levels deep.
   */
  constructor(
    private readonly nslots: number,
    private readonly counters: Counters,
    private readonly fullIndex = false
  ) {
    this.swapMap = new SwapMap(nslots)
    this.spaces = Array.from({ length: Math.ceil(nslots / SWAP_ADDRESS_SPACE_PAGES) }, () => new XArray())
  }

  isFree(off: number): boolean {
    return this.swapMap.map[off] === 0
  }
  isCacheOnly(off: number): boolean {
    return this.swapMap.map[off] === SWAP_HAS_CACHE
  }
  allocRange(cpu: Cpu, off: number, nr: number): void {
    this.swapMap.map.fill(SWAP_HAS_CACHE, off, off + nr)
    cpu.charge(COST.slotUpdate * nr)
  }
  count(off: number): number {
    return this.swapMap.count(off)
  }
  dup(cpu: Cpu, off: number): void {
    if (this.swapMap.inc(off)) {
      this.counters.continuationAllocs++
      cpu.charge(COST.continuationAlloc)
    }
    cpu.charge(COST.slotUpdate)
  }
  put(cpu: Cpu, off: number): boolean {
    this.swapMap.dec(off)
    cpu.charge(COST.slotUpdate)
    return this.swapMap.map[off] === 0
  }
  hasCache(off: number): boolean {
    return this.swapMap.hasCache(off)
  }
  setHasCache(off: number): void {
    this.swapMap.setHasCache(off)
  }
  clearHasCache(off: number): boolean {
    this.swapMap.clearHasCache(off)
    return this.swapMap.map[off] === 0
  }
  /** swap_cache_index(): the key of the slot in its address space's XArray. */
  private index(off: number): number {
    return this.fullIndex ? off : off & (SWAP_ADDRESS_SPACE_PAGES - 1)
  }
  cacheGet(cpu: Cpu, off: number): number {
    const v = this.spaces[off >>> SWAP_ADDRESS_SPACE_SHIFT].load(this.index(off))
    cpu.charge(COST.xarrayLevel * (this.spaces[off >>> SWAP_ADDRESS_SPACE_SHIFT].lastDepth + 1))
    return v !== undefined && v >= 0 ? v : NO_FOLIO
  }
  cacheShadow(off: number): number {
    const v = this.spaces[off >>> SWAP_ADDRESS_SPACE_SHIFT].load(this.index(off))
    return v !== undefined && v < 0 ? -v - 1 : -1
  }
  cacheAdd(cpu: Cpu, off: number, nr: number, folio: number): void {
    for (let i = 0; i < nr; i++) this.xaStore(cpu, off + i, folio)
  }
  cacheDel(cpu: Cpu, off: number, nr: number, shadow: number): void {
    for (let i = 0; i < nr; i++) this.xaStore(cpu, off + i, -shadow - 1)
  }
  release(off: number): void {
    const xa = this.spaces[off >>> SWAP_ADDRESS_SPACE_SHIFT]
    xa.erase(this.index(off))
  }
  markBad(off: number): void {
    this.swapMap.map[off] = SWAP_MAP_BAD
  }
  clusterTaken(): boolean {
    return false
  }
  hasTable(): boolean {
    return true
  }
  clusterFreed(): void {}
  private xaStore(cpu: Cpu, off: number, v: number): void {
    const xa = this.spaces[off >>> SWAP_ADDRESS_SPACE_SHIFT]
    xa.store(this.index(off), v)
    cpu.charge(COST.xarrayLevel * (xa.lastDepth + 1) + COST.xarrayNodeAlloc * xa.lastNodeChurn)
  }
  memory(): MemoryParts {
    let nodes = 0
    for (const xa of this.spaces) nodes += xa.nodes
    return {
      static: { swap_map: this.nslots, address_space: this.spaces.length * ADDRESS_SPACE_BYTES },
      dynamic: { xarray_nodes: nodes * XA_NODE_BYTES, swap_map_continuation: this.swapMap.continuationBytes() }
    }
  }
  check(ci: number, clusterCount: number): void {
    let used = 0
    const base = ci * SWAPFILE_CLUSTER
    const end = Math.min(base + SWAPFILE_CLUSTER, this.nslots)
    for (let off = base; off < end; off++) {
      if (this.swapMap.map[off] !== 0) used++
      else invariant(this.cacheShadow(off) < 0 && this.peekFolio(off) === NO_FOLIO, () => `free slot ${off} still has a swap cache entry`)
    }
    invariant(used === clusterCount, () => `cluster ${ci}: ${used} slots in use in swap_map, cluster count ${clusterCount}`)
  }
  peekFolio(off: number): number {
    const v = this.spaces[off >>> SWAP_ADDRESS_SPACE_SHIFT].load(off & (SWAP_ADDRESS_SPACE_PAGES - 1))
    return v !== undefined && v >= 0 ? v : NO_FOLIO
  }
}

// Swap table entry: two 32-bit words per slot (8 bytes; 512 entries = one 4 KiB page).
// lo: bits 0-1 type, bits 2-5 count (P3+; 15 = see extension table), bit 6 zero page (P4),
//     bits 8-23 the memcg id of a shadow entry (P4 with the RFC's layout: the id travels in
//     the shadow, shadow_to_memcgid; while a folio is cached, the folio's memcg is the id).
// hi: folio id (or pfn) for a folio entry, workingset shadow for a shadow entry.
const T_EMPTY = 0
const T_FOLIO = 1
const T_SHADOW = 2
const T_BAD = 3
const TYPE_MASK = 3
const COUNT_SHIFT = 2
const COUNT_MASK = 0xf << COUNT_SHIFT
const COUNT_EXT = 15
export const TABLE_BYTES = SWAPFILE_CLUSTER * 8
export const EXT_TABLE_BYTES = SWAPFILE_CLUSTER * 4
export const MEMCG_TABLE_BYTES = SWAPFILE_CLUSTER * 2
const MEMCG_SHIFT = 8
const MEMCG_BITS = 0xffff << MEMCG_SHIFT
/** The memcg id the lab's single memory cgroup charges swap to. */
export const LAB_MEMCG_ID = 1

/**
 * The swap table (P1..P4): per-cluster tables allocated while the cluster is in use. P4
 * takes memcg ids out of the static swap_cgroup array in one of two layouts: 'table', a
 * 1 KiB memcg table per cluster in use (the posted series from v2: "that table size is
 * acceptable (1024 bytes) ... fits for kmalloc"), or 'shadow', the id packed in the
 * swap table's shadow entries and taken from the folio while it is cached (RFC v1,
 * "mm/swap, memcg: remove swap cgroup array": no memory of its own).
 */
export class TableStore implements SlotStore {
  readonly hasCacheFlag: boolean
  /** swap_map survives until P3; P2 drops HAS_CACHE from it. */
  readonly swapMap: SwapMap | null
  private readonly tables: (Uint32Array | null)[]
  private readonly ext: (Uint32Array | null)[] /** P3+: counts >= 15, per cluster, on demand */
  private readonly extUsers: Uint16Array /** slots of the cluster whose count lives in ext */
  private readonly memcg: (Uint16Array | null)[] /** P4: memcg id per slot */
  nrTables = 0
  nrExt = 0

  constructor(
    private readonly nslots: number,
    readonly phase: 1 | 2 | 3 | 4,
    private readonly counters: Counters,
    readonly memcgLayout: 'table' | 'shadow' = 'table'
  ) {
    const nclusters = Math.ceil(nslots / SWAPFILE_CLUSTER)
    this.hasCacheFlag = phase === 1
    this.swapMap = phase <= 2 ? new SwapMap(nslots) : null
    this.tables = new Array(nclusters).fill(null)
    this.ext = new Array(nclusters).fill(null)
    this.extUsers = new Uint16Array(nclusters)
    this.memcg = new Array(nclusters).fill(null)
  }

  private lo(off: number): number {
    const t = this.tables[Math.floor(off / SWAPFILE_CLUSTER)]
    return t ? t[(off % SWAPFILE_CLUSTER) * 2] : 0
  }

  private table(off: number): Uint32Array {
    const t = this.tables[Math.floor(off / SWAPFILE_CLUSTER)]
    invariant(t, () => `slot ${off}: cluster has no swap table`)
    return t
  }

  isFree(off: number): boolean {
    if (this.swapMap) return this.swapMap.map[off] === 0 && (this.lo(off) & TYPE_MASK) !== T_FOLIO
    return (this.lo(off) & TYPE_MASK) === T_EMPTY
  }
  isCacheOnly(off: number): boolean {
    if (this.phase === 1) return this.swapMap!.map[off] === SWAP_HAS_CACHE
    return (this.lo(off) & TYPE_MASK) === T_FOLIO && this.count(off) === 0
  }
  allocRange(cpu: Cpu, off: number, nr: number, folio: number): void {
    if (this.phase === 1) this.swapMap!.map.fill(SWAP_HAS_CACHE, off, off + nr)
    else {
      // P2+: the folio goes into the table in the same cluster-lock section as allocation.
      const t = this.table(off)
      for (let i = 0; i < nr; i++) {
        const j = ((off + i) % SWAPFILE_CLUSTER) * 2
        t[j] = T_FOLIO
        t[j + 1] = folio
      }
      this.counters.swapCacheAdd += nr
    }
    // swap_cgroup_record at folio_alloc_swap: P4's table layout writes its memcg table.
    for (let i = 0; i < nr; i++) this.setMemcg(off + i, LAB_MEMCG_ID)
    cpu.charge(COST.tableAccess * nr)
  }
  count(off: number): number {
    if (this.swapMap) return this.swapMap.count(off)
    const c = (this.lo(off) & COUNT_MASK) >>> COUNT_SHIFT
    if (c !== COUNT_EXT) return c
    const ci = Math.floor(off / SWAPFILE_CLUSTER)
    return this.ext[ci]![off % SWAPFILE_CLUSTER]
  }
  dup(cpu: Cpu, off: number): void {
    cpu.charge(COST.tableAccess)
    if (this.swapMap) {
      if (this.swapMap.inc(off)) {
        this.counters.continuationAllocs++
        cpu.charge(COST.continuationAlloc)
      }
      return
    }
    const t = this.table(off)
    const j = (off % SWAPFILE_CLUSTER) * 2
    const c = (t[j] & COUNT_MASK) >>> COUNT_SHIFT
    if (c < COUNT_EXT - 1) {
      t[j] += 1 << COUNT_SHIFT
      return
    }
    const ci = Math.floor(off / SWAPFILE_CLUSTER)
    if (c === COUNT_EXT - 1) {
      // 14 -> 15: the count moves into the extension table.
      if (!this.ext[ci]) {
        this.ext[ci] = new Uint32Array(SWAPFILE_CLUSTER)
        this.nrExt++
        this.counters.extensionTableAllocs++
        cpu.charge(COST.continuationAlloc)
      }
      this.ext[ci]![off % SWAPFILE_CLUSTER] = COUNT_EXT
      this.extUsers[ci]++
      t[j] = (t[j] & ~COUNT_MASK) | (COUNT_EXT << COUNT_SHIFT)
      return
    }
    this.ext[ci]![off % SWAPFILE_CLUSTER]++
  }
  put(cpu: Cpu, off: number): boolean {
    cpu.charge(COST.tableAccess)
    if (this.swapMap) {
      this.swapMap.dec(off)
      return this.swapMap.map[off] === 0 && (this.lo(off) & TYPE_MASK) !== T_FOLIO
    }
    const t = this.table(off)
    const j = (off % SWAPFILE_CLUSTER) * 2
    const c = (t[j] & COUNT_MASK) >>> COUNT_SHIFT
    invariant(c > 0, () => `swap count underflow at slot ${off}`)
    if (c === COUNT_EXT) {
      const ci = Math.floor(off / SWAPFILE_CLUSTER)
      const e = this.ext[ci]!
      const i = off % SWAPFILE_CLUSTER
      e[i]--
      if (e[i] === COUNT_EXT - 1) {
        e[i] = 0
        t[j] = (t[j] & ~COUNT_MASK) | ((COUNT_EXT - 1) << COUNT_SHIFT)
        if (--this.extUsers[ci] === 0) {
          this.ext[ci] = null
          this.nrExt--
          this.counters.extensionTableFrees++
        }
      }
      return false
    }
    t[j] -= 1 << COUNT_SHIFT
    return c === 1 && (t[j] & TYPE_MASK) !== T_FOLIO
  }
  hasCache(off: number): boolean {
    return this.phase === 1 ? this.swapMap!.hasCache(off) : (this.lo(off) & TYPE_MASK) === T_FOLIO
  }
  setHasCache(off: number): void {
    invariant(this.phase === 1, 'HAS_CACHE exists only in swap table phase 1')
    this.swapMap!.setHasCache(off)
  }
  clearHasCache(off: number): boolean {
    invariant(this.phase === 1, 'HAS_CACHE exists only in swap table phase 1')
    this.swapMap!.clearHasCache(off)
    return this.swapMap!.map[off] === 0
  }
  cacheGet(cpu: Cpu, off: number): number {
    cpu.charge(COST.tableAccess)
    const t = this.tables[Math.floor(off / SWAPFILE_CLUSTER)]
    if (!t) return NO_FOLIO
    const j = (off % SWAPFILE_CLUSTER) * 2
    return (t[j] & TYPE_MASK) === T_FOLIO ? t[j + 1] : NO_FOLIO
  }
  peekFolio(off: number): number {
    const t = this.tables[Math.floor(off / SWAPFILE_CLUSTER)]
    if (!t) return NO_FOLIO
    const j = (off % SWAPFILE_CLUSTER) * 2
    return (t[j] & TYPE_MASK) === T_FOLIO ? t[j + 1] : NO_FOLIO
  }
  cacheShadow(off: number): number {
    const t = this.tables[Math.floor(off / SWAPFILE_CLUSTER)]
    if (!t) return -1
    const j = (off % SWAPFILE_CLUSTER) * 2
    return (t[j] & TYPE_MASK) === T_SHADOW ? t[j + 1] : -1
  }
  cacheAdd(cpu: Cpu, off: number, nr: number, folio: number): void {
    const t = this.table(off)
    invariant((off % SWAPFILE_CLUSTER) + nr <= SWAPFILE_CLUSTER, () => `range ${off}+${nr} crosses a cluster`)
    for (let i = 0; i < nr; i++) {
      const j = ((off + i) % SWAPFILE_CLUSTER) * 2
      // The folio replaces the shadow; with the shadow layout its memcg now carries the id.
      t[j] = (t[j] & ~(TYPE_MASK | MEMCG_BITS)) | T_FOLIO
      t[j + 1] = folio
    }
    cpu.charge(COST.tableAccess * nr)
  }
  cacheDel(cpu: Cpu, off: number, nr: number, shadow: number): void {
    const t = this.table(off)
    invariant((off % SWAPFILE_CLUSTER) + nr <= SWAPFILE_CLUSTER, () => `range ${off}+${nr} crosses a cluster`)
    // The shadow layout packs the memcg id (of the folio leaving) into the shadow entry.
    const id = this.memcgInShadow ? LAB_MEMCG_ID << MEMCG_SHIFT : 0
    for (let i = 0; i < nr; i++) {
      const j = ((off + i) % SWAPFILE_CLUSTER) * 2
      t[j] = (t[j] & ~(TYPE_MASK | MEMCG_BITS)) | T_SHADOW | id
      t[j + 1] = shadow >>> 0
    }
    cpu.charge(COST.tableAccess * nr)
  }
  release(off: number): void {
    const ci = Math.floor(off / SWAPFILE_CLUSTER)
    const t = this.tables[ci]
    if (t) {
      const j = (off % SWAPFILE_CLUSTER) * 2
      t[j] = 0
      t[j + 1] = 0
    }
    const m = this.memcg[ci]
    if (m) m[off % SWAPFILE_CLUSTER] = 0
  }
  markBad(off: number): void {
    if (this.swapMap) this.swapMap.map[off] = SWAP_MAP_BAD
    else this.table(off)[(off % SWAPFILE_CLUSTER) * 2] = T_BAD
  }
  clusterTaken(ci: number): boolean {
    if (this.tables[ci]) return false
    this.tables[ci] = new Uint32Array(SWAPFILE_CLUSTER * 2)
    if (this.memcgTable) this.memcg[ci] = new Uint16Array(SWAPFILE_CLUSTER)
    this.nrTables++
    this.counters.tableAllocs++
    return true
  }
  hasTable(ci: number): boolean {
    return this.tables[ci] !== null
  }
  clusterFreed(ci: number): void {
    if (!this.tables[ci]) return
    this.tables[ci] = null
    this.memcg[ci] = null
    this.nrTables--
    this.counters.tableFrees++
  }
  /** P4, table layout: a per-cluster memcg table. */
  private get memcgTable(): boolean {
    return this.phase === 4 && this.memcgLayout === 'table'
  }
  /** P4, shadow layout: the id is in the shadow entry (or the cached folio's memcg). */
  private get memcgInShadow(): boolean {
    return this.phase === 4 && this.memcgLayout === 'shadow'
  }
  /** P4 table layout: the memcg id of a slot lives in the per-cluster memcg table. */
  setMemcg(off: number, id: number): void {
    const m = this.memcg[Math.floor(off / SWAPFILE_CLUSTER)]
    if (m) m[off % SWAPFILE_CLUSTER] = id
  }
  /** P4: the memcg id swap of slot off is charged to (lookup_swap_cgroup_id / shadow_to_memcgid); 0 if none. */
  memcgOf(off: number): number {
    const ci = Math.floor(off / SWAPFILE_CLUSTER)
    if (this.memcgTable) return this.memcg[ci]?.[off % SWAPFILE_CLUSTER] ?? 0
    const lo = this.lo(off)
    if ((lo & TYPE_MASK) === T_FOLIO) return LAB_MEMCG_ID // folio_memcg of the cached folio
    return (lo & TYPE_MASK) === T_SHADOW ? (lo & MEMCG_BITS) >>> MEMCG_SHIFT : 0
  }
  memory(): MemoryParts {
    const stat: Record<string, number> = {}
    if (this.swapMap) stat.swap_map = this.nslots
    const dyn: Record<string, number> = { swap_tables: this.nrTables * TABLE_BYTES }
    if (this.swapMap) dyn.swap_map_continuation = this.swapMap.continuationBytes()
    if (this.phase >= 3) dyn.count_extension_tables = this.nrExt * EXT_TABLE_BYTES
    if (this.memcgTable) dyn.memcg_tables = this.nrTables * MEMCG_TABLE_BYTES
    return { static: stat, dynamic: dyn }
  }
  check(ci: number, clusterCount: number, clusterIsFree: boolean): void {
    const t = this.tables[ci]
    if (clusterIsFree) invariant(!t || clusterCount === 0, () => `free cluster ${ci} has a swap table with ${clusterCount} slots in use`)
    if (clusterCount > 0) invariant(t, () => `cluster ${ci} has ${clusterCount} slots in use but no swap table`)
    if (!t) return
    let used = 0
    let ext = 0
    const base = ci * SWAPFILE_CLUSTER
    const end = Math.min(base + SWAPFILE_CLUSTER, this.nslots)
    for (let off = base; off < end; off++) {
      if (!this.isFree(off)) {
        used++
        // P4: every slot in use can name its memcg (from the memcg table, the shadow or the folio).
        if (this.phase === 4 && (t[(off - base) * 2] & TYPE_MASK) !== T_BAD)
          invariant(this.memcgOf(off) === LAB_MEMCG_ID, () => `slot ${off} has lost its memcg id (${this.memcgOf(off)})`)
      } else {
        invariant((t[(off - base) * 2] & TYPE_MASK) === T_EMPTY, () => `free slot ${off} keeps a table entry`)
        if (this.memcgTable) invariant(this.memcgOf(off) === 0, () => `free slot ${off} keeps memcg id ${this.memcgOf(off)}`)
      }
      if (!this.swapMap && (t[(off - base) * 2] & COUNT_MASK) >>> COUNT_SHIFT === COUNT_EXT) ext++
    }
    invariant(used === clusterCount, () => `cluster ${ci}: ${used} slots in use in the table, cluster count ${clusterCount}`)
    invariant(ext === this.extUsers[ci], () => `cluster ${ci}: ${ext} slots use the extension table, recorded ${this.extUsers[ci]}`)
    invariant(ext > 0 === !!this.ext[ci], () => `cluster ${ci}: extension table presence does not match its users`)
  }
}
