// Metadata accounting checked from first principles: structure sizes times what is really
// allocated, at 0, 25, 50, 75 and 100 % of a 32 GiB device (metadata-only). The device is
// filled through the design API (2 MiB folios, one pte each, then out of the swap cache
// with a shadow), so every used slot looks like a swapped-out page. The expected figures
// are computed here independently of the structures (see engine/README.md, "Metadata").

import { describe, expect, it } from 'vitest'
import { resolveEngineConfig } from '../config'
import { Cpu } from '../sim/scheduler'
import { MetadataOnlyStore } from '../device/pageStore'
import { metadataReport } from '../engine'
import { createDesign } from './factory'
import { emptyCounters } from '../metrics/counters'
import { NO_ENTRY } from './design'
import { SWAPFILE_CLUSTER, type DesignName } from '../types'

const GiB = 2 ** 30
const NSLOTS = (32 * GiB) / 4096
const NCLUSTERS = NSLOTS / SWAPFILE_CLUSTER
const NCPUS = 4
const SPACE = 1 << 14 /** slots per swap address space (64 MiB) */

/**
 * Nodes of one XArray (64 MiB space) holding the indices base + i for which `present(i)` is
 * true, by its geometry: 64-slot nodes, as many levels as the largest index needs, one node
 * per distinct index >> 6k at level k; a lone entry at index 0 lives in the head. base is
 * the space's first offset before 6.11 (the index is the whole offset), 0 after.
 */
function spaceNodes(present: (i: number) => boolean, base = 0): number {
  let max = -1
  let count = 0
  const prefixes: Set<number>[] = [new Set(), new Set(), new Set(), new Set(), new Set(), new Set()]
  for (let i = 0; i < SPACE; i++)
    if (present(i)) {
      const idx = base + i
      max = idx
      count++
      for (let k = 1; k <= prefixes.length; k++) prefixes[k - 1].add(Math.floor(idx / 64 ** k))
    }
  if (count === 0 || (count === 1 && max === 0)) return 0 // empty, or a lone entry in the head
  let h = 1
  while (max >= 64 ** h) h++
  let nodes = 0
  for (let k = 1; k <= h; k++) nodes += prefixes[k - 1].size
  return nodes
}

/** XArray nodes of every 64 MiB space, for the set of slots holding an entry (folio or shadow). */
function expectedXarrayNodes(used: Uint8Array, fullIndex: boolean): number {
  let nodes = 0
  for (let s = 0; s * SPACE < NSLOTS; s++) nodes += spaceNodes((i) => used[s * SPACE + i] === 1, fullIndex ? s * SPACE : 0)
  return nodes
}

interface V {
  design: DesignName
  phase?: 1 | 2 | 3 | 4
  memcgLayout?: 'table' | 'shadow'
}

const CLUSTER_INFO: Record<string, number> = {
  legacy: 8,
  'mthp-6.10': 8,
  cluster: 24,
  'swap-table-1': 32,
  'swap-table-2': 32,
  'swap-table-3': 40,
  'swap-table-4': 48
}

function expected(v: V, used: Uint8Array): Record<string, number> {
  const key = v.design === 'swap-table' ? `swap-table-${v.phase}` : v.design
  const e: Record<string, number> = { swap_cluster_info: NCLUSTERS * CLUSTER_INFO[key] }
  const table = v.design === 'swap-table'
  if (!table || v.phase! <= 2) e.swap_map = NSLOTS
  if (!(table && v.phase === 4)) e.swap_cgroup = 2 * NSLOTS
  if (v.design === 'cluster' || (table && v.phase! < 4)) e.zeromap = NSLOTS / 8
  if (v.design === 'legacy') e.percpu_cluster = NCPUS * 16
  if (v.design === 'mthp-6.10') e.percpu_cluster = NCPUS * 4 * 10
  if (v.design === 'legacy' || v.design === 'mthp-6.10') e.swap_slots_cache = NCPUS * (2 * 64 * 8 + 64)
  else e.percpu_swap_cluster = NCPUS * 16 * 10
  if (!table) {
    e.address_space = (NSLOTS / SPACE) * 192
    // Before 6.11 (legacy, 6.10) the XArray index is the whole offset: deeper trees.
    e.xarray_nodes = 576 * expectedXarrayNodes(used, v.design === 'legacy' || v.design === 'mthp-6.10')
    e.swap_map_continuation = 0
  } else {
    // A table per cluster with a slot in use; cluster 0 (header) always holds one.
    let clustersInUse = 0
    for (let c = 0; c < NCLUSTERS; c++) {
      let any = c === 0
      for (let i = 0; i < SWAPFILE_CLUSTER && !any; i++) any = used[c * SWAPFILE_CLUSTER + i] === 1
      if (any) clustersInUse++
    }
    e.swap_tables = clustersInUse * 4096
    if (v.phase! <= 2) e.swap_map_continuation = 0
    if (v.phase! >= 3) e.count_extension_tables = 0
    // P4: a 1 KiB memcg table per table, unless the ids travel in the shadows (the RFC).
    if (v.phase === 4 && v.memcgLayout !== 'shadow') e.memcg_tables = clustersInUse * 1024
  }
  return e
}

