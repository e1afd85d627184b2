// Structure sizes of the virtual swap space (x86-64), in one place: the design's memory()
// and the fidelity test both derive their figures from these. VSWAP.md gives the formulas
// and the patches of the series each one is read from.

import { SWAPFILE_CLUSTER, SWAP_NR_ORDERS } from '../../types'

/** Virtual slots per virtual cluster (v3+: VSWAP_CLUSTER_SHIFT = HPAGE_PMD_ORDER). */
export const VSWAP_CLUSTER = 512
/**
 * struct vswap_cluster (v6, mm/vswap.c): spinlock 4 (+4), rcu_head/list_head union 16, id 8,
 * count:10 order:4 cached:1 full:1 bit-fields 4, refcnt 4, DECLARE_BITMAP(bitmap, 512) 64,
 * descriptors pointer 8: 112 B, from its own kmem_cache.
 */
export const VSWAP_CLUSTER_BYTES = 112
/**
 * v3+ descriptors live in one array per virtual cluster, vzalloc'ed with the cluster
 * (v6: vzalloc(array_size(VSWAP_CLUSTER_SIZE, sizeof(struct swp_desc))), 512 x 24 B =
 * 12 KiB, three whole pages) and freed with it: they cost per cluster in use, not per slot.
 * RFC v1/v2 (64 / 48 B) allocated one descriptor per entry.
 */
export const descriptorArrayBytes = (descriptorBytes: number): number => Math.ceil((VSWAP_CLUSTER * descriptorBytes) / 4096) * 4096
/** v3+ (24 B descriptors) allocate them per virtual cluster; v1/v2 per entry. */
export const descriptorsPerCluster = (descriptorBytes: number): boolean => descriptorBytes === 24
/**
 * Reverse map physical -> virtual slot: v3+ "re-use swap table for the reverse mapping",
 * one atomic_long_t per slot in the physical cluster's swap table, which the 6.18+ base
 * allocates when a cluster is taken from the free list and frees when it is free again.
 */
export const RMAP_TABLE_BYTES = SWAPFILE_CLUSTER * 8
/**
 * Bitmaps per physical device ("swapfile: replace the swap map with bitmaps", v3-v6 20/2x):
 * swap_map and bad_map, each kvcalloc(BITS_TO_LONGS(maxpages), sizeof(long)) at swapon.
 */
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
