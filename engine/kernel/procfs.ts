// Kernel counters as text -> numbers -> the run summary's counters. Pure functions over the
// text of /proc/vmstat, the per-size mTHP stats (/sys/kernel/mm/transparent_hugepage/
// hugepages-<size>kB/stats/*), /proc/swaps and a cgroup's memory.stat, so the host backend
// (reading the files) and the VM backend (reading the guest's dumps on the console) share them.

import { SWAP_NR_ORDERS, type Counters } from '../types'
import { emptyCounters } from '../metrics/counters'

export type Stats = Record<string, number>
/** Per-size mTHP stats by folder name: 'hugepages-64kB' -> { swpout: 12, swpout_fallback: 3, ... }. */
export type MthpStats = Record<string, Stats>

/** `name value` lines (/proc/vmstat, memory.stat, memory.events) -> numbers; other lines are skipped. */
export function parseKeyValues(text: string): Stats {
  const out: Stats = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][\w]*)\s+(-?\d+)\s*$/.exec(line)
    if (m) out[m[1]] = Number(m[2])
  }
  return out
}

export const parseVmstat = parseKeyValues

/**
 * The mTHP stats as `grep -r . hugepages-*kB/stats` prints them: lines `PATH:VALUE` (or
 * `PATH VALUE`) whose path ends in `hugepages-<N>kB/stats/<stat>`. The host backend writes
 * the same format from the files it reads (`formatMthpDump`), the VM's /init prints it.
 */
export function parseMthpDump(text: string): MthpStats {
  const out: MthpStats = {}
  for (const line of text.split('\n')) {
    const m = /(hugepages-\d+kB)\/stats\/([A-Za-z_]\w*)[:\s]\s*(\d+)\s*$/.exec(line.replace(/\r$/, ''))
    if (!m) continue
    ;(out[m[1]] ??= {})[m[2]] = Number(m[3])
  }
  return out
}

export function formatMthpDump(stats: MthpStats): string {
  const lines: string[] = []
  for (const [dir, s] of Object.entries(stats)) for (const [k, v] of Object.entries(s)) lines.push(`${dir}/stats/${k}:${v}`)
  return lines.join('\n') + (lines.length ? '\n' : '')
}

/** 'hugepages-64kB' -> folio order 4 (4 KiB pages); NaN for a name that is not a size folder. */
export function mthpOrder(dir: string): number {
  const m = /^hugepages-(\d+)kB$/.exec(dir)
  if (!m) return Number.NaN
  const order = Math.log2(Number(m[1]) / 4)
  return Number.isInteger(order) ? order : Number.NaN
}

/** after - before for every key of `after` that `before` has too (counters only grow; a reset shows as negative). */
export function deltaStats(before: Stats, after: Stats): Stats {
  const out: Stats = {}
  for (const [k, v] of Object.entries(after)) if (k in before) out[k] = v - before[k]
  return out
}

export function deltaMthp(before: MthpStats, after: MthpStats): MthpStats {
  const out: MthpStats = {}
  for (const [dir, s] of Object.entries(after)) if (before[dir]) out[dir] = deltaStats(before[dir], s)
  return out
}

/** Fields of /proc/vmstat that matter to swap, kept in KernelRunInfo.vmstatDelta even when 0. */
export const SWAP_VMSTAT_FIELDS = [
  'pswpin',
  'pswpout',
  'swap_ra',
  'swap_ra_hit',
  'pgmajfault',
  'pgfault',
  'thp_swpout',
  'thp_swpout_fallback',
  'swpin_zero',
  'swpout_zero',
  'workingset_refault_anon',
  'workingset_activate_anon',
  'workingset_restore_anon',
  'pgscan_anon',
  'pgsteal_anon',
  'zswpin',
  'zswpout',
  'zswpwb',
  'oom_kill',
  'nr_swapcached'
] as const

/** What the summary keeps of a vmstat delta: the swap fields (present in this kernel) and every other field that changed. */
export function summaryVmstatDelta(delta: Stats): Stats {
  const keep = new Set<string>(SWAP_VMSTAT_FIELDS)
  const out: Stats = {}
  for (const [k, v] of Object.entries(delta)) if (v !== 0 || keep.has(k)) out[k] = v
  return out
}

const MTHP_SWAP_STATS = new Set(['swpout', 'swpout_fallback', 'swpin', 'swpin_fallback'])

/** What the summary keeps of an mTHP delta: each size's swap stats, and any other stat that changed. */
export function summaryMthpDelta(delta: MthpStats): MthpStats {
  const out: MthpStats = {}
  for (const [dir, s] of Object.entries(delta)) {
    const kept: Stats = {}
    for (const [k, v] of Object.entries(s)) if (v !== 0 || MTHP_SWAP_STATS.has(k)) kept[k] = v
    out[dir] = kept
  }
  return out
}

export interface KernelCounters {
  counters: Counters
  /** Fields of `counters` that carry the kernel's values (the rest are 0 and mean "not measured"). */
  measured: (keyof Counters)[]
  /** Fields taken from the workload cgroup's own statistics rather than the system-wide /proc/vmstat. */
  fromCgroup: (keyof Counters)[]
}

