// What each design is, in one place: titles, kernel versions and options.

import type { DesignName } from '../types'
import type { ParamSpec } from '../catalogueTypes'

export interface DesignInfo {
  name: DesignName
  title: string
  kernel: string
  summary: string
  options: ParamSpec[]
}

export const DESIGN_CATALOGUE: DesignInfo[] = [
  {
    name: 'legacy',
    title: 'Legacy swap_map + XArray cache',
    kernel: 'Linux 6.6-6.9',
    summary:
      'swap_map byte per slot with HAS_CACHE and count continuation, XArray swap cache per 64 MiB, per-CPU slot cache, free-cluster list plus linear scan, SYNC_IO bypass.',
    options: []
  },
  {
    name: 'mthp-6.10',
    title: 'Per-order per-CPU clusters (6.10)',
    kernel: 'Linux 6.10-6.11',
    summary:
      'Legacy plus a per-CPU cluster per folio order taken from free clusters only; mTHP swapout falls back to splitting once free clusters are gone.',
    options: []
  },
  {
    name: 'cluster',
    title: 'Cluster allocator (6.12+)',
    kernel: 'Linux 6.12-6.17',
    summary:
      'free / nonfull[order] / frag[order] / full / discard cluster lists, order-0 stealing, full-cluster reclaim, global per-CPU fast path; swap_map, XArray cache, HAS_CACHE and SYNC_IO bypass kept.',
    options: []
  },
  {
    name: 'swap-table',
    title: 'Swap table (Kairui Song, 2025)',
    kernel: 'P1 in Linux 6.18; P2-P4 proposed',
    summary:
      'Per-cluster tables hold folio / shadow / count per slot, allocated with the cluster. P1 replaces the XArray cache, P2 removes HAS_CACHE and unifies swapin, P3 moves counts into the table, P4 moves memcg ids and the zero flag.',
    options: [
      { key: 'phase', label: 'Phase', kind: 'enum', values: [1, 2, 3, 4], default: 4, help: 'Which phase of the series is modelled.' },
      {
        key: 'memcgLayout',
        label: 'memcg id layout (P4)',
        kind: 'enum',
        values: ['table', 'shadow'],
        default: 'table',
        optional: true,
        help: "Phase 4 only: where a slot's memcg id lives: a per-cluster memcg table of 1 KiB (the posted series, v2 on) or packed in the swap table's shadow entry (the RFC, v1)."
      },
      {
        key: 'discontiguousSwapout',
        label: 'Discontiguous swapout',
        kind: 'bool',
        default: false,
        help: 'A large folio may take non-contiguous slots instead of being split (not in any kernel yet).'
      },
      {
        key: 'mthpSwapin',
        label: 'Readahead mTHP swapin',
        kind: 'bool',
        default: false,
        help: 'Swap a large folio back in when its slots are found together (not in any kernel yet).'
      }
    ]
  },
  {
    name: 'vswap',
    title: 'Virtual swap space (Nhat Pham)',
    kernel: 'proposed (v3)',
    summary:
      'Page tables hold virtual slots; a per-entry descriptor holds count, cache and backend; physical slots are allocated lazily at writeout with a reverse map in per-cluster tables; zswap needs no physical slot, or no device at all (zswap-only).',
    options: [
      {
        key: 'descriptorBytes',
        label: 'Descriptor size',
        kind: 'enum',
        values: [24, 48, 64],
        default: 24,
        unit: 'bytes',
        help: 'Per-entry descriptor: 24 B (v3), 48 B and 64 B (earlier versions).'
      },
      {
        key: 'zswapPoolBytes',
        label: 'zswap pool limit',
        kind: 'int',
        min: 0,
        max: 64 * 2 ** 30,
        default: 0,
        unit: 'bytes',
        help: 'In-memory compressed backend; 0 disables it. Full pool writes back to the device.'
      },
      {
        key: 'backing',
        label: 'Backing',
        kind: 'enum',
        values: ['device', 'zswap-only'],
        default: 'device',
        optional: true,
        help: 'device: the swap devices (zswap in front when it has a pool). zswap-only: no swap device at all; every swapped page is compressed in zswap, and a folio the full pool rejects stays in memory.'
      }
    ]
  },
  {
    name: 'kernel',
    title: 'A real Linux kernel',
    kernel: 'the host kernel or any packaged / built release (in QEMU)',
    summary:
      "Not a simulation: the same workload runs as real processes on a real kernel, the host's (needs root) or one booted in QEMU, swapping to the lab's own device file in a memory cgroup; counters come from /proc/vmstat, the per-size mTHP stats and the cgroup.",
    options: [
      {
        key: 'image',
        label: 'Kernel image',
        kind: 'string',
        default: 'host',
        help: "'host' (this machine's kernel, needs root), 'debian-<version>' (a Debian cloud kernel, fetched into the lab's cache: swaplab kernels), or a bzImage path (CLI only)."
      },
      {
        key: 'modules',
        label: 'Modules folder',
        kind: 'string',
        default: '',
        optional: true,
        help: 'For a bzImage path only: its lib/modules/<release> folder (CLI only); packaged images bring their own.'
      },
      {
        key: 'accel',
        label: 'Accelerator',
        kind: 'enum',
        values: ['auto', 'kvm', 'tcg'],
        default: 'auto',
        help: 'VM only: auto tries KVM and falls back to TCG (emulation: wall times are then not kernel timings).'
      },
      {
        key: 'lru',
        label: 'LRU',
        kind: 'enum',
        values: ['default', 'classic'],
        default: 'default',
        help: "default: the kernel's own page reclaim. classic: the multi-generational LRU switched off (/sys/kernel/mm/lru_gen/enabled = n) where the kernel has it on (Debian enables it from 6.12), so reclaim uses the active/inactive lists the simulated designs model."
      }
    ]
  }
]
