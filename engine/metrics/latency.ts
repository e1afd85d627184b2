// Latency distributions recorded in HDR histograms (3 significant digits), summarised as
// percentiles. One recorder per operation and clock (simulated ns, wall ns).

import * as hdr from 'hdr-histogram-js'
import type { LatencySummary } from '../types'

export class LatencyRecorder {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3.6e12,
    numberOfSignificantValueDigits: 3,
    autoResize: true
  })

  record(ns: number): void {
    this.h.recordValue(Math.max(1, Math.round(ns)))
  }

  summary(): LatencySummary {
    const h = this.h
    if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 }
    return {
      count: h.totalCount,
      mean: h.mean,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      max: h.maxValue
    }
  }
}

export class Latencies {
  readonly swapoutSim = new LatencyRecorder()
  readonly swapinSim = new LatencyRecorder()
  readonly freeSim = new LatencyRecorder()
  readonly swapoutWall = new LatencyRecorder()
  readonly swapinWall = new LatencyRecorder()
  readonly freeWall = new LatencyRecorder()
}

/** Wall clock in ns (monotonic). */
export function wallNs(): number {
  return performance.now() * 1e6
}
