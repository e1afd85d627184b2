// vswap: virtual slots at swapout, physical slots only at writeout (with a reverse map),
// zswap copies with no physical slot and writeback when the pool is full, the commit
// accounting behind totalSlots / usedSlots, the invariant checker, and whole engine runs
// (usemem on a real device file and metadata-only, zswap on and off, invariants checked).

import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveEngineConfig, runEngine } from '../engine'
import { Cpu } from '../sim/scheduler'
import { MetadataOnlyStore, type PageStore } from '../device/pageStore'
import { FileDevice } from '../device/fileDevice'
import { makeDeviceDir, removeDeviceDir } from '../device/tempDir'
import { CorruptionError } from '../errors'
import { createDesign } from './factory'
import { swpOffset, swpType } from './classic'
import { emptyCounters } from '../metrics/counters'
import { NO_ENTRY, type IoBatch } from './design'
import { runModel } from './modelHarness'
import type { VswapDesign } from './vswap'
import { ZSWAP_ENTRY_BYTES, zsObjectBytes } from './vswap/sizes'
import { SWAPFILE_CLUSTER, type DevicePresetName, type VswapDescriptorBytes } from '../types'

const MiB = 2 ** 20
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDeviceDir(d)
})

function make(
  opts: {
    clusters?: number
    zswapPoolBytes?: number
    descriptorBytes?: VswapDescriptorBytes
    file?: boolean
    preset?: DevicePresetName
  } = {}
) {
  const clusters = opts.clusters ?? 4
  const nslots = clusters * SWAPFILE_CLUSTER
  let stores: PageStore[] = [new MetadataOnlyStore()]
  if (opts.file) {
    const dir = makeDeviceDir()
    dirs.push(dir)
    stores = [new FileDevice(path.join(dir, 'swap0.img'), 0, nslots, false)]
  }
  const cfg = resolveEngineConfig({
    design: 'vswap',
    designOptions: { zswapPoolBytes: opts.zswapPoolBytes ?? 0, descriptorBytes: opts.descriptorBytes ?? 24 },
    devices: [{ sizeBytes: nslots * 4096, preset: opts.preset ?? 'nvme' }],
    cpus: 2,
    storage: opts.file ? 'file' : 'metadata-only'
  })
  const counters = emptyCounters()
  const d = createDesign(cfg, stores, counters, { low: 0 }) as VswapDesign
  return { d, cpu: new Cpu(0), counters, stores }
}

/** Page identities for nr pages of one folio at vpn. */
const ids = (vpn: number, nr: number, gen = 1, origin = 7): IoBatch => ({
  origin: new Uint32Array(nr).fill(origin),
  vpn: Uint32Array.from({ length: nr }, (_, i) => vpn + i),
  gen: new Uint32Array(nr).fill(gen)
})

/** Swapout of a folio as the VM does it: allocate, one pte each, write; the folio stays cached. */
function swapOut(d: VswapDesign, cpu: Cpu, order: number, folio: number, vpn: number): number {
  const nr = 1 << order
  const e = d.allocSwap(cpu, order, folio, [])
  expect(e).not.toBe(NO_ENTRY)
  for (let i = 0; i < nr; i++) d.dup(cpu, e + i)
  d.writeFolio(cpu, e, nr, ids(vpn, nr))
  return e
}

