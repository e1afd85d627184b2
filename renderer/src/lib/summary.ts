// What Run detail shows of a RunSummary and a config: pure, so tests check it directly.
import type { RunSummary } from '../../../engine/pure'
import { runMetrics } from '../../../experiments/metrics'
import { metricInfo, preferredOrder } from './metrics'

export interface SummaryItem {
  key: string
  label: string
  value: number
}

/** Metrics of a run as the lab names them (the same as compare and CSV), the telling ones first. */
export function summaryItems(s: RunSummary, limit = 18): SummaryItem[] {
  const all = runMetrics(s)
  const keys = preferredOrder(Object.keys(all).filter((k) => Number.isFinite(all[k])))
  return keys.slice(0, limit).map((key) => ({ key, label: metricInfo(key).label, value: all[key] }))
}

/** Nested config -> dotted key/value rows, arrays of scalars joined ("thpOrders: 0, 4"). */
export function flattenConfig(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return prefix ? [[prefix, String(value)]] : []
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return [[prefix, value.join(', ')]]
    return value.flatMap((v, i) => flattenConfig(v, `${prefix}.${i}`))
  }
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flattenConfig(v, prefix ? `${prefix}.${k}` : k))
  return [[prefix, String(value)]]
}
