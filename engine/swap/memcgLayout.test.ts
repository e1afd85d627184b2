// Swap table P4: where a slot's memcg id lives. 'table' (the posted series, v2 on): a 1 KiB
// memcg table per cluster in use, written at folio_alloc_swap. 'shadow' (the RFC, v1):
// no memory of its own; the id is packed into the shadow entry when the folio leaves the
// swap cache and comes from the folio's memcg while it is cached. Either way every slot in
// use must name its memcg (the invariant), the layouts differ only in memory, and the
// table layout is what P4 was before the option.

import { describe, expect, it } from 'vitest'
import { resolveEngineConfig, runEngine } from '../engine'
import { Cpu } from '../sim/scheduler'
import { MetadataOnlyStore } from '../device/pageStore'
import { createDesign } from '../designs/factory'
import { emptyCounters } from '../metrics/counters'
import type { ClassicDesign } from '../designs/classic'
import { swpOffset } from '../designs/classic'
import { LAB_MEMCG_ID, type TableStore } from './slotStore'
import { SWAPFILE_CLUSTER } from '../types'

const MiB = 2 ** 20

function make(memcgLayout: 'table' | 'shadow') {
  const cfg = resolveEngineConfig({
    design: 'swap-table',
    designOptions: { phase: 4, memcgLayout },
    devices: [{ sizeBytes: 4 * SWAPFILE_CLUSTER * 4096 }],
    cpus: 1,
    storage: 'metadata-only'
  })
  const d = createDesign(cfg, [new MetadataOnlyStore()], emptyCounters(), { low: 0 }) as ClassicDesign
  return { d, store: d.devices[0].store as TableStore, cpu: new Cpu(0) }
}

describe('swap table P4 memcg layouts', () => {
  for (const layout of ['table', 'shadow'] as const)
    it(`${layout}: every slot in use names its memcg through swapout, swapin and free`, () => {
      const { d, store, cpu } = make(layout)
      const e = d.allocSwap(cpu, 2, 1, [])
      const off = swpOffset(e)
      d.dup(cpu, e)
      // In the cache: the folio's memcg (shadow layout) or the table written at allocation.
      expect(store.memcgOf(off)).toBe(LAB_MEMCG_ID)
      d.cacheDelete(cpu, e, 4, 77)
      expect(store.memcgOf(off), 'after swapout: from the shadow or the table').toBe(LAB_MEMCG_ID)
      expect(d.shadow(e)).toBe(77)
      d.check()
      // Swapin puts a folio in place of the shadow; it leaves again.
      expect(d.swapinAdd(cpu, e, 1, 2)).toBe('ok')
      expect(store.memcgOf(off)).toBe(LAB_MEMCG_ID)
      d.cacheDelete(cpu, e, 1, 78)
      expect(store.memcgOf(off)).toBe(LAB_MEMCG_ID)
      d.put(cpu, e)
      expect(store.memcgOf(off), 'freed').toBe(0)
      d.check()
      const m = d.memory()
      if (layout === 'table') expect(m.dynamic.memcg_tables).toBe(store.nrTables * 1024)
      else expect(m.dynamic.memcg_tables).toBeUndefined()
      expect(m.static.swap_cgroup).toBeUndefined()
    })

  it('check() fails when a slot in use loses its memcg id, in either layout', () => {
    {
      const { d, store, cpu } = make('shadow')
      const e = d.allocSwap(cpu, 0, 1, [])
      d.dup(cpu, e)
      d.cacheDelete(cpu, e, 1, 5)
      d.check()
      const t = (store as unknown as { tables: Uint32Array[] }).tables[0]
      t[(swpOffset(e) % SWAPFILE_CLUSTER) * 2] &= ~(0xffff << 8)
      expect(() => d.check()).toThrow(/lost its memcg id/)
    }
    {
      const { d, store, cpu } = make('table')
      const e = d.allocSwap(cpu, 0, 1, [])
      d.dup(cpu, e)
      d.check()
      store.setMemcg(swpOffset(e), 0)
      expect(() => d.check()).toThrow(/lost its memcg id/)
    }
  })

  it('through the whole engine: both layouts give the same simulated run; only the memcg tables differ', () => {
    const run = (memcgLayout?: 'table' | 'shadow') =>
      runEngine(
        resolveEngineConfig({
          design: 'swap-table',
          designOptions: { phase: 4, ...(memcgLayout ? { memcgLayout } : {}) },
          devices: [{ sizeBytes: 32 * MiB, preset: 'zram' }],
          memoryLimitBytes: 6 * MiB,
          cpus: 2,
          thpOrders: [0, 4],
          storage: 'file',
          checkInvariants: true,
          workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 2, random: true } }
        })
      )
    const dflt = run()
    const table = run('table')
    const shadow = run('shadow')
    expect(table.simTimeNs).toBe(dflt.simTimeNs)
    expect(table.counters).toEqual(dflt.counters)
    expect(shadow.simTimeNs).toBe(table.simTimeNs)
    expect(shadow.counters).toEqual(table.counters)
    expect(shadow.device.verifiedReads).toBe(shadow.device.pagesRead)
    expect(shadow.counters.lostFaults).toBe(0)
    const { memcg_tables, ...rest } = table.metadata.breakdown
    expect(memcg_tables).toBeGreaterThan(0)
    expect(shadow.metadata.breakdown).toEqual(rest)
  })
})