describe('vswap design', () => {
  it('random operation sequences match the naive reference (every descriptor size)', () => {
    for (const descriptorBytes of [48, 64] as const)
      for (let seed = 1; seed <= 3; seed++) runModel({ design: 'vswap', options: { descriptorBytes, zswapPoolBytes: 0 } }, seed, 800)
  })

  it('takes a virtual slot at swapout and a physical slot only at writeout, with a reverse map', () => {
    const { d, cpu, counters } = make()
    const v = d.allocSwap(cpu, 0, 1, [])
    expect(d.backendOf(v).kind).toBe('none')
    expect(d.usedSlots()).toBe(1)
    expect(d.physUsedSlots()).toBe(0)
    expect(d.inspect(v)).toEqual({ count: 0, folio: 1, state: 'used' })
    d.dup(cpu, v)
    d.writeFolio(cpu, v, 1, ids(0, 1))
    const b = d.backendOf(v)
    expect(b.kind).toBe('phys')
    expect(d.physUsedSlots()).toBe(1)
    expect(d.stores[swpType(b.phys)].owner(swpOffset(b.phys))).toBe(v)
    expect(counters.swapCacheAdd).toBe(1)
    d.check()
    // The pte reference goes, the folio stays cached; then the folio goes too: all freed.
    d.put(cpu, v)
    expect(d.isCacheOnly(v)).toBe(true)
    d.cacheDelete(cpu, v, 1, 5)
    expect(d.inspect(v).state).toBe('free')
    expect(d.usedSlots()).toBe(0)
    expect(d.physUsedSlots()).toBe(0)
    expect(d.stores[0].owner(swpOffset(b.phys))).toBe(-1)
    d.check()
  })

  it('keeps a shadow in the descriptor and serves swapins through the cache it holds', () => {
    const { d, cpu, counters } = make()
    const v = swapOut(d, cpu, 0, 1, 0)
    d.cacheDelete(cpu, v, 1, 42)
    expect(d.shadow(v)).toBe(42)
    expect(d.cacheLookup(cpu, v)).toBe(-1)
    expect(d.swapinAdd(cpu, v, 1, 2)).toBe('ok')
    expect(d.swapinAdd(cpu, v, 1, 3)).toBe('exists')
    expect(d.shadow(v)).toBe(-1)
    expect(d.cacheLookup(cpu, v)).toBe(2)
    expect(counters.swapCacheHit).toBe(1)
    expect(d.traits.hasCacheFlag || d.traits.syncBypass).toBe(false)
    expect(() => d.pinForBypass()).toThrow(/no SWP_SYNCHRONOUS_IO bypass/)
  })

  it('a large folio gets one physical run when there is one, scattered slots when there is not', () => {
    const { d, cpu, counters } = make({ clusters: 2 })
    const e = swapOut(d, cpu, 4, 1, 0)
    const p0 = d.backendOf(e).phys
    for (let i = 1; i < 16; i++) expect(d.backendOf(e + i).phys).toBe(p0 + i)
    d.cacheDelete(cpu, e, 16, 0)
    for (let i = 0; i < 16; i++) d.put(cpu, e + i)
    // Fill the device page by page, then free every other page: no 16-slot run is left.
    const singles: number[] = []
    for (let i = 0; i < 2 * SWAPFILE_CLUSTER - 1; i++) {
      const v = swapOut(d, cpu, 0, 100 + i, 100 + i)
      d.cacheDelete(cpu, v, 1, 0)
      singles.push(v)
    }
    expect(d.allocSwap(cpu, 0, 9, [])).toBe(NO_ENTRY) // capacity committed
    for (let i = 0; i < singles.length; i += 2) d.put(cpu, singles[i])
    const big = swapOut(d, cpu, 4, 5000, 5000)
    const phys = Array.from({ length: 16 }, (_, i) => d.backendOf(big + i).phys)
    expect(new Set(phys).size).toBe(16)
    expect(phys.some((p, i) => i > 0 && p !== phys[i - 1] + 1)).toBe(true)
    expect(counters.swpoutFallback.every((n) => n === 0)).toBe(true)
    d.readEntries(cpu, big, 16, ids(5000, 16))
    d.check()
  })

  it('usedSlots counts every live virtual slot against the physical capacity; cache-only slots are reclaimed when it is reached', () => {
    const { d, cpu } = make({ clusters: 2, zswapPoolBytes: 1 * MiB })
    const total = d.totalSlots()
    expect(total).toBe(2 * SWAPFILE_CLUSTER - 1)
    const vs: number[] = []
    for (let i = 0; i < total; i++) vs.push(swapOut(d, cpu, 0, i + 1, i))
    expect(d.physUsedSlots()).toBe(0) // all in zswap
    expect(d.usedSlots()).toBe(total)
    expect(d.allocSwap(cpu, 0, 99999, [])).toBe(NO_ENTRY)
    // Make one slot cache-only (its pte reference gone): the reclaimer hook frees it.
    d.put(cpu, vs[10])
    const asked: number[] = []
    d.setCacheReclaimer((c, v) => {
      asked.push(v)
      d.cacheDelete(c, v, 1, 0)
      return 1
    })
    expect(d.allocSwap(cpu, 0, 99999, [])).not.toBe(NO_ENTRY)
    expect(asked).toContain(vs[10])
    d.check()
  })

  it('zswap: pages go to the pool with no physical slot, the oldest are written back when it is full, every load verifies', () => {
    const pool = 4096
    const { d, cpu, counters, stores } = make({ zswapPoolBytes: pool, file: true })
    const n = 200
    const vs: number[] = []
    for (let i = 0; i < n; i++) {
      const v = swapOut(d, cpu, 0, i + 1, i)
      d.cacheDelete(cpu, v, 1, 0)
      vs.push(v)
    }
    const z = d.zswap!
    expect(counters.zswapStores).toBe(n)
    expect(counters.zswapWritebacks).toBeGreaterThan(0)
    expect(z.poolBytes).toBeLessThanOrEqual(pool)
    expect(z.entries.size + counters.zswapWritebacks).toBe(n)
    expect(d.physUsedSlots()).toBe(counters.zswapWritebacks)
    expect(stores[0].stats.pagesWritten).toBe(counters.zswapWritebacks)
    // Oldest first: the first pages are on the device, the last ones in the pool.
    expect(d.backendOf(vs[0]).kind).toBe('phys')
    expect(d.backendOf(vs[n - 1]).kind).toBe('zswap')
    const m = d.memory()
    expect(m.data.zswap_pool).toBe(z.poolBytes)
    expect(m.dynamic.zswap_entries).toBe(z.entries.size * ZSWAP_ENTRY_BYTES)
    expect(m.static.zswap_pool).toBeUndefined()
    expect(m.dynamic.zswap_pool).toBeUndefined()
    let sum = 0
    for (const e of z.entries.values()) sum += zsObjectBytes(e.len)
    expect(sum).toBe(z.poolBytes)
    // Every page reads back verified, from wherever it is.
    for (let i = 0; i < n; i++) d.readEntries(cpu, vs[i], 1, ids(i, 1))
    expect(counters.zswapLoads).toBe(z.entries.size)
    expect(stores[0].stats.verifiedReads).toBe(counters.zswapWritebacks)
    expect(d.isSyncEntry(vs[n - 1])).toBe(true)
    expect(d.isSyncEntry(vs[0])).toBe(false)
    // A wrong identity is caught in the pool and on the device alike.
    expect(() => d.readEntries(cpu, vs[n - 1], 1, ids(n - 1, 1, 2))).toThrow(CorruptionError)
    expect(() => d.readEntries(cpu, vs[0], 1, ids(0, 1, 2))).toThrow(CorruptionError)
    // Freeing a zswap-backed slot returns its pool bytes.
    const before = z.poolBytes
    d.put(cpu, vs[n - 1])
    expect(z.poolBytes).toBeLessThan(before)
    d.check()
  })

  it('zswap: a folio bigger than the pool is rejected whole and goes to physical slots', () => {
    const { d, cpu, counters } = make({ zswapPoolBytes: 1024 })
    const e = swapOut(d, cpu, 5, 1, 0)
    expect(counters.zswapRejects).toBe(32)
    expect(counters.zswapStores).toBe(0)
    for (let i = 0; i < 32; i++) expect(d.backendOf(e + i).kind).toBe('phys')
    d.check()
  })

  it('check() catches a broken reverse map, a physical slot owned twice and wrong pool accounting', () => {
    {
      const { d, cpu } = make()
      const a = swapOut(d, cpu, 0, 1, 0)
      swapOut(d, cpu, 0, 2, 1)
      d.check()
      const p = d.backendOf(a).phys
      const tables = (d.stores[0] as unknown as { tables: (Float64Array | null)[] }).tables
      tables[Math.floor(swpOffset(p) / SWAPFILE_CLUSTER)]![swpOffset(p) % SWAPFILE_CLUSTER] = a + 1
      expect(() => d.check()).toThrow(/maps back|does not point back/)
    }
    {
      const { d, cpu } = make()
      const a = swapOut(d, cpu, 0, 1, 0)
      const b = swapOut(d, cpu, 0, 2, 1)
      d.desc.phys[b] = d.desc.phys[a]
      expect(() => d.check()).toThrow(/invariant violated/)
    }
    {
      const { d, cpu } = make({ zswapPoolBytes: 64 * 1024 })
      swapOut(d, cpu, 0, 1, 0)
      d.zswap!.poolBytes += 16
      expect(() => d.check()).toThrow(/zswap pool holds/)
    }
    {
      const { d, cpu } = make()
      const a = swapOut(d, cpu, 0, 1, 0)
      d.desc.count[a] += 1
      d.vclusters.count[0] += 1
      expect(() => d.check()).toThrow(/virtual cluster 0/)
    }
  })

  it('memory(): descriptors per virtual cluster (v3+) or per live slot (v1/v2), reverse map tables per physical cluster in use, static bitmaps', () => {
    for (const size of [24, 48, 64] as const) {
      const { d, cpu, counters } = make({ clusters: 4, descriptorBytes: size })
      // Cluster 0 holds the header (a bad slot): its table exists from swapon.
      expect(d.memory().dynamic.vswap_rmap).toBe(SWAPFILE_CLUSTER * 8)
      for (let i = 0; i < 700; i++) swapOut(d, cpu, 0, i + 1, i)
      const m = d.memory()
      // v3+: one vzalloc'ed array of 512 descriptors per virtual cluster (12 KiB at 24 B); v1/v2 per entry.
      expect(m.dynamic.vswap_descriptors).toBe(size === 24 ? 2 * 12288 : 700 * size)
      // 700 physical slots from slot 1 on: clusters 0 and 1 hold them, so two reverse map tables.
      expect(m.dynamic.vswap_rmap).toBe(2 * SWAPFILE_CLUSTER * 8)
      expect(m.static.vswap_rmap).toBeUndefined()
      expect(m.static.vswap_bitmaps).toBe(2 * ((4 * SWAPFILE_CLUSTER) / 64) * 8)
      expect(m.dynamic.vswap_clusters).toBe(2 * 112) // two virtual clusters in use
      expect(m.static.swap_cgroup).toBeUndefined()
      expect(m.static.swap_map).toBeUndefined()
      // Everything freed: the table of cluster 1 goes (cluster 0 keeps the header's); the
      // virtual cluster the CPU still allocates from stays (the per-CPU cache holds a reference).
      const allocs = counters.tableAllocs
      for (let i = 0; i < 700; i++) {
        d.put(cpu, i)
        d.cacheDelete(cpu, i, 1, 1)
      }
      const e = d.memory()
      expect(e.dynamic.vswap_descriptors).toBe(size === 24 ? 12288 : 0)
      expect(e.dynamic.vswap_clusters).toBe(112)
      expect(e.dynamic.vswap_rmap).toBe(SWAPFILE_CLUSTER * 8)
      expect(counters.tableFrees).toBe(1)
      expect(allocs).toBe(2) // cluster 0 at swapon (the header), cluster 1 at its first allocation
      d.check()
    }
  })
})

