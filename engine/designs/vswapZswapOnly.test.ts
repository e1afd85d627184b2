// vswap with the zswap-only backing: no swap device at all, every swapped page compressed in
// zswap (real deflate, verified on load). When the pool is full zswap rejects, nothing can
// be written back (no device), and swap_writeout refuses the folio (AOP_WRITEPAGE_ACTIVATE):
// it stays in memory, dirty, in the swap cache. Checked against a naive reference (the
// pool's bytes computed here from the page codec and zsmalloc's size classes, the
// zswap_check_limits hysteresis applied by hand), through the whole engine (usemem to
// completion, and to a clear failure when the pool cannot hold what must leave memory),
// and the option's validation messages.

import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { checkEngineConfig, resolveEngineConfig, runEngine } from '../engine'
import { Cpu } from '../sim/scheduler'
import { Rng } from '../sim/rng'
import { CorruptionError, OutOfSwapError } from '../errors'
import { encodePage, pageViews } from '../device/pageCodec'
import { createDesign } from './factory'
import { emptyCounters } from '../metrics/counters'
import { NO_ENTRY, WRITE_REFUSED, type IoBatch } from './design'
import type { VswapDesign } from './vswap'
import { ZSWAP_DEV } from './vswap/zswap'
import { zsObjectBytes } from './vswap/sizes'

const MiB = 2 ** 20

function make(poolBytes: number, storage: 'file' | 'metadata-only' = 'file') {
  const cfg = resolveEngineConfig({
    design: 'vswap',
    designOptions: { backing: 'zswap-only', zswapPoolBytes: poolBytes },
    cpus: 2,
    storage
  })
  const counters = emptyCounters()
  // No device: no page store either.
  const d = createDesign(cfg, [], counters, { low: 0 }) as VswapDesign
  return { d, counters, cpus: [new Cpu(0), new Cpu(1)] }
}

const ids = (vpn: number, nr: number, gen: number, origin = 3): IoBatch => ({
  origin: new Uint32Array(nr).fill(origin),
  vpn: Uint32Array.from({ length: nr }, (_, i) => vpn + i),
  gen: new Uint32Array(nr).fill(gen)
})

/** zsmalloc bytes of one stored page, computed independently of the pool. */
function pageBytes(v: number, origin: number, vpn: number, gen: number): number {
  const page = Buffer.alloc(4096)
  encodePage(pageViews(page)[0], ZSWAP_DEV, v, origin, vpn, gen, Buffer.alloc(8))
  return zsObjectBytes(deflateRawSync(page, { level: 1 }).length)
}

interface RefFolio {
  entry: number
  nr: number
  vpn: number
  gen: number
  cached: boolean /** still in the swap cache (after swapout, a refused write, or a swapin) */
  stored: boolean /** its pages are in the pool */
}

