import { describe, expect, it } from 'vitest'
import { headlineMetrics, runMetrics, workloadMetric } from './metrics'
import { fakeKernelSummary, fakeSummary } from '../main/lab/testing/fixtures'

describe('run metrics', () => {
  it('flatten a summary into base units (seconds, bytes, counts)', () => {
    const m = runMetrics(fakeSummary({ simTimeNs: 2.5e9 }))
    expect(m.sim_time_s).toBe(2.5)
    expect(m.engine_wall_time_s).toBe(0.12)
    expect(m.metadata_bytes).toBe(16384 + 4096)
    expect(m.swpout).toBe(104)
    expect(m.mthp_fallback_percent).toBe(20)
    expect(m.has_cache_retry_s).toBeCloseTo(0.012, 12)
    expect(m.lock_wait_s).toBeCloseTo(4e-6, 15)
    expect(m.swapin_latency_mean_s).toBeCloseTo(80e-6, 15)
    expect(m.throughput_bytes_per_s).toBe(100e6)
    expect(m.free_latency_mean_s).toBeCloseTo(0.0015, 12)
    expect(m.swap_free_latency_mean_s).toBeCloseTo(0.001, 12)
    // No metric ends in a statistic after its unit (exports add _mean, _max... to every metric).
    expect(Object.keys(m).filter((k) => /_(mean|max|min|p\d+)$/.test(k))).toEqual([])
    // Per-task arrays are not scalar metrics.
    expect(Object.keys(m).some((k) => k.includes('per_task'))).toBe(false)
  })

  it('name workload metrics in snake_case with the unit converted', () => {
    expect(workloadMetric('freeLatencyMsMean', 2)).toEqual(['free_latency_mean_s', 0.002])
    const [key, value] = workloadMetric('requestLatencyUsP99', 5)
    expect(key).toBe('request_latency_p99_s')
    expect(value).toBeCloseTo(5e-6, 15)
    expect(workloadMetric('requestsPerSec', 7)).toEqual(['requests_per_s', 7])
    expect(workloadMetric('fallbackPercentMean', 3)).toEqual(['fallback_percent_mean', 3])
    expect(workloadMetric('makespanMs', 1500)).toEqual(['makespan_s', 1.5])
  })

  it('pick a few headline metrics including what the workload reports', () => {
    expect(Object.keys(headlineMetrics(fakeSummary()))).toEqual([
      'sim_time_s',
      'system_time_s',
      'metadata_peak_bytes',
      'swpout',
      'swpin',
      'mthp_fallback_percent',
      'throughput_bytes_per_s',
      'free_latency_mean_s'
    ])
  })
})

describe('metrics of a kernel run', () => {
  it('leave out what the kernel did not measure and what only the simulation has, instead of a 0', () => {
    const m = runMetrics(fakeKernelSummary())
    expect(m.pswpout).toBe(164)
    expect(m.swpout).toBe(104)
    expect(m.mthp_fallback_percent).toBe(20)
    expect(m.major_faults).toBe(50)
    expect(m.readahead_hits).toBe(4)
    for (const missing of ['sim_time_s', 'metadata_peak_bytes', 'slots_scanned', 'has_cache_retries', 'lock_contended', 'swap_cache_hits'])
      expect(m).not.toHaveProperty(missing)
    // No system time in a VM (0 there means not measured); the host reports the workload's.
    expect(m).not.toHaveProperty('system_time_s')
    expect(runMetrics(fakeKernelSummary({ where: 'host' })).system_time_s).toBe(0.3)
    expect(m.throughput_bytes_per_s).toBe(100e6)
  })

  it('head tables with wall time and the kernel counters', () => {
    expect(Object.keys(headlineMetrics(fakeKernelSummary({ where: 'host' })))).toEqual([
      'engine_wall_time_s',
      'system_time_s',
      'swpout',
      'swpin',
      'pswpout',
      'pswpin',
      'major_faults',
      'mthp_fallback_percent',
      'throughput_bytes_per_s',
      'free_latency_mean_s'
    ])
  })
})
