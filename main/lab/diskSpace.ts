// Free-space check before a file-backed run. A device file is sparse (created at its full
// size, blocks allocated as slots are first written; nothing punches holes), so what a run
// takes on disk is the number of distinct slots it ever writes, which the design's
// allocator decides:
// - legacy and mthp-6.10 scan forward from cluster_next (and refill per-CPU slot caches
//   from there): a freed slot is not reused before the scan wraps, so every page written
//   takes a new slot until the device is used once over: the bound is what the workload
//   writes in total.
// - cluster, swap-table and vswap take slots from per-CPU clusters and reuse freed ones
//   through the nonfull/free lists: the slots in use at once (at most the workload's
//   footprint) plus the clusters each CPU holds partly filled, per folio order.
// Measured against the real engine in diskSpace.test.ts (each design, several workloads).

import * as fs from 'node:fs'
import { WORKLOAD_CATALOGUE, fmtBytes, workloadFootprintBytes, PAGE_SIZE, type EngineConfig } from '../../engine/pure'
import { freeBytes } from '../../engine/index'

/** Designs whose allocator does not reuse freed slots until its scan wraps around the device. */
const SCANS_FORWARD = new Set<string>(['legacy', 'mthp-6.10'])
/** SWAPFILE_CLUSTER pages: a per-CPU cluster. */
const CLUSTER_BYTES = 512 * PAGE_SIZE

/**
 * Bytes a workload can write to swap in total: each pass of usemem can swap out every page it
 * touches once (each access faults at most once, and each fault evicts at most one page), plus
 * the initial fill; the other workloads have no such bound here, so the device size bounds them.
 */
function totalWriteBound(c: EngineConfig, footprint: number): number {
  if (c.workload.name === 'usemem') return footprint * (Number(c.workload.params.passes) + 1)
  return Infinity
}

/** An upper bound on the bytes the run's device files take on disk (the headers included). */
export function deviceBytesNeeded(c: EngineConfig): number {
  if (c.storage !== 'file') return 0
  const total = c.devices.reduce((s, d) => s + d.sizeBytes, 0)
  const headers = c.devices.length * PAGE_SIZE
  const w = WORKLOAD_CATALOGUE.find((x) => x.name === c.workload.name)
  const footprint = w ? workloadFootprintBytes(w.name, c.workload.params, total, c.memoryLimitBytes) : Infinity
  let bound: number
  if (SCANS_FORWARD.has(c.design)) bound = totalWriteBound(c, footprint)
  else {
    const orders = Math.max(1, new Set([0, ...c.thpOrders]).size)
    bound = footprint + c.devices.length * c.cpus * orders * CLUSTER_BYTES
  }
  return Math.min(total, bound) + headers
}

/** Null when the folder has room for the run's devices, else the reason the run cannot start. */
export function checkFreeSpace(c: EngineConfig, dir: string, free: (d: string) => number = freeBytes): string | null {
  const need = deviceBytesNeeded(c)
  if (need === 0) return null
  fs.mkdirSync(dir, { recursive: true })
  const have = free(dir)
  if (have >= need) return null
  return `not enough free space for the swap device in ${dir}: the run may write ${fmtBytes(need)}, ${fmtBytes(have)} is free. Free some space, choose another device folder, or use metadata-only storage.`
}
