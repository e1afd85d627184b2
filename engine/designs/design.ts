// The one interface between the VM and a swap design. The VM decides what to swap and
// when; the design owns slots, the swap cache, counts and their metadata. Entries are
// numbers: (device type << 32) + offset for slot-based designs, virtual slots for vswap.

import type { ClusterListCounts, Counters, DesignName } from '../types'
import type { Cpu } from '../sim/scheduler'
import type { MemoryParts } from '../swap/slotStore'

export const NO_ENTRY = -1
/**
 * writeFolio's answer when no backend takes the folio (vswap with no swap device: zswap
 * rejected it and vswap_alloc_swap_slot found no physical slot). swap_writeout then marks
 * the folio dirty and returns AOP_WRITEPAGE_ACTIVATE: it stays in memory and in the swap cache.
 */
export const WRITE_REFUSED = -1

export interface DesignTraits {
  /** SWAP_HAS_CACHE pins slots during swapin and marks cache-only slots. */
  hasCacheFlag: boolean
  /** SWP_SYNCHRONOUS_IO swapin with count 1 skips the swap cache (second swapin path). */
  syncBypass: boolean
  /** Large folios may take non-contiguous slots instead of being split. */
  discontiguousSwapout: boolean
  /** Swap a large folio back in when its slots are found together. */
  mthpSwapin: boolean
  /**
   * A fault that finds the bypass pin (SWAP_HAS_CACHE) sleeps on `swapcache_wq` and is woken
   * when a pin clears (mm/memory.c do_swap_page, 6.12: "mm: avoid unconditional one-tick
   * sleep when swapcache_prepare fails"), or after one tick at most; before, always one tick.
   */
  swapcacheWq: boolean
  /**
   * A synchronous device (zram, pmem) swaps a whole mTHP folio back in when its entries allow
   * (alloc_swap_folio / can_swapin_thp in mm/memory.c, 6.12: "mm: support large folios
   * swap-in for sync io devices"); older kernels swap in at order 0.
   */
  syncMthpSwapin: boolean
}

export type AddResult = 'ok' | 'exists' | 'freed'

/** Page identities of an I/O batch, staged by the VM before writeFolio / readEntries. */
export interface IoBatch {
  origin: Uint32Array
  vpn: Uint32Array
  gen: Uint32Array
}

export interface SwapDesign {
  readonly name: DesignName
  readonly traits: DesignTraits
  readonly counters: Counters
  /** Whether a folio of this order can be swapped out whole (else the VM splits it). */
  canSwapOrder(order: number): boolean
  /**
   * folio_alloc_swap: reserves 2^order slots for the folio and puts it in the swap cache.
   * Returns the first entry, or NO_ENTRY when no slots are available for this order.
   * With discontiguous swapout, `out` receives one entry per page instead.
   */
  allocSwap(cpu: Cpu, order: number, folio: number, out: number[]): number
  /** swap_duplicate: one more page-table reference. */
  dup(cpu: Cpu, entry: number): void
  /** swap_free: one page-table reference fewer; frees the slot when nothing holds it. */
  put(cpu: Cpu, entry: number): void
  count(entry: number): number
  /** Folio in the swap cache at entry, or -1 (counts a lookup and a hit). */
  cacheLookup(cpu: Cpu, entry: number): number
  /** Workingset shadow left at entry, or -1. */
  shadow(entry: number): number
  /** Swapin: put a new folio in the swap cache for nr entries from entry (swapcache_prepare + add). */
  swapinAdd(cpu: Cpu, entry: number, nr: number, folio: number): AddResult
  /** Removes a folio from the swap cache, leaving shadows; frees slots nothing else holds. */
  cacheDelete(cpu: Cpu, entry: number, nr: number, shadow: number): void
  /** Synchronous-device bypass: pin the entry with HAS_CACHE without using the cache. */
  pinForBypass(cpu: Cpu, entry: number): AddResult
  unpinBypass(cpu: Cpu, entry: number): void
  /** Entry is held by the swap cache only (count 0). */
  isCacheOnly(entry: number): boolean
  /** Writes nr staged pages of a folio at entry; returns the device completion time, or WRITE_REFUSED. */
  writeFolio(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number
  /** Reads nr staged pages at entry (verifying them); returns the completion time. */
  readEntries(cpu: Cpu, entry: number, nr: number, batch: IoBatch): number
  /** Whether the device behind an entry is synchronous (zram, pmem). */
  isSyncEntry(entry: number): boolean
  /** Entries from entry on that lie in one contiguous device range (for batched I/O). */
  contiguous(a: number, b: number): boolean
  /** VM hook used by allocators to reclaim cache-only slots. */
  setCacheReclaimer(fn: (cpu: Cpu, entry: number) => number): void
  usedSlots(): number
  totalSlots(): number
  memory(): MemoryParts
  clusterLists(): ClusterListCounts
  /** Folio in the swap cache at entry, or -1, without counting a lookup or charging a cost. */
  peekFolio(entry: number): number
  /** State of one entry as a test or invariant check sees it (no costs charged). */
  inspect(entry: number): { count: number; folio: number; state: 'free' | 'used' | 'slot-cache' }
  /** Why reclaim cannot make room (a backend refusing writes), for the out-of-memory message; optional. */
  reclaimBlockedReason?(): string | undefined
  /** Checks every structural invariant; throws InvariantError. */
  check(): void
  /** Flushes per-CPU caches (slot cache) so accounting is exact at the end of a run. */
  drain(cpu: Cpu): void
}