describe('vswap zswap-only backing', () => {
  it('random swapouts, refused writes, swapins and frees match a naive reference', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const limit = 8 * 1024 // about a hundred of the lab's page images: reached often
      const { d, counters, cpus } = make(limit)
      const rng = new Rng(seed)
      const folios: RefFolio[] = []
      let pool = 0 /** reference pool bytes */
      let full = false /** reference zswap_pool_reached_full */
      const bytesOf = new Map<number, number>() /** reference bytes per stored virtual slot */
      let nextFolio = 1
      let vpn = 0
      let refused = 0
      expect(d.totalSlots()).toBe(0)
      for (let step = 0; step < 1000; step++) {
        const cpu = cpus[rng.int(2)]
        const op = rng.int(100)
        if (op < 35) {
          // folio_alloc_swap + try_to_unmap + pageout
          const order = rng.next() < 0.8 ? 0 : 2
          const nr = 1 << order
          const e = d.allocSwap(cpu, order, nextFolio++, [])
          expect(e, 'virtual slots are unbounded without a device').not.toBe(NO_ENTRY)
          for (let i = 0; i < nr; i++) d.dup(cpu, e + i)
          const f: RefFolio = { entry: e, nr, vpn, gen: 1 + rng.int(5), cached: true, stored: false }
          vpn += nr
          folios.push(f)
          let need = 0
          for (let i = 0; i < nr; i++) need += pageBytes(e + i, 3, f.vpn + i, f.gen)
          // zswap_check_limits, then the store or the refusal.
          if (pool + need > limit) full = true
          else if (full && pool <= limit * 0.9) full = false
          const done = d.writeFolio(cpu, e, nr, ids(f.vpn, nr, f.gen))
          if (full) {
            expect(done, `step ${step}: a full pool with no device refuses the write`).toBe(WRITE_REFUSED)
            refused++
          } else {
            expect(done).not.toBe(WRITE_REFUSED)
            f.stored = true
            for (let i = 0; i < nr; i++) bytesOf.set(e + i, pageBytes(e + i, 3, f.vpn + i, f.gen))
            pool += need
            // Written: the folio leaves the swap cache (the VM frees it once written).
            d.cacheDelete(cpu, e, nr, 0)
            f.cached = false
          }
        } else if (op < 55) {
          // swapin of a stored folio: through the cache, from zswap, verified
          const f = folios.filter((x) => x.stored && !x.cached)[0]
          if (f) {
            expect(d.swapinAdd(cpu, f.entry, f.nr, nextFolio++)).toBe('ok')
            d.readEntries(cpu, f.entry, f.nr, ids(f.vpn, f.nr, f.gen))
            f.cached = true
          }
        } else if (op < 75) {
          // the process unmaps a folio: every pte reference goes; the cache lets go
          const i = rng.int(Math.max(1, folios.length))
          const f = folios[i]
          if (f) {
            for (let k = 0; k < f.nr; k++) d.put(cpu, f.entry + k)
            if (f.cached) d.cacheDelete(cpu, f.entry, f.nr, 0)
            if (f.stored) for (let k = 0; k < f.nr; k++) pool -= bytesOf.get(f.entry + k)!
            folios.splice(i, 1)
          }
        } else {
          // a refused folio is retried (reclaim comes back to it)
          const f = folios.find((x) => x.cached && !x.stored)
          if (f) {
            let need = 0
            for (let i = 0; i < f.nr; i++) need += pageBytes(f.entry + i, 3, f.vpn + i, f.gen)
            if (pool + need > limit) full = true
            else if (full && pool <= limit * 0.9) full = false
            const done = d.writeFolio(cpu, f.entry, f.nr, ids(f.vpn, f.nr, f.gen))
            expect(done === WRITE_REFUSED).toBe(full)
            if (!full) {
              f.stored = true
              for (let i = 0; i < f.nr; i++) bytesOf.set(f.entry + i, pageBytes(f.entry + i, 3, f.vpn + i, f.gen))
              pool += need
            }
          }
        }
        expect(d.zswap!.poolBytes, `step ${step}: pool bytes`).toBe(pool)
        expect(d.zswap!.reachedFull).toBe(full)
        if (full)
          expect(d.reclaimBlockedReason()).toBe(
            `zswap pool full (${pool} of ${limit} bytes) and no swap device to write back to (zswap-only backing)`
          )
        else expect(d.reclaimBlockedReason()).toBeUndefined()
        expect(d.physUsedSlots()).toBe(0)
        let live = 0
        for (const f of folios) {
          live += f.nr
          for (let k = 0; k < f.nr; k++) expect(d.backendOf(f.entry + k).kind).toBe(f.stored ? 'zswap' : 'none')
        }
        expect(d.usedSlots()).toBe(live)
        if (step % 100 === 0) d.check()
      }
      d.check()
      expect(refused, `seed ${seed}: the pool was full at times`).toBeGreaterThan(0)
      expect(counters.zswapWritebacks, 'no device: nothing is written back').toBe(0)
      expect(counters.zswapRejects).toBeGreaterThan(0)
    }
  })

  it('a corrupted compressed copy fails its load loudly', () => {
    const { d, cpus } = make(1 * MiB)
    const e = d.allocSwap(cpus[0], 0, 1, [])
    d.dup(cpus[0], e)
    expect(d.writeFolio(cpus[0], e, 1, ids(0, 1, 1))).not.toBe(WRITE_REFUSED)
    d.cacheDelete(cpus[0], e, 1, 0)
    expect(d.swapinAdd(cpus[0], e, 1, 2)).toBe('ok')
    expect(() => d.readEntries(cpus[0], e, 1, ids(0, 1, 2))).toThrow(CorruptionError)
  })

  it('metadata: descriptors, virtual clusters and zswap entries only (no bitmaps, no reverse map, no device structures)', () => {
    const { d, cpus } = make(1 * MiB, 'metadata-only')
    for (let i = 0; i < 600; i++) {
      const e = d.allocSwap(cpus[0], 0, i + 1, [])
      d.dup(cpus[0], e)
      d.writeFolio(cpus[0], e, 1, ids(i, 1, 1))
      d.cacheDelete(cpus[0], e, 1, 0)
    }
    const m = d.memory()
    expect(m.static).toEqual({ vswap_percpu_cluster: 2 * 16 * 10 })
    expect(m.dynamic).toEqual({ vswap_descriptors: 2 * 12288, vswap_clusters: 2 * 112, zswap_entries: 600 * 56 })
    expect(m.data.zswap_pool).toBe(d.zswap!.poolBytes)
  })

  const base = {
    design: 'vswap' as const,
    memoryLimitBytes: 6 * MiB,
    cpus: 2,
    thpOrders: [0, 4],
    checkInvariants: true,
    workload: { name: 'usemem' as const, params: { tasks: 2, sizeBytes: 8 * MiB, passes: 2, random: true } }
  }

  it('usemem through the whole engine: every swapped page in zswap, none on a device, every load verified', () => {
    const r = runEngine(
      resolveEngineConfig({ ...base, storage: 'file', designOptions: { backing: 'zswap-only', zswapPoolBytes: 4 * MiB } })
    )
    const c = r.counters
    expect(c.swpout.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    expect(c.zswapStores).toBe(c.pswpout)
    expect(c.zswapLoads).toBe(c.pswpin)
    expect(c.pswpin).toBeGreaterThan(0)
    expect(c.zswapRejects + c.zswapWritebacks).toBe(0)
    expect(c.lostFaults).toBe(0)
    expect(r.device.pagesWritten + r.device.pagesRead).toBe(0)
    expect(r.metadata.totalSlots).toBe(0)
    expect(r.metadata.breakdown.vswap_bitmaps).toBeUndefined()
    expect(r.metadata.data?.zswap_pool).toBeGreaterThan(0)
    // Same seed, same result.
    const again = runEngine(
      resolveEngineConfig({ ...base, storage: 'metadata-only', designOptions: { backing: 'zswap-only', zswapPoolBytes: 4 * MiB } })
    )
    expect(again.counters.zswapStores).toBe(c.zswapStores)
    expect(again.simTimeNs).toBe(r.simTimeNs)
  })

  it('a pool that fills with no device behind it: folios are refused and stay in memory, then reclaim fails naming the pool', () => {
    const cfg = resolveEngineConfig({ ...base, storage: 'file', designOptions: { backing: 'zswap-only', zswapPoolBytes: 16 * 1024 } })
    let err: unknown
    try {
      runEngine(cfg)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(OutOfSwapError)
    expect(String((err as Error).message)).toMatch(
      /cannot reclaim: \d+ pages resident \(\d+ charged\) against a limit of 1536: zswap pool full \(\d+ of 16384 bytes\) and no swap device to write back to/
    )
  })

  it('validation: a pool is required, fill has no device to fill, the memcg layout is a phase 4 option', () => {
    const msgs = (input: Parameters<typeof resolveEngineConfig>[0]) =>
      checkEngineConfig(resolveEngineConfig(input)).map((p) => `${p.field}: ${p.message}`)
    expect(msgs({ ...base, designOptions: { backing: 'zswap-only' } })).toEqual([
      'designOptions.zswapPoolBytes: the zswap-only backing keeps every swapped page in zswap: give the pool a limit above 0'
    ])
    expect(
      msgs({ design: 'vswap', designOptions: { backing: 'zswap-only', zswapPoolBytes: MiB }, workload: { name: 'fill', params: {} } })
    ).toContain(
      'workload.name: fill fills a share of the swap device, and the zswap-only backing has no device: use usemem or another workload'
    )
    expect(msgs({ ...base, designOptions: { backing: 'tape' as never } })[0]).toBe(
      'designOptions.backing: must be one of device, zswap-only; got "tape"'
    )
    expect(msgs({ ...base, design: 'swap-table', designOptions: { phase: 2, memcgLayout: 'shadow' } })).toEqual([
      'designOptions.memcgLayout: only phase 4 moves memcg ids out of the swap_cgroup array; phase 2 keeps one id per slot there'
    ])
    expect(msgs({ ...base, design: 'cluster', designOptions: { backing: 'zswap-only' } })[0]).toBe(
      'designOptions.backing: not an option of design cluster'
    )
    expect(msgs({ ...base, designOptions: { backing: 'zswap-only', zswapPoolBytes: MiB } })).toEqual([])
  })
})
