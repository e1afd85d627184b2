// Where the data of a virtual slot lives: physical slots on the swap devices (allocated at
// writeout from the ordinary cluster allocator, with the reverse map in the physical
// cluster's table) or a compressed copy in zswap. Writeout (swap_writeout: zswap first,
// then a physical slot), zswap writeback, reads, and the checks that tie each descriptor
// to its backend. With no swap device at all (the zswap-only backing) a folio zswap
// rejects has nowhere to go: the write is refused and the folio stays in memory.

import type { Counters } from '../../types'
import type { Cpu } from '../../sim/scheduler'
import { COST } from '../../sim/cost'
import { SimLock } from '../../sim/lock'
import type { SimClock } from '../../sim/scheduler'
import { invariant } from '../../errors'
import type { PageStore } from '../../device/pageStore'
import type { DeviceConfig } from '../../types'
import { SwapInfo } from '../../swap/swapInfo'
import { SwapSpace } from '../../swap/swapSpace'
import { ClusterAllocator } from '../../swap/clusterAllocator'
import { NO_ENTRY, WRITE_REFUSED, type IoBatch } from '../design'
import { swpEntry, swpOffset, swpType } from '../classic'
import { B_FREE, B_NONE, B_PHYS, B_ZERO, B_ZSWAP, type Descriptors } from './descriptors'
import { NO_OWNER, PhysSlotStore } from './physStore'
import { ZswapPool } from './zswap'
import { PHYS_CLUSTER_INFO_BYTES, percpuBytes, ZSWAP_ENTRY_BYTES } from './sizes'

/** zswap.accept_threshold_percent: once full, the pool shrinks to this share before storing again. */
export const ZSWAP_ACCEPT_THRESHOLD = 0.9

export class VswapBackends {
  readonly space: SwapSpace /** the physical devices, priorities and round-robin */
  readonly devices: SwapInfo[] /** by swap type */
  readonly stores: PhysSlotStore[] /** bitmaps and reverse map tables per device */
  readonly zswap: ZswapPool | null /** in-memory compressed backend, when enabled */
  private readonly allocator: ClusterAllocator /** physical slots, at writeout */
  private readonly zswapLock: SimLock /** pool allocation and LRU */

  constructor(
    devices: DeviceConfig[],
    pageStores: PageStore[],
    ncpus: number,
    zswapPoolBytes: number,
    keepZswapData: boolean,
    private readonly desc: Descriptors,
    private readonly counters: Counters,
    clock: SimClock,
    /** The virtual cluster lock of a slot (backend updates are made under it). */
    private readonly vlock: (v: number) => SimLock
  ) {
    this.stores = devices.map((d) => new PhysSlotStore(Math.floor(d.sizeBytes / 4096), counters))
    this.devices = devices.map((d, i) => new SwapInfo(i, d, this.stores[i], pageStores[i], ncpus, clock, counters, true))
    this.space = new SwapSpace(this.devices, ncpus, counters)
    this.allocator = new ClusterAllocator(this.space)
    this.zswapLock = new SimLock('zswap', clock, counters)
    this.zswap = zswapPoolBytes > 0 ? new ZswapPool(zswapPoolBytes, keepZswapData) : null
  }

  /** No physical swap device: every page lives in zswap or stays in memory. */
  get zswapOnly(): boolean {
    return this.devices.length === 0
  }

