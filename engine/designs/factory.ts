// Builds the design a run asks for.

import type { Counters, EngineConfig } from '../types'
import type { SimClock } from '../sim/scheduler'
import type { PageStore } from '../device/pageStore'
import type { SwapDesign } from './design'
import { ClassicDesign } from './classic'
import { VswapDesign } from './vswap'

export function createDesign(cfg: EngineConfig, pageStores: PageStore[], counters: Counters, clock: SimClock): SwapDesign {
  switch (cfg.design) {
    case 'legacy':
    case 'mthp-6.10':
    case 'cluster':
    case 'swap-table':
      return new ClassicDesign(cfg.design, cfg, pageStores, counters, clock)
    case 'vswap':
      return new VswapDesign(cfg, pageStores, counters, clock)
  }
}
