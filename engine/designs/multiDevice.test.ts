// Several swap devices with priorities, as get_swap_pages / swap_alloc_slow use them: the
// highest priority is filled first, equal priorities take turns (plist_requeue), a full
// device drops off the avail list, negative priorities order the same way; and each
// device's own page file receives and verifies its pages. For every design (vswap: its
// physical backend).

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
import { NO_ENTRY, type IoBatch, type SwapDesign } from './design'
import type { VswapDesign } from './vswap'
import { SWAPFILE_CLUSTER, type DesignName } from '../types'

const CLUSTER_BYTES = SWAPFILE_CLUSTER * 4096
const DESIGNS: DesignName[] = ['legacy', 'cluster', 'swap-table', 'vswap']

interface Dev {
  clusters: number
  priority: number
}

function make(design: DesignName, devs: Dev[], stores?: PageStore[]) {
  const cfg = resolveEngineConfig({
    design,
    devices: devs.map((d) => ({ sizeBytes: d.clusters * CLUSTER_BYTES, priority: d.priority, preset: 'nvme' })),
    cpus: 1,
    storage: stores ? 'file' : 'metadata-only'
  })
  const d = createDesign(cfg, stores ?? devs.map(() => new MetadataOnlyStore()), emptyCounters(), { low: 0 })
  return { d, cpu: new Cpu(0) }
}

const batch = (origin: number, vpn: number, gen: number): IoBatch => ({
  origin: Uint32Array.of(origin),
  vpn: Uint32Array.of(vpn),
  gen: Uint32Array.of(gen)
})

/** Swaps one page out (allocate, one pte reference, write, leave the cache); returns its entry. */
function swapOut(d: SwapDesign, cpu: Cpu, folio: number): number {
  const e = d.allocSwap(cpu, 0, folio, [])
  expect(e, `allocation ${folio}`).not.toBe(NO_ENTRY)
  d.dup(cpu, e)
  d.writeFolio(cpu, e, 1, batch(1, folio, 1))
  d.cacheDelete(cpu, e, 1, 0)
  return e
}

/** Device and slot an entry's data lives on: the entry itself, or vswap's physical slot. */
function where(d: SwapDesign, e: number): { dev: number; off: number } {
  const p = d.name === 'vswap' ? (d as VswapDesign).backendOf(e).phys : e
  return { dev: swpType(p), off: swpOffset(p) }
}

function fill(d: SwapDesign, cpu: Cpu, n: number, first = 1): { devs: number[]; entries: number[] } {
  const devs: number[] = []
  const entries: number[] = []
  for (let i = 0; i < n; i++) {
    const e = swapOut(d, cpu, first + i)
    entries.push(e)
    devs.push(where(d, e).dev)
  }
  return { devs, entries }
}

const tally = (devs: number[], ndev: number): number[] => {
  const t = new Array(ndev).fill(0)
  for (const x of devs) t[x]++
  return t
}

/** Clusters holding at least one of these slots, over all devices. */
function clustersTouched(d: SwapDesign, entries: number[]): number {
  const set = new Set<string>()
  for (const e of entries) {
    const w = where(d, e)
    set.add(`${w.dev}:${Math.floor(w.off / SWAPFILE_CLUSTER)}`)
  }
  return set.size
}

