// What backs the virtual swap space: swap devices (with zswap in front when it has a pool),
// or zswap alone with no device at all ("we no longer have to create a swapfile ... if we
// want to use zswap, as zswap is no longer tied to physical swap", the series' cover letter).

import type { DeviceConfig, EngineConfig } from '../../types'

/** The devices a run swaps to: none for vswap with the zswap-only backing. */
export function physicalDevices(cfg: EngineConfig): DeviceConfig[] {
  return cfg.design === 'vswap' && cfg.designOptions.backing === 'zswap-only' ? [] : cfg.devices
}
