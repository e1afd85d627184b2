// Folio table: every resident folio (anonymous memory, swap cache, readahead) as
// structure-of-arrays indexed by folio id, plus the LRU list through them. Ids are reused.

import { NO_ENTRY } from '../designs/design'
import { InvariantError } from '../errors'

export const PG_LRU = 1 /** on the LRU list */
export const PG_DIRTY = 2 /** content newer than any swap copy */
export const PG_REFERENCED = 4 /** accessed since the last LRU scan */
export const PG_SWAPCACHE = 8 /** in the swap cache (swapEntry valid) */
export const PG_WRITEBACK = 16 /** write to swap in flight */
export const PG_READAHEAD = 32 /** brought in by readahead, not yet used */
export const PG_DISCONTIG = 64 /** swap entries are not contiguous (see FolioTable.entries) */
export const PG_LIVE = 128 /** allocated */

export class FolioTable {
  cap = 0
  order = new Uint8Array(0) /** folio order */
  flags = new Uint16Array(0) /** PG_* */
  vpn = new Int32Array(0) /** first virtual page it maps (same in every mapper: fork keeps addresses) */
  origin = new Uint32Array(0) /** mm whose data the folio holds (page identity) */
  gen = new Uint32Array(0) /** write generation of the data (page identity) */
  owner = new Int32Array(0) /** first mm mapping it, -1 when unmapped */
  mapcount = new Int32Array(0) /** number of mms mapping it */
  swapEntry = new Float64Array(0) /** first swap entry while PG_SWAPCACHE */
  lockedUntil = new Float64Array(0) /** folio lock held for I/O until this time */
  ioUntil = new Float64Array(0) /** writeback completes at this time */
  /**
   * References held by faults in progress (do_swap_page holds one on the folio it reads
   * from allocation until it is mapped or backed out): reclaim and the swap-cache freeing
   * paths must not free a folio with one, or its id could be reused under the fault.
   */
  faultRefs = new Uint8Array(0)
  private lruPrev = new Int32Array(0)
  private lruNext = new Int32Array(0)
  /** mms mapping a folio beyond its owner (after fork). */
  readonly extraMappers = new Map<number, number[]>()
  /** Per-page entries of a discontiguously swapped folio. */
  readonly entries = new Map<number, number[]>()
  private freeIds: number[] = []
  private nextId = 0
  live = 0
  lruHead = -1 /** most recently added */
  lruTail = -1 /** oldest: reclaim scans from here */
  lruLen = 0

  alloc(order: number): number {
    let id = this.freeIds.pop()
    if (id === undefined) {
      id = this.nextId++
      if (id >= this.cap) this.grow(Math.max(1024, this.cap * 2))
    }
    this.order[id] = order
    this.flags[id] = PG_LIVE
    this.owner[id] = -1
    this.mapcount[id] = 0
    this.swapEntry[id] = NO_ENTRY
    this.lockedUntil[id] = 0
    this.ioUntil[id] = 0
    this.faultRefs[id] = 0
    this.live++
    return id
  }

  free(id: number): void {
    if (this.faultRefs[id]) throw new InvariantError(`folio ${id} freed while a fault holds it`)
    if (this.flags[id] & PG_LRU) this.lruDel(id)
    this.flags[id] = 0
    this.extraMappers.delete(id)
    this.entries.delete(id)
    this.freeIds.push(id)
    this.live--
  }

  isLive(id: number): boolean {
    return id >= 0 && id < this.cap && (this.flags[id] & PG_LIVE) !== 0
  }

  lruAddHead(id: number): void {
    this.lruPrev[id] = -1
    this.lruNext[id] = this.lruHead
    if (this.lruHead >= 0) this.lruPrev[this.lruHead] = id
    else this.lruTail = id
    this.lruHead = id
    this.flags[id] |= PG_LRU
    this.lruLen++
  }

  lruAddTail(id: number): void {
    this.lruNext[id] = -1
    this.lruPrev[id] = this.lruTail
    if (this.lruTail >= 0) this.lruNext[this.lruTail] = id
    else this.lruHead = id
    this.lruTail = id
    this.flags[id] |= PG_LRU
    this.lruLen++
  }

  lruDel(id: number): void {
    const p = this.lruPrev[id]
    const n = this.lruNext[id]
    if (p >= 0) this.lruNext[p] = n
    else this.lruHead = n
    if (n >= 0) this.lruPrev[n] = p
    else this.lruTail = p
    this.flags[id] &= ~PG_LRU
    this.lruLen--
  }

  lruPrevOf(id: number): number {
    return this.lruPrev[id]
  }

  /** Every mm mapping the folio. */
  mappers(id: number): number[] {
    const o = this.owner[id]
    if (o < 0) return []
    const extra = this.extraMappers.get(id)
    return extra ? [o, ...extra] : [o]
  }

  addMapper(id: number, mm: number): void {
    if (this.owner[id] < 0) this.owner[id] = mm
    else {
      let extra = this.extraMappers.get(id)
      if (!extra) this.extraMappers.set(id, (extra = []))
      extra.push(mm)
    }
    this.mapcount[id]++
  }

  removeMapper(id: number, mm: number): void {
    const extra = this.extraMappers.get(id)
    if (this.owner[id] === mm) {
      if (extra && extra.length) {
        this.owner[id] = extra.shift()!
        if (!extra.length) this.extraMappers.delete(id)
      } else this.owner[id] = -1
    } else if (extra) {
      const i = extra.indexOf(mm)
      if (i >= 0) extra.splice(i, 1)
      if (!extra.length) this.extraMappers.delete(id)
    }
    this.mapcount[id]--
  }

  /** Swap entry of page i of a folio in the swap cache. */
  entryOf(id: number, i: number): number {
    if (this.flags[id] & PG_DISCONTIG) return this.entries.get(id)![i]
    return this.swapEntry[id] + i
  }

  private grow(cap: number): void {
    const g = <T extends Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap)
      b.set(a)
      return b
    }
    this.order = g(this.order, Uint8Array)
    this.flags = g(this.flags, Uint16Array)
    this.vpn = g(this.vpn, Int32Array)
    this.origin = g(this.origin, Uint32Array)
    this.gen = g(this.gen, Uint32Array)
    this.owner = g(this.owner, Int32Array)
    this.mapcount = g(this.mapcount, Int32Array)
    this.swapEntry = g(this.swapEntry, Float64Array)
    this.lockedUntil = g(this.lockedUntil, Float64Array)
    this.ioUntil = g(this.ioUntil, Float64Array)
    this.faultRefs = g(this.faultRefs, Uint8Array)
    this.lruPrev = g(this.lruPrev, Int32Array)
    this.lruNext = g(this.lruNext, Int32Array)
    this.cap = cap
  }
}
