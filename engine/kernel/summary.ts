// The RunSummary of a kernel run, one shape for the host and a VM. What a kernel run measures
// is filled in; what only the simulation has (simulated latencies of swapout and swapin, swap
// metadata, cluster lists, device call counts) stays empty, and summary.kernel.measured says
// which counters carry the kernel's values.

import { ENGINE_VERSION } from '../engine'
import { PAGE_SIZE, type Counters, type EngineConfig, type LatencySummary, type RunSummary } from '../types'
import type { KernelRunInfo } from './types'

/** Percentiles of measured values (ns); all zero when there are none. */
export function latencySummary(values: number[]): LatencySummary {
  if (!values.length) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 }
  const s = [...values].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]
  return {
    count: s.length,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    p999: q(0.999),
    max: s[s.length - 1]
  }
}

export interface KernelMeasurements {
  counters: Counters
  /** Wall time of the workload; it also stands in for simulated time (a kernel run has no simulated clock). */
  wallNs: number
  /** System time of the workload (getrusage of it and its children). */
  systemNs: number
  operations: number
  cpus: number
  /** Each task's time to unmap its memory (usemem's free latency). */
  freeNs: number[]
  /** Pages the workload read back and found holding what it wrote. */
  verifiedReads: number
  workloadMetrics: RunSummary['workloadMetrics']
  kernel: KernelRunInfo
}

export function kernelRunSummary(config: EngineConfig, m: KernelMeasurements): RunSummary & { kernel: KernelRunInfo } {
  const none = latencySummary([])
  const free = latencySummary(m.freeNs)
  const c = m.counters
  return {
    engineVersion: ENGINE_VERSION,
    design: config.design,
    designOptions: config.designOptions,
    workload: config.workload.name,
    storage: 'file',
    metadataOnly: false,
    seed: config.seed,
    cpus: m.cpus,
    simTimeNs: Math.round(m.wallNs),
    wallTimeMs: m.wallNs / 1e6,
    systemTimeNs: m.systemNs,
    operations: m.operations,
    counters: c,
    latency: { swapoutSimNs: none, swapinSimNs: none, freeSimNs: free, swapoutWallNs: none, swapinWallNs: none, freeWallNs: free },
    metadata: {
      staticBytes: 0,
      dynamicBytes: 0,
      breakdown: {},
      totalSlots: config.devices.reduce((a, d) => a + Math.floor(d.sizeBytes / PAGE_SIZE) - 1, 0),
      usedSlots: 0,
      bytesPerSlot: 0,
      dynamicBytesPerUsedSlot: 0
    },
    metadataPeakBytes: 0,
    clusters: { free: 0, nonfull: 0, frag: 0, full: 0, discard: 0, isolated: 0 },
    device: {
      pagesWritten: c.pswpout,
      pagesRead: c.pswpin,
      bytesWritten: c.pswpout * PAGE_SIZE,
      bytesRead: c.pswpin * PAGE_SIZE,
      verifiedReads: m.verifiedReads,
      writeCalls: 0,
      readCalls: 0
    },
    workloadMetrics: m.workloadMetrics,
    kernel: m.kernel
  }
}
