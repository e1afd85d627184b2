// Public surface of the swap engine. Front ends and the lab service import from here only.

export * from './types'
export { ConfigError, CorruptionError, InvariantError, OutOfSwapError, RunCancelled } from './errors'
export { runEngine, ENGINE_VERSION, resolveEngineConfig, checkEngineConfig, type ConfigProblem } from './engine'
export { DESIGN_CATALOGUE, type DesignInfo } from './designs'
export { WORKLOAD_CATALOGUE, type WorkloadInfo, type ParamSpec } from './workloads'
export { DEVICE_MODELS } from './sim/cost'
export { cleanStaleDeviceDirs, freeBytes } from './device/tempDir'
export { parseSwapHeader, buildSwapHeader, SWAP_MAGIC } from './device/swapHeader'
export {
  calibrate,
  calibrateEngine,
  contributions,
  checkParams,
  DEFAULT_FIT_GROUPS,
  type CalibrationRecord,
  type CalibrationCounts,
  type CalibrationResult,
  type CalibrationOptions,
  type EngineWorkload
} from './sim/calibrate'
export { parseCostProfile, COST_PROFILE_FORMAT, type CostProfileFile } from './sim/costProfile'
export { IoRecorder, replayIo, IO_READ, IO_WRITE, IO_SYNC, type IoRecord, type ReplayResult } from './device/ioRecorder'
export { runKernel, recoverHost } from './kernel/index'
