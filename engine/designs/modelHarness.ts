// Model-based test harness: random operation sequences applied to a design and to a naive
// reference (a map from entry to count and cached folio), compared after every step.
// Shared by the tests of every design.

import { expect } from 'vitest'
import { resolveEngineConfig } from '../config'
import { Rng } from '../sim/rng'
import { Cpu } from '../sim/scheduler'
import { MetadataOnlyStore } from '../device/pageStore'
import { createDesign } from './factory'
import { swpOffset } from './classic'
import { emptyCounters } from '../metrics/counters'
import { NO_ENTRY } from './design'
import { SWAPFILE_CLUSTER, type DesignName, type DesignOptions } from '../types'

interface RefSlot {
  count: number
  folio: number /** -1 when not in the swap cache */
  pinned: boolean /** bypass pin (HAS_CACHE without a folio) */
}

export interface Variant {
  design: DesignName
  phase?: 1 | 2 | 3 | 4
  discontig?: boolean
  options?: DesignOptions
}

export const VARIANTS: Variant[] = [
  { design: 'legacy' },
  { design: 'mthp-6.10' },
  { design: 'cluster' },
  { design: 'swap-table', phase: 1 },
  { design: 'swap-table', phase: 2 },
  { design: 'swap-table', phase: 3 },
  { design: 'swap-table', phase: 4 },
  { design: 'swap-table', phase: 4, discontig: true },
  { design: 'swap-table', phase: 4, options: { memcgLayout: 'shadow' } },
  { design: 'vswap', options: { descriptorBytes: 24, zswapPoolBytes: 0 } },
  { design: 'vswap', options: { descriptorBytes: 24, zswapPoolBytes: 1 << 20, backing: 'zswap-only' } }
]

export function setup(v: Variant, clusters: number, ncpus: number, discard = false) {
  const cfg = resolveEngineConfig({
    design: v.design,
    designOptions: v.design === 'swap-table' ? { phase: v.phase, discontiguousSwapout: !!v.discontig, ...v.options } : (v.options ?? {}),
    devices: [{ sizeBytes: clusters * SWAPFILE_CLUSTER * 4096, preset: discard ? 'ssd' : 'nvme', discard }],
    cpus: ncpus,
    storage: 'metadata-only'
  })
  const counters = emptyCounters()
  const design = createDesign(cfg, [new MetadataOnlyStore()], counters, { low: 0 })
  const cpus = Array.from({ length: ncpus }, (_, i) => new Cpu(i))
  return { design, cpus, counters }
}

