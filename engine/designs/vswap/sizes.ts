// Structure sizes of the virtual swap space (x86-64), in one place: the design's memory()
// and the fidelity test both derive their figures from these. VSWAP.md gives the formulas.

import { SWAP_NR_ORDERS } from '../../types'

/** Virtual slots per virtual cluster (v3 allocates virtual slots in clusters like swapfile.c). */
export const VSWAP_CLUSTER = 512
/** struct vswap_cluster: spinlock 4, count 2, flags+order 2, list_head 16, rcu_head 16, descriptor array pointer 8. */
export const VSWAP_CLUSTER_BYTES = 48
/** Reverse map physical slot -> virtual slot: one swp_entry_t per physical slot. */
export const RMAP_BYTES_PER_SLOT = 8
/** Bitmaps per physical device (v3: allocated slots and bad slots replace the swap_map bytes). */
export const PHYS_BITMAPS = 2
/** struct swap_cluster_info of the 6.18+ base the series applies to (lock, count, flags, order, list, table pointer). */
export const PHYS_CLUSTER_INFO_BYTES = 32
/** Per-CPU fast path per order: (device or virtual cluster, next offset). */
export const PERCPU_CLUSTER_BYTES = 16
export const percpuBytes = (ncpus: number): number => ncpus * PERCPU_CLUSTER_BYTES * SWAP_NR_ORDERS
/** struct zswap_entry: swpentry 8, length 4, referenced 1 (+3), pool 8, handle 8, objcg 8, lru list_head 16. */
export const ZSWAP_ENTRY_BYTES = 56
/** zsmalloc size classes: objects are rounded up to 16 B, and no class is below 32 B. */
export const ZS_SIZE_CLASS_DELTA = 16
export const ZS_MIN_ALLOC_SIZE = 32
export const zsObjectBytes = (len: number): number =>
  Math.max(ZS_MIN_ALLOC_SIZE, Math.ceil(len / ZS_SIZE_CLASS_DELTA) * ZS_SIZE_CLASS_DELTA)
/** Bytes of the bitmaps of a device of nslots (unsigned long words). */
export const bitmapBytes = (nslots: number): number => Math.ceil(nslots / 64) * 8