describe('vswap engine runs', () => {
  const base = {
    design: 'vswap' as const,
    devices: [{ sizeBytes: 32 * MiB }],
    memoryLimitBytes: 6 * MiB,
    cpus: 2,
    thpOrders: [0, 4],
    checkInvariants: true,
    workload: { name: 'usemem' as const, params: { tasks: 2, sizeBytes: 8 * MiB, passes: 2, random: true } }
  }

  for (const storage of ['file', 'metadata-only'] as const)
    for (const zswapPoolBytes of [0, 96 * 1024]) {
      it(`usemem, ${storage}, zswap ${zswapPoolBytes ? 'on' : 'off'}: completes with invariants checked`, () => {
        const r = runEngine(resolveEngineConfig({ ...base, storage, designOptions: { zswapPoolBytes } }))
        const c = r.counters
        expect(c.swpout.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
        expect(c.pswpin).toBeGreaterThan(0)
        expect(c.hasCacheRetries).toBe(0)
        expect(c.syncBypassSwapins).toBe(0)
        expect(c.lockAcquisitions.vswap).toBeGreaterThan(0)
        const m = r.metadata
        expect(Object.values(m.breakdown).reduce((a, b) => a + b, 0)).toBe(m.staticBytes + m.dynamicBytes)
        if (zswapPoolBytes) {
          expect(c.zswapStores).toBeGreaterThan(0)
          expect(c.zswapLoads).toBeGreaterThan(0)
          expect(c.zswapWritebacks).toBeGreaterThan(0)
          expect(c.lockAcquisitions.zswap).toBeGreaterThan(0)
          expect(m.data?.zswap_pool).toBeGreaterThan(0)
          expect(m.data!.zswap_pool).toBeLessThanOrEqual(zswapPoolBytes)
          expect(m.breakdown.zswap_pool).toBeUndefined()
        } else {
          expect(c.zswapStores + c.zswapLoads + c.zswapWritebacks).toBe(0)
          expect(m.data).toBeUndefined()
        }
        if (storage === 'file') {
          expect(r.device.verifiedReads).toBe(r.device.pagesRead)
          // Device reads: everything swapped in that zswap did not serve.
          expect(r.device.pagesRead).toBe(c.pswpin - c.zswapLoads)
        }
      })
    }

  it('on a zram device every swapin still goes through the swap cache', () => {
    const r = runEngine(resolveEngineConfig({ ...base, storage: 'file', devices: [{ sizeBytes: 32 * MiB, preset: 'zram' }] }))
    expect(r.counters.syncBypassSwapins).toBe(0)
    expect(r.counters.swapCacheAdd).toBeGreaterThan(0)
    expect(r.counters.pswpin).toBeGreaterThan(0)
  })

  it('same seed, same simulated result; zswap cuts device writes', () => {
    const cfg = resolveEngineConfig({ ...base, storage: 'metadata-only', designOptions: { zswapPoolBytes: 1 * MiB } })
    const a = runEngine(cfg)
    const b = runEngine(cfg)
    expect(a.simTimeNs).toBe(b.simTimeNs)
    expect(a.counters).toEqual(b.counters)
    const off = runEngine(resolveEngineConfig({ ...base, storage: 'metadata-only', designOptions: { zswapPoolBytes: 0 } }))
    expect(a.device.pagesWritten).toBeLessThan(off.device.pagesWritten)
  })
})