/** Runs one random sequence; throws (via expect) at the first divergence. */
export function runModel(v: Variant, seed: number, steps: number, discard = false): void {
  const clusters = 6
  const ncpus = 3
  const { design, cpus } = setup(v, clusters, ncpus, discard)
  const rng = new Rng(seed)
  const ref = new Map<number, RefSlot>()
  const folios = new Map<number, number[]>() /** folio id -> entries it occupies in the cache */
  const discontiguous = new Set<number>() /** folios whose entries were allocated one by one */
  let nextFolio = 1
  const total = design.totalSlots()
  const hasCache = design.traits.hasCacheFlag
  const classic = design.name !== 'vswap'
  const everUsed = new Set<number>()
  const entries = (): number[] => [...ref.keys()]
  const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[rng.int(xs.length)] : undefined)

  const compare = (e: number): void => {
    const r = ref.get(e)
    const s = design.inspect(e)
    if (!r) {
      expect(s.state === 'free' || s.state === 'slot-cache', `slot ${swpOffset(e)} should be free, is ${s.state} count ${s.count}`).toBe(
        true
      )
      expect(s.folio).toBe(-1)
      return
    }
    expect(s.state, `slot ${swpOffset(e)} state`).toBe('used')
    expect(s.count, `slot ${swpOffset(e)} count`).toBe(r.count)
    expect(s.folio, `slot ${swpOffset(e)} cached folio`).toBe(r.folio)
  }

  const freeIfUnused = (e: number): void => {
    const r = ref.get(e)!
    if (r.count === 0 && r.folio < 0 && !r.pinned) ref.delete(e)
  }

  for (let step = 0; step < steps; step++) {
    const cpu = cpus[rng.int(ncpus)]
    const op = rng.int(100)
    const touched: number[] = []
    if (op < 30) {
      // allocate a folio of a random order (mostly small)
      const order = rng.next() < 0.7 ? 0 : pick([1, 2, 4, 9])!
      const nr = 1 << order
      const folio = nextFolio++
      const out: number[] = []
      const e = design.allocSwap(cpu, order, folio, out)
      if (e === NO_ENTRY) {
        if (order === 0 && design.name !== 'legacy' && design.name !== 'mthp-6.10')
          expect(ref.size, 'order-0 allocation failed with free slots left').toBe(total)
      } else {
        const list = out.length ? out : Array.from({ length: nr }, (_, i) => e + i)
        if (!out.length && classic) expect(swpOffset(e) % nr, 'allocation not naturally aligned').toBe(0)
        for (const x of list) {
          expect(ref.has(x), `slot ${swpOffset(x)} handed out twice`).toBe(false)
          if (classic) expect(swpOffset(x), 'header slot handed out').not.toBe(0)
          ref.set(x, { count: 0, folio, pinned: false })
          everUsed.add(x)
          touched.push(x)
        }
        folios.set(folio, list)
        if (out.length) discontiguous.add(folio)
        // try_to_unmap: each page gets one pte reference.
        for (const x of list) {
          design.dup(cpu, x)
          ref.get(x)!.count++
        }
      }
    } else if (op < 45) {
      const e = pick(entries().filter((x) => ref.get(x)!.count > 0 || ref.get(x)!.folio >= 0))
      if (e !== undefined) {
        design.dup(cpu, e)
        ref.get(e)!.count++
        touched.push(e)
        // Sometimes push a count past the swap_map / table limits.
        if (rng.next() < 0.05) {
          const extra = 60 + rng.int(140)
          for (let i = 0; i < extra; i++) design.dup(cpu, e)
          ref.get(e)!.count += extra
        }
      }
    } else if (op < 65) {
      const e = pick(entries().filter((x) => ref.get(x)!.count > 0))
      if (e !== undefined) {
        const r = ref.get(e)!
        const n = r.count > 3 && rng.next() < 0.3 ? r.count : 1
        for (let i = 0; i < n; i++) design.put(cpu, e)
        r.count -= n
        freeIfUnused(e)
        touched.push(e)
      }
    } else if (op < 78) {
      // a folio leaves the swap cache (writeback done, or freed after swapin)
      const f = pick([...folios.keys()])
      if (f !== undefined) {
        const list = folios.get(f)!
        folios.delete(f)
        // contiguous folios are deleted in one call, discontiguous ones page by page
        if (!discontiguous.has(f)) design.cacheDelete(cpu, list[0], list.length, f)
        else for (const x of list) design.cacheDelete(cpu, x, 1, f)
        for (const x of list) {
          ref.get(x)!.folio = -1
          freeIfUnused(x)
          touched.push(x)
        }
      }
    } else if (op < 88) {
      // swapin through the cache
      const e = pick(entries().filter((x) => ref.get(x)!.count > 0 && ref.get(x)!.folio < 0 && !ref.get(x)!.pinned))
      if (e !== undefined) {
        const folio = nextFolio++
        expect(design.cacheLookup(cpu, e)).toBe(-1)
        expect(design.swapinAdd(cpu, e, 1, folio)).toBe('ok')
        ref.get(e)!.folio = folio
        folios.set(folio, [e])
        touched.push(e)
        expect(design.swapinAdd(cpu, e, 1, nextFolio)).toBe('exists')
      }
    } else if (op < 94) {
      const e = pick(entries())
      if (e !== undefined) expect(design.cacheLookup(cpu, e)).toBe(ref.get(e)!.folio)
    } else if (hasCache) {
      // SYNC_IO bypass: pin, then release the pin
      const e = pick(entries().filter((x) => ref.get(x)!.count > 0 && ref.get(x)!.folio < 0 && !ref.get(x)!.pinned))
      if (e !== undefined) {
        expect(design.pinForBypass(cpu, e)).toBe('ok')
        expect(design.pinForBypass(cpu, e)).toBe('exists')
        ref.get(e)!.pinned = true
        if (rng.next() < 0.5) {
          design.put(cpu, e)
          ref.get(e)!.count--
        }
        design.unpinBypass(cpu, e)
        ref.get(e)!.pinned = false
        freeIfUnused(e)
        touched.push(e)
      }
    }
    for (const e of touched) compare(e)
    if (step % 50 === 0 || step === steps - 1) {
      design.check()
      expect(design.usedSlots()).toBeGreaterThanOrEqual(ref.size)
    }
  }
  // Full comparison over every slot, after draining per-CPU caches.
  design.drain(cpus[0])
  design.check()
  if (classic) for (let off = 1; off < clusters * SWAPFILE_CLUSTER; off++) compare(off)
  else for (const e of everUsed) compare(e)
  expect(design.usedSlots()).toBe(ref.size)
}
