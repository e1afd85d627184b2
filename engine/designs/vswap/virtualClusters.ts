// The allocator of virtual slots (v3: clusters of virtual slots, after swapfile.c). Virtual
// space is plentiful, so the policy is simple: a per-CPU current cluster per order filled
// with naturally aligned runs, then a cluster of that order that had slots freed, then an
// empty cluster (reused, or a new one at the end). Clusters never need stealing or a
// linear scan: when nothing fits, the space grows. Mechanism for the vswap design only.

import { SWAP_NR_ORDERS } from '../../types'
import { invariant } from '../../errors'
import { B_FREE, type Descriptors } from './descriptors'
import { VSWAP_CLUSTER } from './sizes'

/** Virtual cluster states (what list it is on). */
export const VC_FREE = 0 /** empty, on the free stack; its memory is released */
export const VC_CURRENT = 1 /** some CPU's current cluster for its order */
export const VC_NONFULL = 2 /** had slots freed: on nonfull[order] */
export const VC_ISOLATED = 3 /** full, or nothing of its order fits: on no list until a slot is freed */

export class VirtualClusters {
  nr = 0 /** clusters created so far (virtual slots [0, nr * 512)) */
  inUse = 0 /** clusters not free: the ones whose struct exists */
  count = new Uint16Array(64) /** allocated slots per cluster; protected by the vswap cluster lock */
  order = new Uint8Array(64) /** folio order the cluster serves (set when taken while empty) */
  state = new Uint8Array(64) /** VC_*: matches list membership */
  owner = new Int16Array(64) /** CPU whose current cluster it is (VC_CURRENT), else -1 */
  private readonly freeStack: number[] = [] /** empty clusters, most recently freed last */
  private readonly nonfull: Set<number>[] /** per order, in the order slots were freed */
  private readonly pcpCluster: Int32Array /** per CPU and order: current cluster or -1 */
  private readonly pcpNext: Int32Array /** per CPU and order: next offset to try in it */
  scanned = 0 /** slots examined by the last alloc (for the cost model) */

  constructor(
    private readonly desc: Descriptors,
    readonly ncpus: number
  ) {
    this.nonfull = Array.from({ length: SWAP_NR_ORDERS }, () => new Set<number>())
    this.pcpCluster = new Int32Array(ncpus * SWAP_NR_ORDERS).fill(-1)
    this.pcpNext = new Int32Array(ncpus * SWAP_NR_ORDERS)
  }

  /** Allocates 2^order naturally aligned free virtual slots for cpu; returns the first. */
  alloc(cpuId: number, order: number): number {
    const nr = 1 << order
    const k = cpuId * SWAP_NR_ORDERS + order
    this.scanned = 0
    const c = this.pcpCluster[k]
    if (c >= 0) {
      if (this.state[c] === VC_CURRENT && this.owner[c] === cpuId && this.order[c] === order) {
        const v = this.scan(c, this.pcpNext[k], nr)
        if (v >= 0) return this.took(k, c, v, nr)
      }
      this.dropCurrent(k)
    }
    const nf = this.nonfull[order]
    for (const n of nf) {
      nf.delete(n)
      const v = this.scan(n, 0, nr)
      if (v >= 0) {
        this.makeCurrent(k, n, cpuId)
        return this.took(k, n, v, nr)
      }
      this.state[n] = VC_ISOLATED
    }
    const f = this.freeStack.length ? this.freeStack.pop()! : this.newCluster()
    this.inUse++
    this.order[f] = order
    this.makeCurrent(k, f, cpuId)
    const v = this.scan(f, 0, nr)
    invariant(v >= 0, () => `empty virtual cluster ${f} has no room for order ${order}`)
    return this.took(k, f, v, nr)
  }

  /** Slot v was freed (its descriptor is already clear): the cluster goes where its count says. */
  free(v: number): void {
    const c = Math.floor(v / VSWAP_CLUSTER)
    invariant(this.count[c] > 0, () => `virtual cluster ${c}: free with count 0`)
    this.count[c]--
    const st = this.state[c]
    if (st === VC_CURRENT) return // its CPU keeps filling it; released when it moves on
    if (this.count[c] === 0) {
      if (st === VC_NONFULL) this.nonfull[this.order[c]].delete(c)
      this.pushFree(c)
    } else if (st === VC_ISOLATED) {
      this.state[c] = VC_NONFULL
      this.nonfull[this.order[c]].add(c)
    }
  }

