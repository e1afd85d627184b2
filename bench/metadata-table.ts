// Metadata memory per slot of every design and phase on a 32 GiB device filled to a given
// level through the real VM path (the `fill` workload, metadata-only).
//   usage: npx tsx bench/metadata-table.ts [percent=50] [GiB=32]

import { runEngine, resolveEngineConfig } from '../engine'
import { VARIANTS } from './variants'

const pct = Number(process.argv[2] ?? 50)
const gib = Number(process.argv[3] ?? 32)
console.log(`metadata on a ${gib} GiB device filled to ${pct} % (fill workload, metadata-only)`)
console.log('design          used slots  static MiB  dynamic MiB  B/slot  dyn B/used slot  wall s')
for (const { label, design, options } of VARIANTS) {
  const cfg = resolveEngineConfig({
    design,
    designOptions: options,
    workload: { name: 'fill', params: { targetPercent: pct } },
    memoryLimitBytes: 64 * 2 ** 20,
    devices: [{ sizeBytes: gib * 2 ** 30 }],
    storage: 'metadata-only',
    cpus: 1
  })
  const s = runEngine(cfg)
  const m = s.metadata
  console.log(
    `${label.padEnd(14)}  ${String(m.usedSlots).padStart(10)}  ${(m.staticBytes / 2 ** 20).toFixed(2).padStart(10)}  ${(m.dynamicBytes / 2 ** 20).toFixed(2).padStart(11)}  ${m.bytesPerSlot.toFixed(3).padStart(6)}  ${m.dynamicBytesPerUsedSlot.toFixed(3).padStart(15)}  ${(s.wallTimeMs / 1000).toFixed(1).padStart(6)}`
  )
  console.log(`                ${JSON.stringify(m.breakdown)}`)
}
