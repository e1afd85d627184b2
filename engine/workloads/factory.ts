import type { EngineConfig } from '../types'
import type { Workload } from './workload'
import { Usemem } from './usemem'
import { Fill } from './fill'
import { ThpSwapAllocatorTest } from './thpSwapAllocatorTest'
import { Kbuild } from './kbuild'
import { RedisBgsave } from './redisBgsave'
import { TraceReplay } from './trace'

export function createWorkload(cfg: EngineConfig): Workload {
  const p = cfg.workload.params
  switch (cfg.workload.name) {
    case 'usemem':
      return new Usemem(p)
    case 'fill':
      return new Fill(p)
    case 'thp-swap-allocator-test':
      return new ThpSwapAllocatorTest(p)
    case 'kbuild':
      return new Kbuild(p)
    case 'redis-bgsave':
      return new RedisBgsave(p)
    case 'trace':
      return new TraceReplay(p)
    default:
      throw new Error(`workload ${cfg.workload.name} is not available yet`)
  }
}
