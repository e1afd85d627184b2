// Per-cluster state (struct swap_cluster_info) for one device, as typed arrays, and the
// cluster lists of the allocator as intrusive doubly linked lists. A cluster's flag always
// says which list it is on; `checkClusterLists` proves it.

import { SWAPFILE_CLUSTER, SWAP_NR_ORDERS } from '../types'
import { invariant } from '../errors'

/** Cluster flags, in the kernel's order: everything up to FRAG is usable for allocation. */
export const CLUSTER_FLAG_NONE = 0 /** isolated: taken off every list by an allocator */
export const CLUSTER_FLAG_FREE = 1 /** on the free list, count 0 */
export const CLUSTER_FLAG_NONFULL = 2 /** on nonfull[order]: had a slot freed */
export const CLUSTER_FLAG_FRAG = 3 /** on frag[order]: partly used, allocation moved on */
export const CLUSTER_FLAG_USABLE = CLUSTER_FLAG_FRAG
export const CLUSTER_FLAG_FULL = 4 /** on the full list */
export const CLUSTER_FLAG_DISCARD = 5 /** on the discard list, waiting for discard */

/** List ids: free, nonfull[0..9], frag[0..9], full, discard. */
export const LIST_FREE = 0
export const LIST_NONFULL = 1
export const LIST_FRAG = 1 + SWAP_NR_ORDERS
export const LIST_FULL = 1 + 2 * SWAP_NR_ORDERS
export const LIST_DISCARD = LIST_FULL + 1
const NR_LISTS = LIST_DISCARD + 1
export const NO_LIST = 255

export function listForFlag(flag: number, order: number): number {
  switch (flag) {
    case CLUSTER_FLAG_FREE:
      return LIST_FREE
    case CLUSTER_FLAG_NONFULL:
      return LIST_NONFULL + order
    case CLUSTER_FLAG_FRAG:
      return LIST_FRAG + order
    case CLUSTER_FLAG_FULL:
      return LIST_FULL
    case CLUSTER_FLAG_DISCARD:
      return LIST_DISCARD
    default:
      return NO_LIST
  }
}

export class ClusterInfo {
  readonly nr: number
  readonly count: Uint16Array /** slots in use (ci->count); protected by the cluster lock */
  readonly flags: Uint8Array /** CLUSTER_FLAG_*: matches list membership */
  readonly order: Uint8Array /** folio order the cluster serves (set on first allocation while empty) */
  readonly list: Uint8Array /** list id the cluster is on, NO_LIST when isolated */
  private readonly next: Int32Array
  private readonly prev: Int32Array
  private readonly heads = new Int32Array(NR_LISTS).fill(-1)
  private readonly tails = new Int32Array(NR_LISTS).fill(-1)
  readonly lens = new Int32Array(NR_LISTS) /** cluster count per list */

  constructor(nrClusters: number) {
    this.nr = nrClusters
    this.count = new Uint16Array(nrClusters)
    this.flags = new Uint8Array(nrClusters)
    this.order = new Uint8Array(nrClusters)
    this.list = new Uint8Array(nrClusters).fill(NO_LIST)
    this.next = new Int32Array(nrClusters).fill(-1)
    this.prev = new Int32Array(nrClusters).fill(-1)
  }

  head(list: number): number {
    return this.heads[list]
  }

  nextOf(ci: number): number {
    return this.next[ci]
  }

  /** Appends to the tail of a list and sets the matching flag. */
  addTail(ci: number, list: number, flag: number): void {
    invariant(this.list[ci] === NO_LIST, () => `cluster ${ci} added to list ${list} while on list ${this.list[ci]}`)
    const t = this.tails[list]
    this.prev[ci] = t
    this.next[ci] = -1
    if (t >= 0) this.next[t] = ci
    else this.heads[list] = ci
    this.tails[list] = ci
    this.list[ci] = list
    this.flags[ci] = flag
    this.lens[list]++
  }

  /** Takes a cluster off its list; it becomes isolated (flag NONE). */
  del(ci: number): void {
    const list = this.list[ci]
    if (list === NO_LIST) return
    const p = this.prev[ci]
    const n = this.next[ci]
    if (p >= 0) this.next[p] = n
    else this.heads[list] = n
    if (n >= 0) this.prev[n] = p
    else this.tails[list] = p
    this.prev[ci] = this.next[ci] = -1
    this.list[ci] = NO_LIST
    this.flags[ci] = CLUSTER_FLAG_NONE
    this.lens[list]--
  }

  move(ci: number, list: number, flag: number): void {
    this.del(ci)
    this.addTail(ci, list, flag)
  }

  /** Isolates the head of a list (isolate_lock_cluster); -1 when empty. */
  isolateHead(list: number): number {
    const ci = this.heads[list]
    if (ci >= 0) this.del(ci)
    return ci
  }

  listLen(list: number): number {
    return this.lens[list]
  }

  sumLists(from: number, n: number): number {
    let s = 0
    for (let i = 0; i < n; i++) s += this.lens[from + i]
    return s
  }

  /** Checks list links, lengths and that every flag matches list membership. */
  checkLists(): void {
    const seen = new Uint8Array(this.nr)
    for (let l = 0; l < NR_LISTS; l++) {
      let n = 0
      let prev = -1
      for (let ci = this.heads[l]; ci >= 0; ci = this.next[ci]) {
        invariant(!seen[ci], () => `cluster ${ci} appears twice in lists`)
        seen[ci] = 1
        invariant(this.list[ci] === l, () => `cluster ${ci} is linked on list ${l} but records list ${this.list[ci]}`)
        invariant(
          listForFlag(this.flags[ci], this.order[ci]) === l,
          () => `cluster ${ci} flag ${this.flags[ci]} order ${this.order[ci]} does not match list ${l}`
        )
        invariant(this.prev[ci] === prev, () => `cluster ${ci} prev link broken on list ${l}`)
        prev = ci
        n++
      }
      invariant(this.tails[l] === prev, () => `list ${l} tail is ${this.tails[l]}, last linked is ${prev}`)
      invariant(n === this.lens[l], () => `list ${l} length ${this.lens[l]} but ${n} linked`)
    }
    for (let ci = 0; ci < this.nr; ci++) {
      if (!seen[ci])
        invariant(
          this.list[ci] === NO_LIST && this.flags[ci] === CLUSTER_FLAG_NONE,
          () => `cluster ${ci} is on no list but has flag ${this.flags[ci]}`
        )
      invariant(this.count[ci] <= SWAPFILE_CLUSTER, () => `cluster ${ci} count ${this.count[ci]} exceeds ${SWAPFILE_CLUSTER}`)
    }
  }
}
