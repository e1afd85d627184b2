// Names and units of what runs report: the time-series fields and the summary metrics.
import { SAMPLE_FIELDS, type SampleField } from '../../../engine/pure'
import { fmtBytes, fmtNumber } from './format'

export interface MetricInfo {
  label: string
  unit: 'bytes' | 'bytes/s' | 'count' | 'MB/s' | 'pages/s' | '/s' | 'ns' | 'ms' | 's' | '%' | ''
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
  // The engine's samples count decimal MB (1e6 bytes), as usemem does; summaries are in bytes per second.
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
  {
    id: 'clusters',
    title: 'Cluster lists',
    fields: ['clustersFree', 'clustersNonfull', 'clustersFrag', 'clustersFull', 'clustersDiscard']
  },
  { id: 'fallbacks', title: 'Fallbacks and retries', fields: ['swpoutFallback', 'hasCacheRetries', 'folioLockWaits'] }
]

export const ALL_SAMPLE_FIELDS: readonly SampleField[] = SAMPLE_FIELDS

/**
 * Summary metrics as the lab names them (experiments/metrics.ts): snake_case in base units
 * with the unit in the name (sim_time_s, metadata_peak_bytes, throughput_bytes_per_s).
 */
const SUMMARY_LABELS: Record<string, string> = {
  sim_time_s: 'Simulated time',
  engine_wall_time_s: 'Engine wall time',
  system_time_s: 'System time',
  operations: 'Operations',
  metadata_bytes: 'Metadata',
  metadata_peak_bytes: 'Peak metadata',
  metadata_bytes_per_slot: 'Metadata per slot',
  metadata_dynamic_bytes_per_used_slot: 'Dynamic metadata per used slot',
  swpout: 'Swapouts',
  swpin: 'Swapins',
  swpout_fallback: 'Swapout fallbacks',
  mthp_fallback_percent: 'mTHP fallback',
  has_cache_retries: 'HAS_CACHE retries',
  throughput_bytes_per_s: 'Throughput',
  throughput_bytes_per_s_per_task: 'Throughput per task',
  requests_per_s: 'Requests/s',
  swapout_latency_p99_s: 'Swapout p99',
  swapin_latency_p99_s: 'Swapin p99',
  free_latency_mean_s: 'Free latency (mean)'
}

const LOWER_IS_BETTER = /(_time_s|latency|_wait|metadata|fallback|retries|failures|contended|scanned)/
const HIGHER_IS_BETTER = /(throughput|per_s$|hits|requests)/

export function metricInfo(key: string): MetricInfo {
  if (key in SAMPLE_FIELD_INFO) return SAMPLE_FIELD_INFO[key as SampleField]
  const unit: MetricInfo['unit'] = /_bytes_per_s($|_)/.test(key)
    ? 'bytes/s'
    : /_bytes(_|$)/.test(key)
      ? 'bytes'
      : /_s(_(mean|p\d+|max|min))?$/.test(key) || /_(mean|p\d+|max|min)_s$/.test(key)
        ? 's'
        : /_percent$/.test(key)
          ? '%'
          : /_per_s$/.test(key)
            ? '/s'
            : 'count'
  const higherIsBetter = HIGHER_IS_BETTER.test(key) ? true : LOWER_IS_BETTER.test(key) ? false : undefined
  return { label: SUMMARY_LABELS[key] ?? humanize(key), unit, higherIsBetter }
}

/** Metrics worth showing first, in this order, when present. */
export const PREFERRED_METRICS = [
  'throughput_bytes_per_s',
  'requests_per_s',
  'sim_time_s',
  'metadata_peak_bytes',
  'mthp_fallback_percent',
  'system_time_s',
  'metadata_bytes_per_slot',
  'swpout_fallback',
  'has_cache_retries',
  'swapout_latency_p99_s',
  'swapin_latency_p99_s',
  'swpout',
  'swpin'
]

export function preferredOrder(keys: string[]): string[] {
  const first = PREFERRED_METRICS.filter((k) => keys.includes(k))
  return [...first, ...keys.filter((k) => !first.includes(k))]
}

/** A metric the run did not measure (a kernel run has no simulated clock; a counter it cannot read) shows as '–'. */
export function fmtMetric(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  switch (metricInfo(key).unit) {
    case 'bytes':
      return fmtBytes(value)
    case 'bytes/s':
      // Decimal MB, as usemem and the engine's samples report throughput.
      return `${fmtNumber(value / 1e6)} MB/s`
    case 'MB/s':
      return `${fmtNumber(value)} MB/s`
    case 's':
      return fmtSeconds(value)
    case 'ns':
      return fmtSeconds(value / 1e9)
    case 'ms':
      return fmtSeconds(value / 1e3)
    case '%':
      return `${fmtNumber(value)} %`
    case '/s':
    case 'pages/s':
      return `${fmtNumber(value)}/s`
    default:
      return fmtNumber(value)
  }
}

function fmtSeconds(s: number): string {
  const a = Math.abs(s)
  if (a === 0) return '0 s'
  if (a < 1e-6) return `${fmtNumber(s * 1e9)} ns`
  if (a < 1e-3) return `${fmtNumber(s * 1e6)} µs`
  if (a < 1) return `${fmtNumber(s * 1e3)} ms`
  return `${fmtNumber(s)} s`
}

/** "swapout_latency_s_p99" -> "Swapout latency s p99"; "swapoutP99Ns" -> "Swapout p99 ns". */
export function humanize(key: string): string {
  const words = key
    .replace(/\./g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
