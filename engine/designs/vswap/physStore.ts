// Per-slot state of a physical swap device under the virtual swap space: two bitmaps
// (allocated, bad: v3 replaces the swap_map bytes with them) and the reverse map from
// physical slot to the virtual slot it backs. Counts, the swap cache, memcg ids and zero
// pages live in the virtual descriptors, so this store has none of them: the cluster
// allocator sees slots that are free or in use, never cache-only.

import type { Cpu } from '../../sim/scheduler'
import { COST } from '../../sim/cost'
import { SWAPFILE_CLUSTER } from '../../types'
import { invariant, InvariantError } from '../../errors'
import { NO_FOLIO, type MemoryParts, type SlotStore } from '../../swap/slotStore'
import { bitmapBytes, PHYS_BITMAPS, RMAP_BYTES_PER_SLOT } from './sizes'

export const NO_OWNER = -1

function notHere(what: string): never {
  throw new InvariantError(what)
}

export class PhysSlotStore implements SlotStore {
  readonly hasCacheFlag = false
  readonly allocated: Uint32Array /** bit per slot: backs a virtual slot; protected by the cluster lock */
  readonly bad: Uint32Array /** bit per slot: unusable (the header page) */
  readonly rmap: Float64Array /** virtual slot this physical slot backs, or NO_OWNER */
  inUse = 0 /** allocated bits set */

  constructor(readonly nslots: number) {
    const words = Math.ceil(nslots / 32)
    this.allocated = new Uint32Array(words)
    this.bad = new Uint32Array(words)
    this.rmap = new Float64Array(nslots).fill(NO_OWNER)
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
      this.rmap[s] = owner + i
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
    this.rmap[off] = NO_OWNER
    this.inUse--
  }
  markBad(off: number): void {
    this.bad[off >>> 5] |= 1 << (off & 31)
  }
  clusterTaken(): boolean {
    return false
  }
  hasTable(): boolean {
    return true
  }
  clusterFreed(): void {}
  memory(): MemoryParts {
    return {
      static: { vswap_rmap: this.nslots * RMAP_BYTES_PER_SLOT, vswap_bitmaps: PHYS_BITMAPS * bitmapBytes(this.nslots) },
      dynamic: {}
    }
  }
  check(ci: number, clusterCount: number): void {
    const base = ci * SWAPFILE_CLUSTER
    const end = Math.min(base + SWAPFILE_CLUSTER, this.nslots)
    let used = 0
    for (let off = base; off < end; off++) {
      const a = this.isAllocated(off)
      if (a || this.isBad(off)) used++
      invariant(!(a && this.isBad(off)), () => `physical slot ${off} is both bad and allocated`)
      invariant(a === (this.rmap[off] !== NO_OWNER), () => `physical slot ${off}: allocated ${a} but reverse map ${this.rmap[off]}`)
    }
    invariant(used === clusterCount, () => `physical cluster ${ci}: ${used} slots in use in the bitmaps, cluster count ${clusterCount}`)
  }
}
