import { describe, expect, it } from 'vitest'
import { relativeDifference, tCritical95, trialStats } from './stats'

describe('trial statistics', () => {
  it('computes mean, sample stddev, median, range and a t-based 95 % interval', () => {
    const s = trialStats([10, 12, 14])
    expect(s.n).toBe(3)
    expect(s.mean).toBe(12)
    expect(s.stddev).toBeCloseTo(2, 12)
    expect(s.median).toBe(12)
    expect([s.min, s.max]).toEqual([10, 14])
    // t(0.975, 2) = 4.303: half width 4.303 * 2 / sqrt(3)
    expect(s.ci95Low).toBeCloseTo(12 - (4.303 * 2) / Math.sqrt(3), 9)
    expect(s.ci95High).toBeCloseTo(12 + (4.303 * 2) / Math.sqrt(3), 9)
  })

  it('collapses the interval for a single trial', () => {
    expect(trialStats([5])).toEqual({ n: 1, mean: 5, stddev: 0, median: 5, min: 5, max: 5, ci95Low: 5, ci95High: 5 })
  })

  it('matches published t critical values, including interpolated ones', () => {
    expect(tCritical95(1)).toBe(12.706)
    expect(tCritical95(9)).toBe(2.262)
    expect(tCritical95(35)).toBeCloseTo(2.03, 3)
    expect(tCritical95(70)).toBeCloseTo(1.994, 3)
    expect(tCritical95(1000)).toBe(1.96)
  })

  it('gives relative differences to a baseline', () => {
    expect(relativeDifference(110, 100)).toBeCloseTo(0.1)
    expect(relativeDifference(-90, -100)).toBeCloseTo(0.1)
    expect(relativeDifference(0, 0)).toBe(0)
    expect(relativeDifference(1, 0)).toBeUndefined()
  })
})
