// The metrics of a finished run, flattened from its RunSummary into one map of base units
// (seconds, bytes, counts), named snake_case with the unit in the name. Trial statistics,
// compare tables and CSV export all use these names.

import type { Counters, LatencySummary, RunSummary } from '../engine/pure'

/** Bytes in the "MB" of the workloads' MB/s figures (decimal, as usemem reports them: engine/workloads/workload.ts). */
export const WORKLOAD_MB = 1e6

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0)
const ns = (v: number): number => v / 1e9

/** "swapout_latency" -> swapout_latency_mean_s, _p99_s, _max_s: the statistic before the unit, so exports never double a suffix. */
function latency(out: Record<string, number>, name: string, l: LatencySummary): void {
  if (!l || l.count === 0) return
  out[`${name}_mean_s`] = ns(l.mean)
  out[`${name}_p99_s`] = ns(l.p99)
  out[`${name}_max_s`] = ns(l.max)
}

/**
 * The counters each metric is computed from. A kernel run measures only some counters
 * (summary.kernel.measured): a metric whose counters it did not measure is left out, so it
 * shows as missing ('–', an empty CSV cell), never as a 0 the kernel did not count.
 */
const FROM_COUNTERS: Record<string, (keyof Counters)[]> = {
  swpout: ['swpout'],
  swpout_fallback: ['swpoutFallback'],
  swpin: ['swpin'],
  pswpout: ['pswpout'],
  pswpin: ['pswpin'],
  mthp_fallback_percent: ['swpout', 'swpoutFallback'],
  major_faults: ['majorFaults'],
  swap_cache_lookups: ['swapCacheLookup'],
  swap_cache_hits: ['swapCacheHit'],
  readahead_pages: ['readaheadPages'],
  readahead_hits: ['readaheadHits'],
  sync_bypass_swapins: ['syncBypassSwapins'],
  has_cache_retries: ['hasCacheRetries'],
  has_cache_retry_s: ['hasCacheRetryNs'],
  folio_lock_waits: ['folioLockWaits'],
  folio_lock_wait_s: ['folioLockWaitNs'],
  slots_scanned: ['slotsScanned'],
  alloc_failures: ['allocFailures'],
  table_allocs: ['tableAllocs'],
  continuation_allocs: ['continuationAllocs'],
  extension_table_allocs: ['extensionTableAllocs'],
  lock_contended: ['lockContended'],
  lock_wait_s: ['lockWaitNs']
}

/** Metrics only the simulation has (its clock, its metadata accounting, its device model). */
const SIMULATION_ONLY = new Set([
  'sim_time_s',
  'operations',
  'metadata_bytes',
  'metadata_static_bytes',
  'metadata_dynamic_bytes',
  'metadata_peak_bytes',
  'metadata_bytes_per_slot',
  'metadata_dynamic_bytes_per_used_slot',
  'used_slots'
])

/** All metrics of a run, in a stable order (insertion order is the column order of exports). */
export function runMetrics(s: RunSummary): Record<string, number> {
  const all = allMetrics(s)
  if (!s.kernel) return all
  const measured = new Set<string>(s.kernel.measured ?? [])
  const out: Record<string, number> = {}
  for (const [name, v] of Object.entries(all)) {
    if (SIMULATION_ONLY.has(name)) continue
    const from = FROM_COUNTERS[name]
    if (from && !from.every((c) => measured.has(c))) continue
    // The device totals and system time are the backend's to fill; 0 there means "not measured".
    if ((name.startsWith('device_bytes_') || name === 'system_time_s') && v === 0) continue
    out[name] = v
  }
  return out
}

