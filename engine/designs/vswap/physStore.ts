// Per-slot state of a physical swap device under the virtual swap space: two bitmaps
// (allocated, bad: v3+ replace the swap_map bytes with them, allocated at swapon) and the
// reverse map from physical slot to the virtual slot it backs, which v3+ keep in the
// physical cluster's swap table: one table per cluster in use, allocated when the cluster
// is taken from the free list and freed when it is free again (the 6.18+ base's dynamic
// swap tables). Counts, the swap cache, memcg ids and zero pages live in the virtual
// descriptors, so this store has none of them: the cluster allocator sees slots that are
// free or in use, never cache-only.

import type { Cpu } from '../../sim/scheduler'
import { COST } from '../../sim/cost'
import { SWAPFILE_CLUSTER } from '../../types'
import { invariant, InvariantError } from '../../errors'
import { NO_FOLIO, type MemoryParts, type SlotStore } from '../../swap/slotStore'
import { bitmapBytes, PHYS_BITMAPS, RMAP_TABLE_BYTES } from './sizes'

export const NO_OWNER = -1

function notHere(what: string): never {
  throw new InvariantError(what)
}

export class PhysSlotStore implements SlotStore {
  readonly hasCacheFlag = false
  readonly allocated: Uint32Array /** bit per slot: backs a virtual slot; protected by the cluster lock */
  readonly bad: Uint32Array /** bit per slot: unusable (the header page) */
  /** Per cluster: the swap table holding the reverse map (virtual slot per physical slot), or null. */
  private readonly tables: (Float64Array | null)[]
  inUse = 0 /** allocated bits set */
  nrTables = 0 /** clusters with a table */

  constructor(
    readonly nslots: number,
    private readonly counters?: { tableAllocs: number; tableFrees: number }
  ) {
    const words = Math.ceil(nslots / 32)
    this.allocated = new Uint32Array(words)
    this.bad = new Uint32Array(words)
    this.tables = new Array(Math.ceil(nslots / SWAPFILE_CLUSTER)).fill(null)
  }

  /** The virtual slot physical slot `off` backs, or NO_OWNER (also when its cluster has no table). */
  owner(off: number): number {
    const t = this.tables[Math.floor(off / SWAPFILE_CLUSTER)]
    return t ? t[off % SWAPFILE_CLUSTER] : NO_OWNER
  }

  private table(off: number): Float64Array {
    const t = this.tables[Math.floor(off / SWAPFILE_CLUSTER)]
    invariant(t, () => `physical slot ${off}: its cluster has no swap table for the reverse map`)
    return t
  }

  isAllocated(off: number): boolean {
    return (this.allocated[off >>> 5] & (1 << (off & 31))) !== 0
  }
  isBad(off: number): boolean {
    return (this.bad[off >>> 5] & (1 << (off & 31))) !== 0
  }

  isFree(off: number): boolean {
    return !this.isAllocated(off) && !this.isBad(off)
  }
  isCacheOnly(): boolean {
    return false
  }
  /** The allocator hands the owning virtual slot through as `owner` (its folio argument). */
  allocRange(cpu: Cpu, off: number, nr: number, owner: number): void {
    for (let i = 0; i < nr; i++) {
      const s = off + i
      invariant(this.isFree(s), () => `physical slot ${s} allocated while in use`)
      this.allocated[s >>> 5] |= 1 << (s & 31)
      this.table(s)[s % SWAPFILE_CLUSTER] = owner + i
    }
    this.inUse += nr
    cpu.charge(COST.slotUpdate * nr)
  }
  count(off: number): number {
    return this.isAllocated(off) ? 1 : 0
  }
  dup(): void {
    return notHere('vswap keeps swap counts in the virtual descriptors, not on the physical device')
  }
  put(): boolean {
    return notHere('vswap keeps swap counts in the virtual descriptors, not on the physical device')
  }
  hasCache(): boolean {
    return false
  }
  setHasCache(): void {
    return notHere('vswap has no SWAP_HAS_CACHE')
  }
  clearHasCache(): boolean {
    return notHere('vswap has no SWAP_HAS_CACHE')
  }
  cacheGet(): number {
    return NO_FOLIO
  }
  cacheShadow(): number {
    return -1
  }
  peekFolio(): number {
    return NO_FOLIO
  }
  cacheAdd(): void {
    return notHere('vswap keeps the swap cache in the virtual descriptors')
  }
  cacheDel(): void {
    return notHere('vswap keeps the swap cache in the virtual descriptors')
  }
  release(off: number): void {
    if (!this.isAllocated(off)) return
    this.allocated[off >>> 5] &= ~(1 << (off & 31))
    this.table(off)[off % SWAPFILE_CLUSTER] = NO_OWNER
    this.inUse--
  }
  markBad(off: number): void {
    this.bad[off >>> 5] |= 1 << (off & 31)
  }
  /** swap_cluster_alloc_table: a cluster leaves the free list; its table (the reverse map) is allocated. */
  clusterTaken(ci: number): boolean {
    if (this.tables[ci]) return false
    this.tables[ci] = new Float64Array(SWAPFILE_CLUSTER).fill(NO_OWNER)
    this.nrTables++
    if (this.counters) this.counters.tableAllocs++
    return true
  }
  /** cluster_is_usable: the per-CPU fast path does not reuse a cluster whose table was freed. */
  hasTable(ci: number): boolean {
    return this.tables[ci] !== null
  }
  /** The cluster is free again: its table goes. */
  clusterFreed(ci: number): void {
    if (!this.tables[ci]) return
    this.tables[ci] = null
    this.nrTables--
    if (this.counters) this.counters.tableFrees++
  }
  memory(): MemoryParts {
    return {
      static: { vswap_bitmaps: PHYS_BITMAPS * bitmapBytes(this.nslots) },
      dynamic: { vswap_rmap: this.nrTables * RMAP_TABLE_BYTES }
    }
  }
  check(ci: number, clusterCount: number, clusterIsFree = false): void {
    const t = this.tables[ci]
    if (clusterCount > 0) invariant(t, () => `physical cluster ${ci} has ${clusterCount} slots in use but no reverse map table`)
    if (clusterIsFree) invariant(!t, () => `free physical cluster ${ci} keeps its reverse map table`)
    const base = ci * SWAPFILE_CLUSTER
    const end = Math.min(base + SWAPFILE_CLUSTER, this.nslots)
    let used = 0
    for (let off = base; off < end; off++) {
      const a = this.isAllocated(off)
      if (a || this.isBad(off)) used++
      invariant(!(a && this.isBad(off)), () => `physical slot ${off} is both bad and allocated`)
      invariant(a === (this.owner(off) !== NO_OWNER), () => `physical slot ${off}: allocated ${a} but reverse map ${this.owner(off)}`)
    }
    invariant(used === clusterCount, () => `physical cluster ${ci}: ${used} slots in use in the bitmaps, cluster count ${clusterCount}`)
  }
}
