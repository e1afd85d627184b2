// Metadata bytes per slot of every design at 0, 25, 50, 75 and 100 % of a 32 GiB device,
// filled through the design API as engine/designs/metadata.test.ts does (2 MiB folios, one
// pte reference each, out of the swap cache with a shadow), metadata-only.
//   usage: npx tsx bench/metadata-levels.ts [GiB=32]

import { resolveEngineConfig } from '../engine'
import { metadataReport } from '../engine/engine'
import { createDesign } from '../engine/designs/factory'
import { emptyCounters } from '../engine/metrics/counters'
import { NO_ENTRY } from '../engine/designs/design'
import { MetadataOnlyStore } from '../engine/device/pageStore'
import { Cpu } from '../engine/sim/scheduler'
import { VARIANTS } from './variants'

const gib = Number(process.argv[2] ?? 32)
const levels = [0, 25, 50, 75, 100]
console.log(`metadata bytes per slot (static + dynamic) / total slots, ${gib} GiB device, 4 CPUs`)
console.log(['design'.padEnd(15), ...levels.map((l) => `${l} %`.padStart(8)), 'MiB at 100 %'.padStart(13)].join('  '))
for (const { label, design, options } of VARIANTS) {
  const cfg = resolveEngineConfig({
    design,
    designOptions: options,
    devices: [{ sizeBytes: gib * 2 ** 30 }],
    cpus: 4,
    storage: 'metadata-only'
  })
  const d = createDesign(cfg, [new MetadataOnlyStore()], emptyCounters(), { low: 0 })
  const cpu = new Cpu(0)
  const pages = d.totalSlots()
  let used = 0
  let folio = 1
  const row: string[] = [label.padEnd(15)]
  let last = 0
  for (const pct of levels) {
    const target = Math.floor((pages * pct) / 100)
    while (used < target) {
      let order = target - used >= 512 ? 9 : 0
      let e = d.allocSwap(cpu, order, folio, [])
      if (e === NO_ENTRY && order) e = d.allocSwap(cpu, (order = 0), folio, [])
      if (e === NO_ENTRY) throw new Error(`${label}: allocation failed at ${used}`)
      const nr = 1 << order
      for (let i = 0; i < nr; i++) d.dup(cpu, e + i)
      d.writeFolio(cpu, e, nr, { origin: new Uint32Array(512), vpn: new Uint32Array(512), gen: new Uint32Array(512) })
      d.cacheDelete(cpu, e, nr, folio++)
      used += nr
    }
    d.drain(cpu)
    const r = metadataReport(d)
    last = r.staticBytes + r.dynamicBytes
    row.push(r.bytesPerSlot.toFixed(3).padStart(8))
  }
  row.push((last / 2 ** 20).toFixed(1).padStart(13))
  console.log(row.join('  '))
}
