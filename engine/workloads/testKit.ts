// Shared by the workload tests: every design variant a run can select, and one workload
// run on both storages (real device file with verified reads, and metadata-only) whose
// simulated results must agree, since storage changes no simulated cost.

import { runEngine, resolveEngineConfig } from '../engine'
import type { EngineConfigInput } from '../config'
import { createDesign } from '../designs/factory'
import { emptyCounters } from '../designs/classic'
import { MetadataOnlyStore } from '../device/pageStore'
import type { DesignName, DesignOptions, RunSummary } from '../types'

export interface DesignVariant {
  label: string
  design: DesignName
  designOptions: DesignOptions
}

/** The four slot-based designs, swap-table phases 1-4, and vswap once the factory builds it. */
export function designVariants(): DesignVariant[] {
  const out: DesignVariant[] = [
    { label: 'legacy', design: 'legacy', designOptions: {} },
    { label: 'mthp-6.10', design: 'mthp-6.10', designOptions: {} },
    { label: 'cluster', design: 'cluster', designOptions: {} },
    ...([1, 2, 3, 4] as const).map((phase) => ({ label: `swap-table P${phase}`, design: 'swap-table' as const, designOptions: { phase } }))
  ]
  if (designAvailable('vswap')) out.push({ label: 'vswap', design: 'vswap', designOptions: {} })
  return out
}

function designAvailable(design: DesignName): boolean {
  try {
    const cfg = resolveEngineConfig({ design, devices: [{ sizeBytes: 8 * 2 ** 20 }], storage: 'metadata-only' })
    createDesign(cfg, [new MetadataOnlyStore()], emptyCounters(), { low: 0 })
    return true
  } catch {
    return false
  }
}

/** Everything of a summary that depends on neither the wall clock nor the storage. */
export function simulated(s: RunSummary): unknown {
  const { wallTimeMs, latency, storage, metadataOnly, device, ...rest } = s
  void wallTimeMs
  void storage
  void metadataOnly
  // A metadata-only store counts pages but moves no bytes and verifies nothing; how the
  // file device batches its system calls is its own business.
  const io = { pagesWritten: device.pagesWritten, pagesRead: device.pagesRead }
  return { ...rest, io, latency: { swapoutSimNs: latency.swapoutSimNs, swapinSimNs: latency.swapinSimNs, freeSimNs: latency.freeSimNs } }
}

/** One run with invariants checked. */
export function runOnce(input: EngineConfigInput, storage: 'file' | 'metadata-only' = 'metadata-only'): RunSummary {
  return runEngine(resolveEngineConfig({ checkInvariants: true, ...input, storage }))
}

/** Runs the config on a real device file and metadata-only, invariants checked. */
export function runBoth(input: EngineConfigInput): { file: RunSummary; meta: RunSummary } {
  return { file: runOnce(input, 'file'), meta: runOnce(input) }
}
