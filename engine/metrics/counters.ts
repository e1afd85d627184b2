// A zeroed set of the counters every run keeps (see Counters in ../types).

import { SWAP_NR_ORDERS, type Counters } from '../types'

export function emptyCounters(): Counters {
  const z = (): number[] => new Array(SWAP_NR_ORDERS).fill(0)
  const lockZero = (): Record<string, number> => ({ device: 0, cluster: 0, swapCache: 0, slotCache: 0, vswap: 0, zswap: 0 })
  return {
    swpout: z(),
    swpoutFallback: z(),
    swpin: z(),
    swpoutDiscontig: z(),
    mthpSwpinReadahead: 0,
    pswpout: 0,
    pswpin: 0,
    swapCacheAdd: 0,
    swapCacheDelete: 0,
    swapCacheLookup: 0,
    swapCacheHit: 0,
    readaheadPages: 0,
    readaheadHits: 0,
    syncBypassSwapins: 0,
    hasCacheRetries: 0,
    hasCacheRetryNs: 0,
    folioLockWaits: 0,
    folioLockWaitNs: 0,
    slotsScanned: 0,
    allocCalls: 0,
    allocFailures: 0,
    slotCacheRefills: 0,
    slotCacheFlushes: 0,
    continuationAllocs: 0,
    extensionTableAllocs: 0,
    extensionTableFrees: 0,
    tableAllocs: 0,
    tableFrees: 0,
    discards: 0,
    fullClusterReclaims: 0,
    cacheReclaimedSlots: 0,
    workingsetRefaults: 0,
    majorFaults: 0,
    minorFaults: 0,
    lostFaults: 0,
    faultRetries: 0,
    cowCopies: 0,
    forks: 0,
    exits: 0,
    reclaimScanned: 0,
    reclaimEvicted: 0,
    writebackWaitNs: 0,
    zswapStores: 0,
    zswapLoads: 0,
    zswapWritebacks: 0,
    zswapRejects: 0,
    lockAcquisitions: lockZero(),
    lockContended: lockZero(),
    lockWaitNs: lockZero()
  }
}