function allMetrics(s: RunSummary): Record<string, number> {
  const c = s.counters
  const m: Record<string, number> = {
    sim_time_s: ns(s.simTimeNs),
    engine_wall_time_s: s.wallTimeMs / 1e3,
    system_time_s: ns(s.systemTimeNs),
    operations: s.operations,
    metadata_bytes: s.metadata.staticBytes + s.metadata.dynamicBytes,
    metadata_static_bytes: s.metadata.staticBytes,
    metadata_dynamic_bytes: s.metadata.dynamicBytes,
    metadata_peak_bytes: s.metadataPeakBytes,
    metadata_bytes_per_slot: s.metadata.bytesPerSlot,
    metadata_dynamic_bytes_per_used_slot: s.metadata.dynamicBytesPerUsedSlot,
    used_slots: s.metadata.usedSlots,
    swpout: sum(c.swpout),
    swpout_fallback: sum(c.swpoutFallback),
    swpin: sum(c.swpin),
    pswpout: c.pswpout,
    pswpin: c.pswpin
  }
  const mthpOut = sum(c.swpout.slice(1))
  const mthpFallback = sum(c.swpoutFallback.slice(1))
  if (mthpOut + mthpFallback > 0) m.mthp_fallback_percent = (100 * mthpFallback) / (mthpOut + mthpFallback)
  Object.assign(m, {
    major_faults: c.majorFaults,
    swap_cache_lookups: c.swapCacheLookup,
    swap_cache_hits: c.swapCacheHit,
    readahead_pages: c.readaheadPages,
    readahead_hits: c.readaheadHits,
    sync_bypass_swapins: c.syncBypassSwapins,
    has_cache_retries: c.hasCacheRetries,
    has_cache_retry_s: ns(c.hasCacheRetryNs),
    folio_lock_waits: c.folioLockWaits,
    folio_lock_wait_s: ns(c.folioLockWaitNs),
    slots_scanned: c.slotsScanned,
    alloc_failures: c.allocFailures,
    table_allocs: c.tableAllocs,
    continuation_allocs: c.continuationAllocs,
    extension_table_allocs: c.extensionTableAllocs,
    lock_contended: sum(Object.values(c.lockContended ?? {})),
    lock_wait_s: ns(sum(Object.values(c.lockWaitNs ?? {}))),
    device_bytes_written: s.device.bytesWritten,
    device_bytes_read: s.device.bytesRead
  })
  latency(m, 'swapout_latency', s.latency.swapoutSimNs)
  latency(m, 'swapin_latency', s.latency.swapinSimNs)
  latency(m, 'swap_free_latency', s.latency.freeSimNs)
  for (const [name, value] of Object.entries(s.workloadMetrics ?? {})) {
    if (typeof value !== 'number') continue
    const [key, scaled] = workloadMetric(name, value)
    if (!(key in m)) m[key] = scaled
  }
  return m
}

/** "freeLatencyMsMean" -> ["free_latency_mean_s", value / 1000]; "throughputMBps" -> bytes per second. */
export function workloadMetric(name: string, value: number): [string, number] {
  let scale = 1
  let n = name.replace(/MBps/, () => {
    scale = WORKLOAD_MB
    return 'BytesPerS'
  })
  n = n.replace(/PerSec(?=[A-Z]|$)/, 'PerS')
  n = n.replace(/(Ms|Us|Ns)(?=[A-Z]|$)/, (u) => {
    scale = u === 'Ms' ? 1e-3 : u === 'Us' ? 1e-6 : 1e-9
    return 'S'
  })
  const key = n
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z0-9])/g, '$1_$2')
    .toLowerCase()
    // "free_latency_s_mean" -> "free_latency_mean_s": the unit last, as in every other metric name.
    .replace(/_s_(mean|max|min|p\d+)$/, '_$1_s')
  return [key, value * scale]
}

/** The few metrics shown in run tables: the general ones plus what the workload reports. */
export function headlineMetrics(s: RunSummary): Record<string, number> {
  const all = runMetrics(s)
  // A kernel run has no simulated clock or metadata accounting: its wall time and the kernel's own counters instead.
  const keys = s.kernel
    ? ['engine_wall_time_s', 'system_time_s', 'swpout', 'swpin', 'pswpout', 'pswpin', 'major_faults', 'mthp_fallback_percent']
    : ['sim_time_s', 'system_time_s', 'metadata_peak_bytes', 'swpout', 'swpin', 'mthp_fallback_percent']
  for (const [name, value] of Object.entries(s.workloadMetrics ?? {}))
    if (typeof value === 'number') keys.push(workloadMetric(name, value)[0])
  return Object.fromEntries(keys.filter((k) => k in all).map((k) => [k, all[k]]))
}
