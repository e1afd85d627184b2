// Names and units of what runs report: the time-series fields and the summary metrics.
import { SAMPLE_FIELDS, type SampleField } from '../../../engine/pure'
import { fmtBytes, fmtNumber } from './format'

export interface MetricInfo {
  label: string
  unit: 'bytes' | 'count' | 'MB/s' | 'pages/s' | 'ns' | 'ms' | '%' | ''
  /** True when a larger value is better (for colouring deltas). */
  higherIsBetter?: boolean
}

export const SAMPLE_FIELD_INFO: Record<SampleField, MetricInfo> = {
  residentPages: { label: 'Resident pages', unit: 'count' },
  swapUsedSlots: { label: 'Swap slots used', unit: 'count' },
  swapCachePages: { label: 'Swap cache pages', unit: 'count' },
  metadataBytes: { label: 'Swap metadata', unit: 'bytes', higherIsBetter: false },
  swpout: { label: 'Pages swapped out', unit: 'count' },
  swpin: { label: 'Pages swapped in', unit: 'count' },
  swpoutFallback: { label: 'mTHP swapout fallbacks', unit: 'count', higherIsBetter: false },
  pageRate: { label: 'Page rate', unit: 'pages/s', higherIsBetter: true },
  throughputMBps: { label: 'Throughput', unit: 'MB/s', higherIsBetter: true },
  clustersFree: { label: 'Free clusters', unit: 'count' },
  clustersNonfull: { label: 'Nonfull clusters', unit: 'count' },
  clustersFrag: { label: 'Frag clusters', unit: 'count' },
  clustersFull: { label: 'Full clusters', unit: 'count' },
  clustersDiscard: { label: 'Discard clusters', unit: 'count' },
  hasCacheRetries: { label: 'HAS_CACHE retries', unit: 'count', higherIsBetter: false },
  folioLockWaits: { label: 'Folio lock waits', unit: 'count', higherIsBetter: false },
  majorFaults: { label: 'Major faults', unit: 'count' }
}

/** The live and detail charts: one panel per topic, each with the fields it overlays. */
export const CHART_PANELS: { id: string; title: string; fields: SampleField[] }[] = [
  { id: 'throughput', title: 'Throughput', fields: ['throughputMBps'] },
  { id: 'metadata', title: 'Swap metadata memory', fields: ['metadataBytes'] },
  { id: 'swap', title: 'Swap usage', fields: ['swapUsedSlots', 'swapCachePages', 'residentPages'] },
  { id: 'clusters', title: 'Cluster lists', fields: ['clustersFree', 'clustersNonfull', 'clustersFrag', 'clustersFull', 'clustersDiscard'] },
  { id: 'fallbacks', title: 'Fallbacks and retries', fields: ['swpoutFallback', 'hasCacheRetries', 'folioLockWaits'] }
]

export const ALL_SAMPLE_FIELDS: readonly SampleField[] = SAMPLE_FIELDS

/** Summary metrics by key as the lab service names them; unknown keys fall back to their key. */
const SUMMARY_INFO: Record<string, MetricInfo> = {
  simTimeNs: { label: 'Simulated time', unit: 'ns', higherIsBetter: false },
  simTimeMs: { label: 'Simulated time', unit: 'ms', higherIsBetter: false },
  wallTimeMs: { label: 'Wall time', unit: 'ms', higherIsBetter: false },
  systemTimeNs: { label: 'System time', unit: 'ns', higherIsBetter: false },
  systemTimeMs: { label: 'System time', unit: 'ms', higherIsBetter: false },
  throughputMBps: { label: 'Throughput', unit: 'MB/s', higherIsBetter: true },
  metadataPeakBytes: { label: 'Peak metadata', unit: 'bytes', higherIsBetter: false },
  metadataBytes: { label: 'Metadata', unit: 'bytes', higherIsBetter: false },
  bytesPerSlot: { label: 'Metadata per slot', unit: 'bytes', higherIsBetter: false },
  swpout: { label: 'Swapouts', unit: 'count' },
  swpin: { label: 'Swapins', unit: 'count' },
  swpoutFallback: { label: 'Swapout fallbacks', unit: 'count', higherIsBetter: false },
  fallbackPercentMean: { label: 'mTHP fallback', unit: '%', higherIsBetter: false },
  hasCacheRetries: { label: 'HAS_CACHE retries', unit: 'count', higherIsBetter: false },
  swapoutP99Ns: { label: 'Swapout p99', unit: 'ns', higherIsBetter: false },
  swapinP99Ns: { label: 'Swapin p99', unit: 'ns', higherIsBetter: false },
  operations: { label: 'Operations', unit: 'count' },
  requestsPerSec: { label: 'Requests/s', unit: 'count', higherIsBetter: true }
}

export function metricInfo(key: string): MetricInfo {
  if (key in SUMMARY_INFO) return SUMMARY_INFO[key]
  if (key in SAMPLE_FIELD_INFO) return SAMPLE_FIELD_INFO[key as SampleField]
  return { label: humanize(key), unit: /Bytes$/.test(key) ? 'bytes' : /Ns$/.test(key) ? 'ns' : /Ms$/.test(key) ? 'ms' : /Percent/.test(key) ? '%' : '' }
}

export function fmtMetric(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-'
  const { unit } = metricInfo(key)
  switch (unit) {
    case 'bytes':
      return fmtBytes(value)
    case 'ns':
      return value >= 1e9 ? `${fmtNumber(value / 1e9)} s` : value >= 1e6 ? `${fmtNumber(value / 1e6)} ms` : value >= 1e3 ? `${fmtNumber(value / 1e3)} µs` : `${fmtNumber(value)} ns`
    case 'ms':
      return value >= 1e4 ? `${fmtNumber(value / 1e3)} s` : `${fmtNumber(value)} ms`
    case '%':
      return `${fmtNumber(value)} %`
    case 'MB/s':
      return `${fmtNumber(value)} MB/s`
    case 'pages/s':
      return `${fmtNumber(value)}/s`
    default:
      return fmtNumber(value)
  }
}

/** "swapoutP99Ns" -> "Swapout p99 ns". */
export function humanize(key: string): string {
  const words = key
    .replace(/\./g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
