import type { EngineConfig } from '../types'
import type { Workload } from './workload'
import { Usemem } from './usemem'
import { Fill } from './fill'

export function createWorkload(cfg: EngineConfig): Workload {
  const p = cfg.workload.params
  switch (cfg.workload.name) {
    case 'usemem':
      return new Usemem(p)
    case 'fill':
      return new Fill(p)
    default:
      throw new Error(`workload ${cfg.workload.name} is not available yet`)
  }
}