const VARIANTS: V[] = [
  { design: 'legacy' },
  { design: 'mthp-6.10' },
  { design: 'cluster' },
  { design: 'swap-table', phase: 1 },
  { design: 'swap-table', phase: 2 },
  { design: 'swap-table', phase: 3 },
  { design: 'swap-table', phase: 4 },
  { design: 'swap-table', phase: 4, memcgLayout: 'shadow' }
]

describe('metadata accounting from first principles (32 GiB device, metadata-only)', () => {
  for (const v of VARIANTS) {
    it(`${v.design}${v.phase ? ` P${v.phase}` : ''}${v.memcgLayout ? ` memcg in ${v.memcgLayout}` : ''} at 0, 25, 50, 75 and 100 %`, () => {
      const cfg = resolveEngineConfig({
        design: v.design,
        designOptions: v.phase ? { phase: v.phase, ...(v.memcgLayout ? { memcgLayout: v.memcgLayout } : {}) } : {},
        devices: [{ sizeBytes: 32 * GiB }],
        cpus: NCPUS,
        storage: 'metadata-only'
      })
      const design = createDesign(cfg, [new MetadataOnlyStore()], emptyCounters(), { low: 0 })
      const cpu = new Cpu(0)
      const pages = NSLOTS - 1
      const usedSet = new Uint8Array(NSLOTS) /** slots our allocations received */
      let used = 0
      let folio = 1
      for (const pct of [0, 25, 50, 75, 100]) {
        const target = Math.floor((pages * pct) / 100)
        while (used < target) {
          // Whole 2 MiB folios while a free cluster is left, single pages otherwise.
          let order = target - used >= SWAPFILE_CLUSTER ? 9 : 0
          let e = design.allocSwap(cpu, order, folio, [])
          if (e === NO_ENTRY && order) e = design.allocSwap(cpu, (order = 0), folio, [])
          if (e === NO_ENTRY) throw new Error(`allocation failed at ${used} slots`)
          const nr = 1 << order
          for (let i = 0; i < nr; i++) {
            if (usedSet[e + i]) throw new Error(`slot ${e + i} handed out twice`)
            usedSet[e + i] = 1
            design.dup(cpu, e + i)
          }
          design.cacheDelete(cpu, e, nr, folio)
          folio++
          used += nr
        }
        // Slots reserved in per-CPU slot caches hold nothing: return them before measuring.
        design.drain(cpu)
        const r = metadataReport(design)
        expect(r.usedSlots, `${pct} %`).toBe(used)
        const want = expected(v, usedSet)
        expect(r.breakdown, `${pct} %: breakdown`).toEqual(want)
        const total = Object.values(want).reduce((a, b) => a + b, 0)
        expect(r.staticBytes + r.dynamicBytes).toBe(total)
        expect(r.bytesPerSlot).toBeCloseTo(total / pages, 9)
      }
      design.check()
    }, 120_000)
  }

  it('the XArray node formula agrees with a real XArray', async () => {
    const { XArray } = await import('../swap/xarray')
    const { Rng } = await import('../sim/rng')
    const rng = new Rng(7)
    // Prefixes (as a sequential fill leaves them) and random sparse sets.
    const sets: Set<number>[] = [2, 3, 64, 65, 4096, 4097, 16384].map((n) => new Set(Array.from({ length: n }, (_, i) => i)))
    for (let k = 0; k < 20; k++) sets.push(new Set(Array.from({ length: 1 + rng.int(3000) }, () => rng.int(rng.next() < 0.5 ? 64 : SPACE))))
    sets.push(new Set([0]), new Set([5]))
    // Each set as the indices of the first space, and (before 6.11) of a space further on,
    // where the whole offset is the index.
    for (const base of [0, 5 * SPACE, 300 * SPACE])
      for (const set of sets) {
        const xa = new XArray()
        for (const i of set) xa.store(base + i, i)
        expect(xa.nodes, `${set.size} indices from ${base}`).toBe(spaceNodes((i) => set.has(i), base))
        expect(xa.countNodes()).toBe(xa.nodes)
        for (const i of set) xa.erase(base + i)
        expect(xa.nodes).toBe(0)
      }
  })
})