  /** Drops whatever holds slot v's data (physical slot or zswap copy); the backend becomes NONE. */
  release(cpu: Cpu, v: number): void {
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

  /**
   * swap_writeout for nr virtual slots of one folio: zswap when it takes the whole folio
   * (the kernel stores a large folio all or nothing), else physical slots allocated now
   * (vswap_alloc_swap_slot). With no device, a rejected folio is refused (WRITE_REFUSED).
   */
  write(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
    // A rewrite replaces the old copy (vswap_store_folio): the new one goes wherever it fits.
    for (let i = 0; i < nr; i++) {
      invariant(this.desc.isLive(entry + i), () => `writeout of free virtual slot ${entry + i}`)
      this.release(cpu, entry + i)
    }
    if (this.zswap && this.zswapStore(cpu, entry, nr, batch)) return cpu.now
    // "fall back to physical swap device": none here, so folio_mark_dirty + AOP_WRITEPAGE_ACTIVATE.
    if (this.zswapOnly) return WRITE_REFUSED
    return this.writePhysical(cpu, entry, nr, batch)
  }

  /** zswap_store for a whole folio; false when rejected. */
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
    if (this.zswapOnly) {
      // zswap_check_limits: at the limit the pool is full and rejects until it is back under
      // the accept threshold; the shrink worker it wakes cannot write back (no device).
      if (pool.poolBytes + need > pool.limitBytes) pool.reachedFull = true
      else if (pool.reachedFull && pool.poolBytes <= pool.limitBytes * ZSWAP_ACCEPT_THRESHOLD) pool.reachedFull = false
      if (pool.reachedFull) {
        c.zswapRejects += nr
        return false
      }
    } else {
      if (pool.poolBytes + need > pool.limitBytes) this.zswapShrink(cpu, pool.limitBytes * ZSWAP_ACCEPT_THRESHOLD - need)
      if (pool.poolBytes + need > pool.limitBytes) {
        c.zswapRejects += nr
        return false
      }
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
            `no physical slot for virtual slot ${entry + i}: ${this.space.nrSwapPages} free, ${this.desc.live} committed of ${this.space.totalPages}`
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

  /** swap_read_folio for nr virtual slots: each from zswap, the zero marker or its physical slot. */
  read(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number {
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
  isSync(v: number): boolean {
    const d = this.desc
    if (!d.isLive(v)) return false
    const b = d.backend[v]
    if (b === B_ZSWAP || b === B_ZERO) return true
    if (b === B_PHYS) return this.devices[swpType(d.phys[v])].model.sync
    return false
  }

  /** Slots backed by a physical slot right now. */
  physUsedSlots(): number {
    return this.space.totalPages - this.space.nrSwapPages
  }

  /** Static metadata of the devices, dynamic reverse map tables and zswap entries, the pool as data. */
  memory(stat: Record<string, number>, dyn: Record<string, number>, data: Record<string, number>): void {
    if (!this.zswapOnly) {
      stat.vswap_bitmaps = 0
      stat.swap_cluster_info = 0
      dyn.vswap_rmap = 0
      for (const si of this.devices) {
        const m = si.store.memory()
        stat.vswap_bitmaps += m.static.vswap_bitmaps
        stat.swap_cluster_info += si.ci.nr * PHYS_CLUSTER_INFO_BYTES
        dyn.vswap_rmap += m.dynamic.vswap_rmap
      }
      stat.percpu_swap_cluster = percpuBytes(this.space.ncpus)
    }
    if (this.zswap) {
      dyn.zswap_entries = this.zswap.entries.size * ZSWAP_ENTRY_BYTES
      data.zswap_pool = this.zswap.poolBytes
    }
  }

  /**
   * The devices' own checks, then forward map = reverse map: each physically backed
   * descriptor's slot is allocated and maps back to it, each allocated physical slot maps
   * to a live descriptor that points back; zswap entries against the descriptors.
   * `phys` and `zswap` are the descriptors counted with each backend.
   */
  check(phys: number, zswap: number): void {
    const d = this.desc
    this.space.check()
    for (let v = 0; v < d.capacity; v++) {
      if (d.backend[v] !== B_PHYS) continue
      const p = d.phys[v]
      const store = this.stores[swpType(p)]
      invariant(
        store && store.isAllocated(swpOffset(p)),
        () => `virtual slot ${v} points at physical slot ${swpOffset(p)} of device ${swpType(p)}, which is free`
      )
      invariant(
        store.owner(swpOffset(p)) === v,
        () => `physical slot ${swpOffset(p)} of device ${swpType(p)} maps back to ${store.owner(swpOffset(p))}, not ${v}`
      )
    }
    // Every allocated physical slot belongs to exactly one live descriptor (bijection).
    let owned = 0
    this.stores.forEach((store, type) => {
      owned += store.inUse
      for (let off = 0; off < store.nslots; off++) {
        const v = store.owner(off)
        if (v === NO_OWNER) continue
        invariant(
          d.isLive(v) && d.backend[v] === B_PHYS && d.phys[v] === swpEntry(type, off),
          () => `physical slot ${off} maps to virtual slot ${v}, which does not point back`
        )
      }
    })
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
}
