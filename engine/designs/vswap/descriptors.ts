// The per-entry swap descriptors of the virtual swap space, indexed by virtual slot. One
// descriptor holds what swap_map, the swap cache, swap_cgroup and zeromap hold for a slot
// in the other designs, plus the backend: where the page's data lives now. Stored as
// parallel typed arrays that grow with the virtual space; a slot whose backend is
// B_FREE has no descriptor (its memory is counted only while it is allocated).

import { invariant } from '../../errors'

/** Backend kinds (the descriptor's type tag). */
export const B_FREE = 0 /** virtual slot not allocated: no descriptor */
export const B_NONE = 1 /** allocated, nothing written yet: the data is only in the cached folio */
export const B_PHYS = 2 /** a physical slot holds the data (phys = device entry) */
export const B_ZSWAP = 3 /** a compressed copy in the zswap pool holds the data */
export const B_ZERO = 4 /** the page is all zeros: nothing is stored (the lab's pages never are) */

export const NO_PHYS = -1

export class Descriptors {
  capacity = 0 /** virtual slots the arrays can index */
  live = 0 /** allocated descriptors (backend != B_FREE) */
  backend = new Uint8Array(0) /** B_*: the type tag; protected by the virtual cluster lock */
  count = new Uint32Array(0) /** swap count: page-table references */
  folio = new Int32Array(0) /** folio in the swap cache, or -1 */
  shadow = new Int32Array(0) /** workingset shadow left when the folio left the cache, or -1 */
  phys = new Float64Array(0) /** physical swap entry (type << 32 | offset) while B_PHYS, else NO_PHYS */
  memcg = new Uint16Array(0) /** memcg id charged for the slot (replaces swap_cgroup) */

  /** Makes room for virtual slots [0, n). */
  grow(n: number): void {
    if (n <= this.capacity) return
    let cap = Math.max(this.capacity * 2, 4096)
    while (cap < n) cap *= 2
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(
      a: T,
      C: new (n: number) => T,
      fill?: number
    ): T => {
      const b = new C(cap)
      if (fill !== undefined) b.fill(fill)
      b.set(a)
      return b
    }
    this.backend = g(this.backend, Uint8Array)
    this.count = g(this.count, Uint32Array)
    this.folio = g(this.folio, Int32Array, -1)
    this.shadow = g(this.shadow, Int32Array, -1)
    this.phys = g(this.phys, Float64Array, NO_PHYS)
    this.memcg = g(this.memcg, Uint16Array)
    this.capacity = cap
  }

  /** vswap_alloc: a fresh descriptor for slot v with the folio in its cache. */
  init(v: number, folio: number, memcg: number): void {
    invariant(this.backend[v] === B_FREE, () => `virtual slot ${v} allocated twice`)
    this.backend[v] = B_NONE
    this.count[v] = 0
    this.folio[v] = folio
    this.shadow[v] = -1
    this.phys[v] = NO_PHYS
    this.memcg[v] = memcg
    this.live++
  }

  /** The descriptor is freed: the slot reads as free again. */
  clear(v: number): void {
    this.backend[v] = B_FREE
    this.count[v] = 0
    this.folio[v] = -1
    this.shadow[v] = -1
    this.phys[v] = NO_PHYS
    this.memcg[v] = 0
    this.live--
  }

  isLive(v: number): boolean {
    return v >= 0 && v < this.capacity && this.backend[v] !== B_FREE
  }
}