  private scan(c: number, from: number, nr: number): number {
    const base = c * VSWAP_CLUSTER
    const b = this.desc.backend
    let off = Math.ceil(from / nr) * nr
    for (; off + nr <= VSWAP_CLUSTER; off += nr) {
      let ok = true
      for (let i = 0; i < nr; i++) {
        this.scanned++
        if (b[base + off + i] !== B_FREE) {
          ok = false
          break
        }
      }
      if (ok) return base + off
    }
    return -1
  }

  private took(k: number, c: number, v: number, nr: number): number {
    this.count[c] += nr
    const next = v + nr - c * VSWAP_CLUSTER
    if (next >= VSWAP_CLUSTER) this.dropCurrent(k)
    else this.pcpNext[k] = next
    return v
  }

  private makeCurrent(k: number, c: number, cpuId: number): void {
    this.state[c] = VC_CURRENT
    this.owner[c] = cpuId
    this.pcpCluster[k] = c
    this.pcpNext[k] = 0
  }

  /** The CPU moves on from its current cluster. */
  private dropCurrent(k: number): void {
    const c = this.pcpCluster[k]
    this.pcpCluster[k] = -1
    if (c < 0 || this.state[c] !== VC_CURRENT || this.owner[c] !== Math.floor(k / SWAP_NR_ORDERS)) return
    this.owner[c] = -1
    if (this.count[c] === 0) this.pushFree(c)
    else this.state[c] = VC_ISOLATED
  }

  private pushFree(c: number): void {
    this.state[c] = VC_FREE
    this.owner[c] = -1
    this.freeStack.push(c)
    this.inUse--
  }

  private newCluster(): number {
    const c = this.nr++
    if (c >= this.count.length) {
      const n = this.count.length * 2
      const grow = <T extends Uint8Array | Uint16Array | Int16Array>(a: T, C: new (n: number) => T): T => {
        const b = new C(n)
        b.set(a)
        return b
      }
      this.count = grow(this.count, Uint16Array)
      this.order = grow(this.order, Uint8Array)
      this.state = grow(this.state, Uint8Array)
      this.owner = grow(this.owner, Int16Array)
    }
    this.owner[c] = -1
    this.desc.grow(this.nr * VSWAP_CLUSTER)
    return c
  }

  /** Cluster counts match the descriptors, and states match list membership. */
  check(): void {
    let inUse = 0
    const onFree = new Set(this.freeStack)
    invariant(onFree.size === this.freeStack.length, 'a virtual cluster is on the free stack twice')
    for (let c = 0; c < this.nr; c++) {
      let used = 0
      const base = c * VSWAP_CLUSTER
      for (let i = 0; i < VSWAP_CLUSTER; i++) if (this.desc.backend[base + i] !== B_FREE) used++
      invariant(used === this.count[c], () => `virtual cluster ${c}: ${used} descriptors, count ${this.count[c]}`)
      const st = this.state[c]
      invariant((st === VC_FREE) === onFree.has(c), () => `virtual cluster ${c} state ${st} does not match the free stack`)
      invariant(st !== VC_FREE || used === 0, () => `free virtual cluster ${c} has ${used} slots in use`)
      invariant(
        (st === VC_NONFULL) === this.nonfull[this.order[c]].has(c),
        () => `virtual cluster ${c} state ${st} does not match nonfull[${this.order[c]}]`
      )
      if (st === VC_CURRENT)
        invariant(
          this.owner[c] >= 0 && this.pcpCluster[this.owner[c] * SWAP_NR_ORDERS + this.order[c]] === c,
          () => `virtual cluster ${c} is current for no CPU`
        )
      if (st !== VC_FREE) inUse++
    }
    let listed = 0
    for (const s of this.nonfull) listed += s.size
    invariant(listed <= this.nr, 'nonfull lists hold unknown clusters')
    invariant(inUse === this.inUse, () => `${inUse} virtual clusters in use, recorded ${this.inUse}`)
  }
}
