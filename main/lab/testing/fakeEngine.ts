// A stand-in for runEngine with the same contract (hooks, RunCancelled, thrown errors), for
// runner and service tests that must not depend on the real engine's speed or results.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { RunCancelled } from '../../../engine/errors'
import type { EngineConfig, EngineHooks, RunSummary } from '../../../engine/pure'
import { fakeSummary, samples } from './fixtures'

export interface FakeEngineOptions {
  steps?: number
  /** Per seed: a different number of steps. */
  stepsBySeed?: Record<number, number>
  stepMs?: number
  samplesPerStep?: number
  /** Per seed: throw at this step, as the real engine would. */
  failures?: Record<number, { atStep: number; kind: 'enospc' | 'corruption' | 'exit' }>
  /** Keep going after shouldAbort (a step that never yields), to test the hard stop. */
  ignoreAbort?: boolean
  /** Write a device file into config.deviceDir, as the file-backed engine does. */
  writeDeviceFile?: boolean
  /** Append this many bytes to the device file at every step (a real write: a full disk fails it with ENOSPC). */
  deviceBytesPerStep?: number
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
const sleep = (ms: number): void => void Atomics.wait(sleeper, 0, 0, ms)

export function runEngine(config: EngineConfig, hooks: EngineHooks, options: FakeEngineOptions = {}): RunSummary {
  const steps = options.stepsBySeed?.[config.seed] ?? options.steps ?? 20
  const failure = options.failures?.[config.seed]
  if (options.writeDeviceFile && config.deviceDir) fs.writeFileSync(path.join(config.deviceDir, 'swap0.img'), Buffer.alloc(64 * 1024))
  for (let step = 0; step < steps; step++) {
    if (failure && failure.atStep === step) {
      if (failure.kind === 'exit') process.exit(3)
      if (failure.kind === 'corruption')
        throw Object.assign(new Error('swap device 0 slot 17: page corrupt (checksum)'), { name: 'CorruptionError' })
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
    }
    sleep(options.stepMs ?? 10)
    if (options.deviceBytesPerStep && config.deviceDir)
      fs.appendFileSync(path.join(config.deviceDir, 'swap0.img'), Buffer.alloc(options.deviceBytesPerStep, 0x5a))
    hooks.onSamples?.(samples(options.samplesPerStep ?? 5, step * (options.samplesPerStep ?? 5)))
    hooks.onProgress?.((step + 1) / steps, { simTimeNs: (step + 1) * 1e6, ops: step })
    if (!options.ignoreAbort && hooks.shouldAbort?.()) throw new RunCancelled()
  }
  const summary = fakeSummary({ seed: config.seed, design: config.design, simTimeNs: 1e9 + config.seed * 1e7 })
  // The profile's name is recorded as the engine records it (what fidelity reports group by).
  if (config.costProfile && config.costProfile.name !== 'default')
    summary.costProfile = { name: config.costProfile.name, hash: 'fake', changed: { cost: {}, devices: {} } }
  return summary
}
