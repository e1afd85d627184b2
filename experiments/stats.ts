// Trial statistics: mean, sample standard deviation, median, range and a 95 % confidence
// interval of the mean (Student's t), plus relative differences to a baseline.

import { mean, median, min, max, sampleStandardDeviation } from 'simple-statistics'
import type { MetricStats } from './api'

// Two-sided 95 % critical values of Student's t (t_0.975) by degrees of freedom, from the
// standard table (NIST/SEMATECH e-Handbook 1.3.6.7.2). simple-statistics has no t quantile
// for arbitrary df; between listed df we interpolate linearly in 1/df, which is exact to
// three decimals over this range, and beyond 120 we use the normal value 1.960.
const T975: [number, number][] = [
  [1, 12.706],
  [2, 4.303],
  [3, 3.182],
  [4, 2.776],
  [5, 2.571],
  [6, 2.447],
  [7, 2.365],
  [8, 2.306],
  [9, 2.262],
  [10, 2.228],
  [11, 2.201],
  [12, 2.179],
  [13, 2.16],
  [14, 2.145],
  [15, 2.131],
  [16, 2.12],
  [17, 2.11],
  [18, 2.101],
  [19, 2.093],
  [20, 2.086],
  [21, 2.08],
  [22, 2.074],
  [23, 2.069],
  [24, 2.064],
  [25, 2.06],
  [26, 2.056],
  [27, 2.052],
  [28, 2.048],
  [29, 2.045],
  [30, 2.042],
  [40, 2.021],
  [50, 2.009],
  [60, 2.0],
  [80, 1.99],
  [100, 1.984],
  [120, 1.98]
]

/** t such that P(|T| <= t) = 0.95 for Student's t with df degrees of freedom. */
export function tCritical95(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be at least 1; got ${df}`)
  if (df > 120) return 1.96
  for (let i = 0; i < T975.length; i++) {
    const [d, t] = T975[i]
    if (d === df) return t
    if (d > df) {
      const [d0, t0] = T975[i - 1]
      const w = (1 / df - 1 / d0) / (1 / d - 1 / d0)
      return t0 + w * (t - t0)
    }
  }
  return 1.96
}

/**
 * Statistics of one metric over trials. With a single value there is no spread to
 * estimate: stddev is 0 and the interval collapses to the value (n says so).
 */
export function trialStats(values: number[]): MetricStats {
  const xs = values.filter((v) => Number.isFinite(v))
  if (xs.length === 0) throw new RangeError('no finite values')
  const n = xs.length
  const m = mean(xs)
  const sd = n > 1 ? sampleStandardDeviation(xs) : 0
  const half = n > 1 ? (tCritical95(n - 1) * sd) / Math.sqrt(n) : 0
  return { n, mean: m, stddev: sd, median: median(xs), min: min(xs), max: max(xs), ci95Low: m - half, ci95High: m + half }
}

/** (value - baseline) / |baseline|: 0.1 means 10 % more. Undefined when the baseline is 0 and the value is not. */
export function relativeDifference(value: number, baseline: number): number | undefined {
  if (baseline === 0) return value === 0 ? 0 : undefined
  return (value - baseline) / Math.abs(baseline)
}
