// The real-kernel backend's entry point for the runtime (the worker and the lab service):
// runKernel dispatches image 'host' to the host backend and any other image to a kernel in
// QEMU. Not re-exported by engine/pure.ts (the renderer must not load node:fs code).

import type { KernelOptions, RunKernel } from './types'
import { runOnHost } from './host'
import { runInVm } from './vm'

export const runKernel: RunKernel = (config, hooks) => {
  const image = (config.designOptions as KernelOptions).image
  return image === 'host' ? runOnHost(config, hooks) : runInVm(config, hooks)
}

export { runOnHost, recoverHost, hostPreflight, type RecoveryReport } from './host'
export { runInVm } from './vm'
export { buildProgram, labCacheDir, programsDir, type ProgramName } from './build'
export { programFor, parseLine, ProtocolReader } from './protocol'
export type * from './types'
