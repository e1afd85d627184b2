// What Run detail shows of a RunSummary and a config: pure, so tests check it directly.
import type { RunSummary } from '../../../engine/pure'

export interface SummaryItem {
  key: string
  label: string
  value: number
  /** Metric key for formatting (see lib/metrics). */
  format: string
}

const sum = (xs: number[] | undefined): number => (xs ?? []).reduce((a, b) => a + b, 0)

export function summaryItems(s: RunSummary): SummaryItem[] {
  const c = s.counters
  const items: SummaryItem[] = [
    { key: 'simTimeNs', label: 'Simulated time', value: s.simTimeNs, format: 'simTimeNs' },
    { key: 'wallTimeMs', label: 'Wall time', value: s.wallTimeMs, format: 'wallTimeMs' },
    { key: 'systemTimeNs', label: 'System time', value: s.systemTimeNs, format: 'systemTimeNs' },
    { key: 'operations', label: 'Operations', value: s.operations, format: 'operations' },
    { key: 'metadataPeakBytes', label: 'Peak metadata', value: s.metadataPeakBytes, format: 'metadataPeakBytes' },
    { key: 'bytesPerSlot', label: 'Metadata per slot', value: s.metadata?.bytesPerSlot, format: 'bytesPerSlot' },
    { key: 'swpout', label: 'Swapouts', value: sum(c?.swpout), format: 'swpout' },
    { key: 'swpin', label: 'Swapins', value: sum(c?.swpin), format: 'swpin' },
    { key: 'swpoutFallback', label: 'Swapout fallbacks', value: sum(c?.swpoutFallback), format: 'swpoutFallback' },
    { key: 'hasCacheRetries', label: 'HAS_CACHE retries', value: c?.hasCacheRetries, format: 'hasCacheRetries' },
    { key: 'swapoutP99', label: 'Swapout p99 (sim)', value: s.latency?.swapoutSimNs?.p99, format: 'swapoutP99Ns' },
    { key: 'swapinP99', label: 'Swapin p99 (sim)', value: s.latency?.swapinSimNs?.p99, format: 'swapinP99Ns' }
  ]
  for (const [k, v] of Object.entries(s.workloadMetrics ?? {})) if (typeof v === 'number') items.push({ key: `workload.${k}`, label: k, value: v, format: k })
  return items.filter((i) => typeof i.value === 'number' && Number.isFinite(i.value))
}

/** Nested config -> dotted key/value rows, arrays of scalars joined ("thpOrders: 0, 4"). */
export function flattenConfig(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return prefix ? [[prefix, String(value)]] : []
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return [[prefix, value.join(', ')]]
    return value.flatMap((v, i) => flattenConfig(v, `${prefix}.${i}`))
  }
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flattenConfig(v, prefix ? `${prefix}.${k}` : k))
  return [[prefix, String(value)]]
}
