// Runs one configured workload through one design on fresh swap devices and reports.
// (Being written: the signature is final.)
import type { EngineConfig, EngineHooks, RunSummary } from './types'
export { resolveEngineConfig, checkEngineConfig, type ConfigProblem } from './config'
export const ENGINE_VERSION = '0.1.0'
export function runEngine(_config: EngineConfig, _hooks: EngineHooks = {}): RunSummary {
  throw new Error('runEngine: not implemented yet')
}
