import { describe, expect, it } from 'vitest'
import { fmtDuration, fmtNumber, fmtPercent, fmtTimes } from './format'
import { fmtMetric, humanize, metricInfo } from './metrics'

describe('formatting', () => {
  it('shows deltas in % and as "x times"', () => {
    expect(fmtPercent(0.123)).toBe('+12 %')
    expect(fmtPercent(-0.05)).toBe('−5.0 %')
    expect(fmtPercent(null)).toBe('-')
    expect(fmtTimes(1.5)).toBe('2.50x')
    expect(fmtTimes(-0.5)).toBe('0.50x')
    expect(fmtTimes(19)).toBe('20x')
  })

  it('keeps numbers short', () => {
    expect(fmtNumber(1234567)).toBe('1.23M')
    expect(fmtNumber(0.012345)).toBe((0.0123).toString())
    expect(fmtDuration(75)).toBe('75 s')
    expect(fmtDuration(400)).toBe('6 min 40 s')
  })

  it('formats metrics by their unit', () => {
    expect(fmtMetric('metadata_peak_bytes', 3 * 2 ** 20)).toBe('3 MiB')
    expect(fmtMetric('sim_time_s', 2)).toBe('2 s')
    expect(fmtMetric('swapout_latency_p99_s', 0.000042)).toBe('42 µs')
    expect(fmtMetric('throughput_bytes_per_s', 512e6)).toBe('512 MB/s')
    expect(fmtMetric('mthp_fallback_percent', 12.5)).toBe('12.5 %')
    expect(fmtMetric('metadata_bytes_per_slot', 1.5)).toBe('1.5 B')
    expect(fmtMetric('throughputMBps', 830)).toBe('830 MB/s')
    expect(metricInfo('sim_time_s').higherIsBetter).toBe(false)
    expect(metricInfo('throughput_bytes_per_s').higherIsBetter).toBe(true)
    expect(humanize('swapout_latency_s_p99')).toBe('Swapout latency s p99')
  })
})
