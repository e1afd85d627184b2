// Free-space check before a file-backed run: the device files can grow to what the
// workload swaps out, bounded by the devices' sizes.

import * as fs from 'node:fs'
import { WORKLOAD_CATALOGUE, fmtBytes, workloadFootprintBytes, PAGE_SIZE, type EngineConfig } from '../../engine/pure'
import { freeBytes } from '../../engine/index'

/** Bytes the device files may take: the smaller of the devices' total size and what the workload touches, plus headers. */
export function deviceBytesNeeded(c: EngineConfig): number {
  if (c.storage !== 'file') return 0
  const total = c.devices.reduce((s, d) => s + d.sizeBytes, 0)
  const w = WORKLOAD_CATALOGUE.find((x) => x.name === c.workload.name)
  const footprint = w ? workloadFootprintBytes(w.name, c.workload.params, total, c.memoryLimitBytes) : Infinity
  return Math.min(total, footprint) + c.devices.length * PAGE_SIZE
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