describe('multiple swap devices with priorities', () => {
  for (const name of DESIGNS) {
    describe(name, () => {
      it('fills the higher priority first, then the lower', () => {
        const { d, cpu } = make(name, [
          { clusters: 4, priority: 5 },
          { clusters: 2, priority: 10 }
        ])
        const high = 2 * SWAPFILE_CLUSTER - 1
        const { devs } = fill(d, cpu, high + 300)
        expect(tally(devs.slice(0, high), 2)).toEqual([0, high])
        expect(tally(devs.slice(high), 2)).toEqual([300, 0])
        d.drain(cpu)
        d.check()
      })

      it('negative (default) priorities order the same way', () => {
        const { d, cpu } = make(name, [
          { clusters: 2, priority: -1 },
          { clusters: 2, priority: -2 }
        ])
        const first = 2 * SWAPFILE_CLUSTER - 1
        const { devs } = fill(d, cpu, first + 100)
        expect(tally(devs.slice(0, first), 2)).toEqual([first, 0])
        expect(tally(devs.slice(first), 2)).toEqual([0, 100])
      })

      it('equal priorities take turns without scattering over clusters', () => {
        const { d, cpu } = make(name, [
          { clusters: 8, priority: 0 },
          { clusters: 8, priority: 0 }
        ])
        const n = 6 * SWAPFILE_CLUSTER
        const { devs, entries } = fill(d, cpu, n)
        const [a, b] = tally(devs, 2)
        // Turns are one cluster (6.15+ per-CPU cluster) or one slot-cache batch (legacy).
        expect(Math.abs(a - b), `device 0 got ${a}, device 1 got ${b}`).toBeLessThanOrEqual(SWAPFILE_CLUSTER)
        let switches = 0
        for (let i = 1; i < n; i++) if (devs[i] !== devs[i - 1]) switches++
        expect(switches, 'devices alternate').toBeGreaterThanOrEqual(4)
        // Each device keeps filling its current cluster: no fresh cluster per allocation.
        expect(clustersTouched(d, entries)).toBeLessThanOrEqual(n / SWAPFILE_CLUSTER + 2)
        d.drain(cpu)
        d.check()
      })

      it('skips a full device and shares evenly among the rest', () => {
        const { d, cpu } = make(name, [
          { clusters: 2, priority: 3 },
          { clusters: 8, priority: 3 },
          { clusters: 8, priority: 3 }
        ])
        let folio = 1
        // Fill until device 0 is full.
        const before: number[] = []
        for (let guard = 0; guard < 4 * SWAPFILE_CLUSTER * 3; guard++) {
          before.push(where(d, swapOut(d, cpu, folio++)).dev)
          if (tally(before, 3)[0] === 2 * SWAPFILE_CLUSTER - 1) break
        }
        expect(tally(before, 3)[0]).toBe(2 * SWAPFILE_CLUSTER - 1)
        const n = 4 * SWAPFILE_CLUSTER
        const { devs } = fill(d, cpu, n, folio)
        const t = tally(devs, 3)
        expect(t[0]).toBe(0)
        expect(Math.abs(t[1] - t[2]), `devices 1 and 2 got ${t[1]} and ${t[2]}`).toBeLessThanOrEqual(SWAPFILE_CLUSTER)
        d.drain(cpu)
        d.check()
      })
    })
  }

  it('a large folio tries the first device only (get_swap_pages)', () => {
    // Device 1 (first) is too fragmented for a 64 KiB run; device 0 (second) is empty.
    const { d, cpu } = make('cluster', [
      { clusters: 4, priority: 0 },
      { clusters: 2, priority: 10 }
    ])
    const { entries } = fill(d, cpu, 2 * SWAPFILE_CLUSTER - 1)
    for (let i = 0; i < entries.length; i += 2) d.put(cpu, entries[i]) // every other slot free
    expect(d.allocSwap(cpu, 4, 99999, [])).toBe(NO_ENTRY)
    expect(where(d, swapOut(d, cpu, 100000)).dev).toBe(1) // order 0 still finds the holes
  })
})

describe('per-device page files', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDeviceDir(dir)
  })

  for (const name of DESIGNS) {
    it(`${name}: every device file receives its pages and verifies them on read`, () => {
      const dir = makeDeviceDir()
      dirs.push(dir)
      const devs: Dev[] = [
        { clusters: 2, priority: 1 },
        { clusters: 2, priority: 1 },
        { clusters: 2, priority: 0 }
      ]
      const files = devs.map((x, i) => new FileDevice(path.join(dir, `swap${i}.img`), i, x.clusters * SWAPFILE_CLUSTER, false))
      try {
        const { d, cpu } = make(name, devs, files)
        const n = 3 * 2 * SWAPFILE_CLUSTER - 3
        const { entries } = fill(d, cpu, n)
        for (const f of files) expect(f.stats.pagesWritten, `${f.path} written`).toBeGreaterThan(0)
        expect(files.reduce((s, f) => s + f.stats.pagesWritten, 0)).toBe(n)
        entries.forEach((e, i) => d.readEntries(cpu, e, 1, batch(1, i + 1, 1)))
        for (const f of files) expect(f.stats.verifiedReads).toBe(f.stats.pagesWritten)
        // A page read back as the wrong generation is caught on its own device.
        const last = entries[entries.length - 1]
        let err: unknown
        try {
          d.readEntries(cpu, last, 1, batch(1, n, 2))
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(CorruptionError)
        expect((err as CorruptionError).device).toBe(where(d, last).dev)
        d.drain(cpu)
        d.check()
      } finally {
        for (const f of files) f.close()
      }
    })
  }

  for (const name of DESIGNS) {
    it(`${name}: usemem over two equal devices and a lower one, real files, invariants checked`, () => {
      const r = runEngine(
        resolveEngineConfig({
          design: name,
          devices: [
            { sizeBytes: 16 * 2 ** 20, priority: 0 },
            { sizeBytes: 16 * 2 ** 20, priority: 0 },
            { sizeBytes: 16 * 2 ** 20, priority: -1 }
          ],
          storage: 'file',
          memoryLimitBytes: 4 * 2 ** 20,
          checkInvariants: true,
          workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 6 * 2 ** 20, passes: 2 } }
        })
      )
      expect(r.device.pagesWritten).toBeGreaterThan(0)
      expect(r.device.verifiedReads).toBe(r.device.pagesRead)
      expect(r.counters.pswpin).toBeGreaterThan(0)
    })
  }
})
