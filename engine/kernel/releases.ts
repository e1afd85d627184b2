// Which simulated design models each kernel release. Derived from the kernel itself, not from
// memory: the packaged sources of 6.1, 6.12, 7.2 and 7.3 (linux-source-*, mm/swap*.c,
// include/linux/swap.h) and the symbols of each Debian cloud kernel binary from 6.1 to 7.3
// booted in the lab (/proc/kallsyms, probeKernelSymbols in vm.ts). RELEASES.md lists the
// evidence for every boundary.

export interface PairedDesign {
  design: 'legacy' | 'mthp-6.10' | 'cluster' | 'swap-table'
  options: Record<string, number | string | boolean>
}

interface Era {
  /** First release (major, minor) of this era. */
  from: [number, number]
  paired: PairedDesign
  /** How the boundary was established. */
  evidence: string
}

/** Newest first. A release older than the first era is not modelled (null). */
export const RELEASE_ERAS: readonly Era[] = [
  {
    from: [7, 2],
    paired: { design: 'swap-table', options: { phase: 4 } },
    evidence:
      'swap_cgroup_swapon gone (mm/swap_cgroup.c removed); swap_cluster_info.memcg_table; SWP_TB_ZERO_FLAG in mm/swap_table.h (linux-source-7.2, 7.3)'
  },
  {
    from: [7, 1],
    paired: { design: 'swap-table', options: { phase: 3 } },
    evidence:
      'add_swap_count_continuation gone from kallsyms (no swap_map count continuation); swap_cgroup_swapon still present (Debian 7.1.13)'
  },
  {
    from: [7, 0],
    paired: { design: 'swap-table', options: { phase: 2 } },
    evidence: 'swapcache_prepare (the SWAP_HAS_CACHE pin) gone from kallsyms; swap_cache_alloc_folio present (Debian 7.0.13)'
  },
  {
    from: [6, 18],
    paired: { design: 'swap-table', options: { phase: 1 } },
    evidence: 'swapper_spaces (XArray swap cache per 64 MiB) gone from kallsyms; swapcache_prepare still present (Debian 6.18.15, 6.19.14)'
  },
  {
    from: [6, 12],
    paired: { design: 'cluster', options: {} },
    evidence:
      'nonfull_clusters[SWAP_NR_ORDERS], frag_clusters[], full_clusters in swap_info_struct; swap_reclaim_full_clusters (linux-source-6.12); slot cache gone in 6.16 kallsyms (enable_swap_slots_cache absent)'
  },
  {
    from: [6, 10],
    paired: { design: 'mthp-6.10', options: {} },
    evidence:
      'upstream history only (no 6.10/6.11 package to check here): per-order percpu_cluster next[SWAP_NR_ORDERS] from free clusters; the nonfull/frag lists came with the swap-allocator series of 2024-07-30, first in 6.12'
  },
  {
    from: [6, 1],
    paired: { design: 'legacy', options: {} },
    evidence:
      'mm/swap_slots.c (slot cache), swapper_spaces XArrays (SWAP_ADDRESS_SPACE_SHIFT 14), SWAP_HAS_CACHE 0x40 in swap_map, one percpu_cluster, scan_swap_map_slots (linux-source-6.1; Debian 6.1.0-56 kallsyms)'
  }
]

/** (major, minor) of a release or version string: '6.12.117+deb12-cloud-amd64', '6.1.0-56-cloud-amd64', '7.3~rc7'. */
export function majorMinor(release: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release.trim())
  return m ? [Number(m[1]), Number(m[2])] : null
}

/** The simulated design (and options) that models a kernel release, or null for releases before 6.1. */
export function pairedDesign(release: string): PairedDesign | null {
  const v = majorMinor(release)
  if (!v) return null
  for (const era of RELEASE_ERAS) {
    const [a, b] = era.from
    if (v[0] > a || (v[0] === a && v[1] >= b)) return { design: era.paired.design, options: { ...era.paired.options } }
  }
  return null
}

/**
 * Symbols whose presence in /proc/kallsyms tells the eras apart (all non-static or data
 * symbols, so inlining does not hide them; Debian builds with CONFIG_KALLSYMS_ALL).
 */
export const DESIGN_MARKER_SYMBOLS = [
  'enable_swap_slots_cache',
  'scan_swap_map_slots',
  'swap_reclaim_full_clusters',
  'swapper_spaces',
  'swapcache_prepare',
  'add_swap_count_continuation',
  'swap_cgroup_swapon'
] as const

/**
 * The design a kernel binary contains, from which marker symbols it has: for a user's
 * bzImage whose version number says little (a patched or -next kernel). Null when the
 * markers do not fit any era (e.g. a kernel without swap).
 */
export function designFromSymbols(present: ReadonlySet<string>): PairedDesign | null {
  const has = (s: (typeof DESIGN_MARKER_SYMBOLS)[number]) => present.has(s)
  if (!has('swapper_spaces')) {
    if (!has('swap_cgroup_swapon') && !has('add_swap_count_continuation') && !has('swapcache_prepare'))
      return { design: 'swap-table', options: { phase: 4 } }
    if (!has('add_swap_count_continuation') && !has('swapcache_prepare')) return { design: 'swap-table', options: { phase: 3 } }
    if (!has('swapcache_prepare')) return { design: 'swap-table', options: { phase: 2 } }
    return { design: 'swap-table', options: { phase: 1 } }
  }
  if (has('swap_reclaim_full_clusters')) return { design: 'cluster', options: {} }
  if (has('scan_swap_map_slots')) return { design: 'legacy', options: {} }
  return null
}
