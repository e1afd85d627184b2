// swap_map: one byte per slot. Bits 0-5 hold the low digit of the use count (max 62,
// 0x3f marks a bad slot), 0x40 is SWAP_HAS_CACHE, 0x80 COUNT_CONTINUED: higher digits live
// in continuation pages, one chain per page of swap_map (4096 slots), base 128 each.

import { invariant } from '../errors'
import { PAGE_SIZE } from '../types'

export const SWAP_HAS_CACHE = 0x40
export const COUNT_CONTINUED = 0x80
export const SWAP_MAP_MAX = 0x3e
export const SWAP_MAP_BAD = 0x3f
export const SWAP_CONT_MAX = 0x7f
const DIGIT_MASK = 0x3f

export class SwapMap {
  readonly map: Uint8Array /** swap_map[]: protected by the cluster lock */
  /** span (offset / 4096) -> continuation pages, level 1 first; each is one real page. */
  private readonly cont = new Map<number, Uint8Array[]>()
  contPages = 0

  constructor(nslots: number) {
    this.map = new Uint8Array(nslots)
  }

  /** Use count without HAS_CACHE (all digits). */
  count(off: number): number {
    const b = this.map[off]
    if (b === SWAP_MAP_BAD) return 0
    let c = b & DIGIT_MASK
    if (b & COUNT_CONTINUED) {
      const pages = this.cont.get(Math.floor(off / PAGE_SIZE))!
      const i = off % PAGE_SIZE
      let mul = SWAP_MAP_MAX + 1
      for (const p of pages) {
        c += p[i] * mul
        mul *= SWAP_CONT_MAX + 1
      }
    }
    return c
  }

  hasCache(off: number): boolean {
    return (this.map[off] & SWAP_HAS_CACHE) !== 0 && this.map[off] !== SWAP_MAP_BAD
  }

  /** Increments the count; returns true when a continuation page had to be allocated. */
  inc(off: number): boolean {
    const b = this.map[off]
    invariant(b !== SWAP_MAP_BAD, () => `dup of bad slot ${off}`)
    if ((b & DIGIT_MASK) < SWAP_MAP_MAX) {
      this.map[off] = b + 1
      return false
    }
    // Low digit wraps with a carry into the continuation pages (add_swap_count_continuation).
    const span = Math.floor(off / PAGE_SIZE)
    const i = off % PAGE_SIZE
    let pages = this.cont.get(span)
    let allocated = false
    if (!pages) {
      pages = []
      this.cont.set(span, pages)
    }
    let level = 0
    for (;;) {
      if (level === pages.length) {
        pages.push(new Uint8Array(PAGE_SIZE))
        this.contPages++
        allocated = true
      }
      if (pages[level][i] < SWAP_CONT_MAX) {
        pages[level][i]++
        break
      }
      pages[level][i] = 0
      level++
    }
    this.map[off] = (b & SWAP_HAS_CACHE) | COUNT_CONTINUED
    return allocated
  }

  /** Decrements the count (which must be positive). */
  dec(off: number): void {
    const b = this.map[off]
    if ((b & DIGIT_MASK) > 0) {
      this.map[off] = b - 1
      return
    }
    invariant(b & COUNT_CONTINUED, () => `swap count underflow at slot ${off}`)
    const pages = this.cont.get(Math.floor(off / PAGE_SIZE))!
    const i = off % PAGE_SIZE
    let level = 0
    while (pages[level][i] === 0) {
      pages[level][i] = SWAP_CONT_MAX
      level++
    }
    pages[level][i]--
    let more = false
    for (const p of pages) if (p[i]) more = true
    this.map[off] = (b & SWAP_HAS_CACHE) | (more ? COUNT_CONTINUED : 0) | SWAP_MAP_MAX
  }

  setHasCache(off: number): void {
    this.map[off] |= SWAP_HAS_CACHE
  }

  clearHasCache(off: number): void {
    this.map[off] &= ~SWAP_HAS_CACHE
  }

  continuationBytes(): number {
    return this.contPages * PAGE_SIZE
  }
}
