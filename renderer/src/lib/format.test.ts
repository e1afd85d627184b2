import { describe, expect, it } from 'vitest'
import { fmtDuration, fmtNumber, fmtPercent, fmtTimes } from './format'
import { fmtMetric, humanize } from './metrics'

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
    expect(fmtNumber(0.012345)).toBe(0.0123.toString())
    expect(fmtDuration(75)).toBe('75 s')
    expect(fmtDuration(400)).toBe('6 min 40 s')
  })

  it('formats metrics by their unit', () => {
    expect(fmtMetric('metadataPeakBytes', 3 * 2 ** 20)).toBe('3 MiB')
    expect(fmtMetric('simTimeNs', 2e9)).toBe('2 s')
    expect(fmtMetric('throughputMBps', 512.3)).toBe('512 MB/s')
    expect(humanize('swapoutP99Ns')).toBe('Swapout p99 ns')
  })
})
