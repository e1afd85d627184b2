// Trial statistics: mean, sample standard deviation, median, range and a 95 % confidence
// interval of the mean (Student's t), relative differences to a baseline, and Welch's t-test
// telling a difference from trial noise. The t distribution comes from stdlib
// (@stdlib/stats-base-dists-t-*), not from a table.

import { mean, median, min, max, sampleStandardDeviation } from 'simple-statistics'
import tCdf from '@stdlib/stats-base-dists-t-cdf'
import tQuantile from '@stdlib/stats-base-dists-t-quantile'
import type { DeltaVerdict, MetricStats } from './api'

/** Two-sided significance level of the compare view's verdicts. */
export const ALPHA = 0.05

/** t such that P(|T| <= t) = 0.95 for Student's t with df degrees of freedom (df may be fractional, as Welch's). */
export function tCritical95(df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive; got ${df}`)
  return tQuantile(0.975, df)
}

/** Two-sided p-value of a t statistic with df degrees of freedom. */
export function twoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0
  return Math.min(1, 2 * tCdf(-Math.abs(t), df))
}

/**
 * Statistics of one metric over trials. With a single value there is no spread to
 * estimate: stddev is 0 and the interval collapses to the value (n says so). `identical`
 * marks several trials that gave exactly the same value (a deterministic workload): their
 * interval has no width because there is no noise, not because it was not measured.
 */
export function trialStats(values: number[]): MetricStats {
  const xs = values.filter((v) => Number.isFinite(v))
  if (xs.length === 0) throw new RangeError('no finite values')
  const n = xs.length
  const identical = n > 1 && xs.every((x) => x === xs[0])
  // Identical trials: the value itself, not a mean carrying rounding error.
  const m = identical ? xs[0] : mean(xs)
  const sd = n > 1 && !identical ? sampleStandardDeviation(xs) : 0
  const half = n > 1 && sd > 0 ? (tCritical95(n - 1) * sd) / Math.sqrt(n) : 0
  return {
    n,
    mean: m,
    stddev: sd,
    median: median(xs),
    min: min(xs),
    max: max(xs),
    ci95Low: m - half,
    ci95High: m + half,
    identical
  }
}

/** (value - baseline) / |baseline|: 0.1 means 10 % more. Undefined when the baseline is 0 and the value is not. */
export function relativeDifference(value: number, baseline: number): number | undefined {
  if (baseline === 0) return value === 0 ? 0 : undefined
  return (value - baseline) / Math.abs(baseline)
}

export interface Significance {
  verdict: DeltaVerdict
  /** Two-sided p-value; null when no test was possible. */
  p: number | null
  /** Degrees of freedom of the test (Welch-Satterthwaite), null without a test. */
  df: number | null
  /** One line a user can read: what the test said, or why there is none. */
  why: string
}

const fmtP = (p: number): string => (p < 0.001 ? 'p < 0.001' : `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`)

/**
 * Is group `a`'s mean distinguishable from baseline `b`'s? Welch's unequal-variance t-test
 * over the trials when both have several; a one-sample t-test against a single baseline run
 * (or a single run against a baseline with trials); no test when neither side has spread
 * information. Trials that are bit-identical on both sides make the difference exact.
 */
export function significance(a: MetricStats, b: MetricStats, alpha = ALPHA): Significance {
  const ab = `n = ${a.n} vs ${b.n}`
  const noSpread = (s: MetricStats): boolean => s.n > 1 && s.stddev === 0
  if (a.n > 1 && b.n > 1 && noSpread(a) && noSpread(b)) {
    return a.mean === b.mean
      ? { verdict: 'exact', p: null, df: null, why: `no difference: every trial on both sides is bit-identical (${ab})` }
      : { verdict: 'exact', p: null, df: null, why: `exact: every trial on both sides is bit-identical, so there is no noise (${ab})` }
  }
  if (a.n < 2 && b.n < 2) return { verdict: 'untested', p: null, df: null, why: 'one trial each: noise unknown; run more trials' }
  let t: number
  let df: number
  let how: string
  if (a.n > 1 && b.n > 1) {
    const va = (a.stddev * a.stddev) / a.n
    const vb = (b.stddev * b.stddev) / b.n
    const se2 = va + vb
    t = (a.mean - b.mean) / Math.sqrt(se2)
    // Welch-Satterthwaite; a side without spread contributes no variance and no degrees of freedom.
    df = (se2 * se2) / ((va > 0 ? (va * va) / (a.n - 1) : 0) + (vb > 0 ? (vb * vb) / (b.n - 1) : 0))
    how = 'Welch'
  } else {
    // One side is a single run: test the other side's trials against it as a fixed value.
    const many = a.n > 1 ? a : b
    const one = a.n > 1 ? b : a
    if (many.stddev === 0)
      return {
        verdict: 'untested',
        p: null,
        df: null,
        why: `one side is a single run and the other's trials are identical: noise unknown (${ab})`
      }
    t = ((many.mean - one.mean) / many.stddev) * Math.sqrt(many.n)
    df = many.n - 1
    how = 'one-sample t against the single run'
  }
  const p = twoSidedP(t, df)
  return p < alpha
    ? { verdict: 'significant', p, df, why: `beyond noise (${how}, ${fmtP(p)}, ${ab})` }
    : { verdict: 'noise', p, df, why: `within noise (${how}, ${fmtP(p)}, ${ab})` }
}
