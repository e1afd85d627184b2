import { describe, expect, it } from 'vitest'
import { relativeDifference, significance, tCritical95, trialStats, twoSidedP } from './stats'

describe('trial statistics', () => {
  it('computes mean, sample stddev, median, range and a t-based 95 % interval', () => {
    const s = trialStats([10, 12, 14])
    expect(s.n).toBe(3)
    expect(s.mean).toBe(12)
    expect(s.stddev).toBeCloseTo(2, 12)
    expect(s.median).toBe(12)
    expect([s.min, s.max]).toEqual([10, 14])
    expect(s.identical).toBe(false)
    // t(0.975, 2) = 4.302653 (NIST/SEMATECH table: 4.303): half width t * 2 / sqrt(3)
    expect(s.ci95Low).toBeCloseTo(12 - (4.302653 * 2) / Math.sqrt(3), 5)
    expect(s.ci95High).toBeCloseTo(12 + (4.302653 * 2) / Math.sqrt(3), 5)
  })

  it('collapses the interval for a single trial', () => {
    expect(trialStats([5])).toEqual({ n: 1, mean: 5, stddev: 0, median: 5, min: 5, max: 5, ci95Low: 5, ci95High: 5, identical: false })
  })

  it('says when several trials are bit-identical (no noise), with the value itself as the mean', () => {
    const s = trialStats([0.1, 0.1, 0.1])
    expect(s).toMatchObject({ n: 3, mean: 0.1, stddev: 0, ci95Low: 0.1, ci95High: 0.1, identical: true })
  })

  it('matches published t critical values, also between table rows and for fractional df', () => {
    expect(tCritical95(1)).toBeCloseTo(12.706, 3)
    expect(tCritical95(9)).toBeCloseTo(2.262, 3)
    expect(tCritical95(35)).toBeCloseTo(2.03, 3)
    expect(tCritical95(70)).toBeCloseTo(1.994, 3)
    expect(tCritical95(1000)).toBeCloseTo(1.962, 3)
    expect(tCritical95(2.5)).toBeGreaterThan(tCritical95(3))
    expect(tCritical95(2.5)).toBeLessThan(tCritical95(2))
    expect(() => tCritical95(0)).toThrow(RangeError)
  })

  it('gives two-sided p-values from the t distribution', () => {
    expect(twoSidedP(2.262, 9)).toBeCloseTo(0.05, 3)
    expect(twoSidedP(-2.262, 9)).toBeCloseTo(0.05, 3)
    expect(twoSidedP(0, 5)).toBe(1)
  })

  it('gives relative differences to a baseline', () => {
    expect(relativeDifference(110, 100)).toBeCloseTo(0.1)
    expect(relativeDifference(-90, -100)).toBeCloseTo(0.1)
    expect(relativeDifference(0, 0)).toBe(0)
    expect(relativeDifference(1, 0)).toBeUndefined()
  })
})

describe("Welch's t-test", () => {
  it("matches SciPy's ttest_ind(a, b, equal_var=False): t = -2.2747, df = 6.3987, p = 0.060550", () => {
    const a = trialStats([19.1, 20.3, 20.9, 21.4, 19.8, 20.2])
    const b = trialStats([21.3, 22.9, 20.4, 23.5, 21.0])
    const s = significance(a, b)
    expect(s.df).toBeCloseTo(6.398748036052454, 9)
    expect(s.p).toBeCloseTo(0.06054994598450244, 9)
    expect(s.verdict).toBe('noise')
    expect(significance(a, b, 0.1).verdict).toBe('significant')
  })

  it('calls a small difference among noisy trials noise, whatever its sign', () => {
    const base = trialStats([100, 110, 90, 105, 95])
    expect(significance(trialStats([101, 112, 93, 104, 96]), base).verdict).toBe('noise')
    expect(significance(trialStats([99, 108, 88, 103, 94]), base).verdict).toBe('noise')
    expect(significance(trialStats([101, 112, 93, 104, 96]), base).why).toMatch(/within noise \(Welch, p = 0\.\d+, n = 5 vs 5\)/)
  })

  it('calls a clear difference significant', () => {
    const s = significance(trialStats([60, 61, 59, 60]), trialStats([100, 101, 99, 100]))
    expect(s.verdict).toBe('significant')
    expect(s.p!).toBeLessThan(0.001)
  })

  it('treats bit-identical trials as exact, and single trials as untested', () => {
    expect(significance(trialStats([5, 5, 5]), trialStats([6, 6, 6]))).toMatchObject({ verdict: 'exact', p: null })
    expect(significance(trialStats([5, 5, 5]), trialStats([5, 5, 5])).why).toMatch(/no difference/)
    expect(significance(trialStats([5]), trialStats([6]))).toMatchObject({ verdict: 'untested' })
  })

  it('tests trials against a single baseline run as a fixed value', () => {
    const s = significance(trialStats([10, 11, 12]), trialStats([30]))
    expect(s.verdict).toBe('significant')
    expect(s.df).toBe(2)
    expect(s.why).toMatch(/one-sample/)
    expect(significance(trialStats([10, 11, 12]), trialStats([11])).verdict).toBe('noise')
  })
})
