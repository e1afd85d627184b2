// Shared by the workload tests: every design variant a run can select, and one workload
// run on both storages (real device file with verified reads, and metadata-only) whose
// simulated results must agree, since storage changes no simulated cost.

import { runEngine, resolveEngineConfig } from '../engine'
import type { EngineConfigInput } from '../config'
import type { DesignName, DesignOptions, RunSummary } from '../types'

export interface DesignVariant {
  label: string
  design: DesignName
  designOptions: DesignOptions
}

/** Every design a run can select, swap-table in each of its phases. */
export function designVariants(): DesignVariant[] {
  return [
    { label: 'legacy', design: 'legacy', designOptions: {} },
    { label: 'mthp-6.10', design: 'mthp-6.10', designOptions: {} },
    { label: 'cluster', design: 'cluster', designOptions: {} },
    ...([1, 2, 3, 4] as const).map((phase) => ({ label: `swap-table P${phase}`, design: 'swap-table' as const, designOptions: { phase } })),
    { label: 'vswap', design: 'vswap', designOptions: {} }
  ]
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
