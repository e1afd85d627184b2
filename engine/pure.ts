// The part of the engine's surface that is pure data and functions (no Node APIs): safe for
// the renderer bundle and for experiments/. Runtime entry points are in ./index.
export * from './types'
export { ConfigError } from './errors'
export { DESIGN_CATALOGUE, type DesignInfo } from './designs/catalogue'
export { parseKernelImage, type KernelImageSpec } from './designs/kernelImage'
export type { KernelRunInfo, KernelWhere, KernelAccel, KernelOptions } from './kernel/types'
export { WORKLOAD_CATALOGUE, workloadFootprintBytes, type WorkloadInfo } from './workloads/catalogue'
export type { ParamSpec } from './catalogueTypes'
export {
  resolveEngineConfig,
  checkEngineConfig,
  fmtBytes,
  MAX_CPUS,
  MAX_DEVICE_BYTES,
  type ConfigProblem,
  type EngineConfigInput
} from './config'
export { DEVICE_MODELS, COST } from './sim/cost'
export {
  COST_SOURCES,
  DEVICE_SOURCES,
  COST_PROFILE_FORMAT,
  BUILTIN_PROFILE_NAMES,
  parseCostProfile,
  costProfileRecord,
  effectiveCosts,
  groupConstants,
  type CostProfileFile,
  type CostSource,
  type CostSourceKind
} from './sim/costProfile'