/**
 * Maps kernel counter deltas onto RunSummary.counters, with the same meaning as the
 * simulation's:
 * - pswpout / pswpin: pages written to / read from swap (`pswpout`, `pswpin`);
 * - readaheadPages / readaheadHits: `swap_ra` / `swap_ra_hit`;
 * - majorFaults: `pgmajfault`, minorFaults: `pgfault - pgmajfault` (the host backend replaces
 *   both with the workload's own getrusage counts);
 * - swpout / swpoutFallback / swpin per order k >= 1: the mTHP stats of `hugepages-<4*2^k>kB`;
 *   order 9 falls back to `thp_swpout` / `thp_swpout_fallback` on kernels without per-size
 *   stats; order 0 (no kernel stat of its own) is derived exactly as pswpout minus the pages
 *   of the large folios swapped out whole, and likewise for swpin;
 * - workingsetRefaults: `workingset_refault_anon`; reclaimScanned / reclaimEvicted:
 *   `pgscan_anon` / `pgsteal_anon`; zswap stores / loads / writebacks: `zswpout` / `zswpin` / `zswpwb`.
 * A field is listed in `measured` only when the kernel has its source counter. Where the
 * cgroup's memory.stat (cgroup v2) has the same counter for the workload alone, it is used
 * instead and listed in `fromCgroup`.
 *
 * Kernels before 6.13 have no per-size `swpin` stat (MTHP_STAT_SWPIN, counted with PSWPIN in
 * mm/page_io.c for every folio read). They read a large folio only through the SYNC_IO bypass
 * (alloc_swap_folio in do_swap_page, 6.12) of a SWP_SYNCHRONOUS_IO device (zram, pmem); from
 * any other device every swapin is one page. With `order0Swapin` (the caller knows the swap
 * device is such another device: virtio-blk, a loop device) swpin is then exactly
 * [pswpin, 0, ...], and measured.
 */
export function countersFromDeltas(
  vm: Stats,
  mthp: MthpStats,
  cgroup: Stats | null = null,
  opts: { order0Swapin?: boolean } = {}
): KernelCounters {
  const c = emptyCounters()
  const measured = new Set<keyof Counters>()
  const fromCgroup = new Set<keyof Counters>()
  const src = (field: string): { v: number; cg: boolean } | null => {
    if (cgroup && field in cgroup) return { v: cgroup[field], cg: true }
    if (field in vm) return { v: vm[field], cg: false }
    return null
  }
  const scalar = (key: keyof Counters, field: string): void => {
    const s = src(field)
    if (!s) return
    ;(c[key] as number) = s.v
    measured.add(key)
    if (s.cg) fromCgroup.add(key)
  }
  scalar('pswpout', 'pswpout')
  scalar('pswpin', 'pswpin')
  scalar('readaheadPages', 'swap_ra')
  scalar('readaheadHits', 'swap_ra_hit')
  scalar('majorFaults', 'pgmajfault')
  const pgfault = src('pgfault')
  if (pgfault && measured.has('majorFaults')) {
    c.minorFaults = Math.max(0, pgfault.v - c.majorFaults)
    measured.add('minorFaults')
    if (pgfault.cg && fromCgroup.has('majorFaults')) fromCgroup.add('minorFaults')
  }
  scalar('workingsetRefaults', 'workingset_refault_anon')
  scalar('reclaimScanned', 'pgscan_anon')
  scalar('reclaimEvicted', 'pgsteal_anon')
  scalar('zswapStores', 'zswpout')
  scalar('zswapLoads', 'zswpin')
  scalar('zswapWritebacks', 'zswpwb')

  let perOrder = false
  let swpinPerOrder = false
  for (const [dir, s] of Object.entries(mthp)) {
    const k = mthpOrder(dir)
    if (!(k >= 1 && k < SWAP_NR_ORDERS)) continue
    if ('swpout' in s) {
      c.swpout[k] = s.swpout
      perOrder = true
    }
    if ('swpout_fallback' in s) c.swpoutFallback[k] = s.swpout_fallback
    if ('swpin' in s) {
      c.swpin[k] = s.swpin
      swpinPerOrder = true
    }
  }
  const pmd = SWAP_NR_ORDERS - 1
  if (!(`hugepages-${4 << pmd}kB` in mthp) || !('swpout' in mthp[`hugepages-${4 << pmd}kB`])) {
    const t = src('thp_swpout')
    const f = src('thp_swpout_fallback')
    if (t) {
      c.swpout[pmd] = t.v
      perOrder = true
    }
    if (f) c.swpoutFallback[pmd] = f.v
  }
  if (perOrder && measured.has('pswpout')) {
    let large = 0
    for (let k = 1; k < SWAP_NR_ORDERS; k++) large += c.swpout[k] * 2 ** k
    c.swpout[0] = Math.max(0, c.pswpout - large)
    measured.add('swpout')
    measured.add('swpoutFallback')
  }
  if (swpinPerOrder && measured.has('pswpin')) {
    let large = 0
    for (let k = 1; k < SWAP_NR_ORDERS; k++) large += c.swpin[k] * 2 ** k
    c.swpin[0] = Math.max(0, c.pswpin - large)
    measured.add('swpin')
  } else if (!swpinPerOrder && opts.order0Swapin && measured.has('pswpin')) {
    c.swpin[0] = c.pswpin
    measured.add('swpin')
  }
  return { counters: c, measured: [...measured], fromCgroup: [...fromCgroup] }
}

/** One active swap area of /proc/swaps. Sizes are in KiB as the kernel prints them. */
export interface SwapArea {
  filename: string
  type: string
  sizeKb: number
  usedKb: number
  priority: number
}

/**
 * /proc/swaps -> its areas. The kernel escapes space, tab, newline and backslash in file
 * names as octal (`\040`); they are unescaped here.
 */
export function parseProcSwaps(text: string): SwapArea[] {
  const out: SwapArea[] = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 5) continue
    const [sizeKb, usedKb, priority] = f.slice(-3).map(Number)
    if (![sizeKb, usedKb, priority].every(Number.isFinite)) continue
    const filename = f
      .slice(0, f.length - 4)
      .join(' ')
      .replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
    out.push({ filename, type: f[f.length - 4], sizeKb, usedKb, priority })
  }
  return out
}
