// Builds the design a run asks for.

import type { Counters, EngineConfig } from '../types'
import type { SimClock } from '../sim/scheduler'
import type { PageStore } from '../device/pageStore'
import type { SwapDesign } from './design'
import { ClassicDesign } from './classic'
import { VswapDesign } from './vswap'
import { ConfigError } from '../errors'

export function createDesign(cfg: EngineConfig, pageStores: PageStore[], counters: Counters, clock: SimClock): SwapDesign {
  switch (cfg.design) {
    case 'legacy':
    case 'mthp-6.10':
    case 'cluster':
    case 'swap-table':
      return new ClassicDesign(cfg.design, cfg, pageStores, counters, clock)
    case 'vswap':
      return new VswapDesign(cfg, pageStores, counters, clock)
    case 'kernel':
      throw new ConfigError('design', 'the kernel design runs on a real kernel (engine/kernel runKernel), not in the simulation')
  }
}
