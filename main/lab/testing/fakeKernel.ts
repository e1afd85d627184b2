// A stand-in for the real-kernel backend (engine/kernel runKernel) with the same contract:
// async, hooks, an AbortSignal that ends the run only after its clean-up has finished. Tests
// of the worker and the runner use it; the shipped path always loads engine/kernel.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { RunCancelled } from '../../../engine/errors'
import type { EngineConfig, RunSummary } from '../../../engine/pure'
import type { KernelHooks } from '../../../engine/kernel/types'
import { fakeKernelSummary, samples } from './fixtures'

export interface FakeKernelOptions {
  steps?: number
  stepMs?: number
  /** How long "restoring the machine" takes once aborted (the VM killed, swapoff, the cgroup removed). */
  cleanupMs?: number
  /** A file written when the clean-up has finished: the test checks it exists once the run is cancelled. */
  restoredMarker?: string
  /** Throw this message at this step, as a kernel that panics would. */
  failAt?: { step: number; message: string }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function runKernel(config: EngineConfig, hooks: KernelHooks, options: FakeKernelOptions = {}): Promise<RunSummary> {
  const steps = options.steps ?? 10
  const where = config.designOptions.image === 'host' ? 'host' : 'vm'
  // The device file lives in the run's folder, like the real backends'.
  if (config.deviceDir) fs.writeFileSync(path.join(config.deviceDir, 'swap0.img'), Buffer.alloc(4096))
  try {
    for (let step = 0; step < steps; step++) {
      if (options.failAt?.step === step) throw new Error(options.failAt.message)
      if (hooks.signal?.aborted) throw new RunCancelled()
      await sleep(options.stepMs ?? 10)
      hooks.onSamples?.(samples(3, step * 3))
      hooks.onProgress?.((step + 1) / steps, { simTimeNs: (step + 1) * 1e6, ops: step })
    }
  } finally {
    // Restore whatever happens, then report: the worker must not end before this.
    if (hooks.signal?.aborted && options.cleanupMs) await sleep(options.cleanupMs)
    if (options.restoredMarker) fs.writeFileSync(options.restoredMarker, 'restored')
  }
  return fakeKernelSummary({ where, seed: config.seed })
}
