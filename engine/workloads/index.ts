export { WORKLOAD_CATALOGUE, workloadFootprintBytes, type WorkloadInfo } from './catalogue'
export type { ParamSpec } from '../catalogueTypes'
