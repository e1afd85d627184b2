// Issue 12 item 8: the free-space pre-check is an upper bound on what the device files really
// take. Each design runs a few workloads with the real engine and file-backed devices; the
// blocks allocated to the device files are measured during the run (their peak: nothing
// punches holes) and must never exceed the estimate.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runEngine } from '../../engine/engine'
import { resolveEngineConfig, type EngineConfigInput } from '../../engine/pure'
import { deviceBytesNeeded } from './diskSpace'
import { tempDir } from './testing/fixtures'

const MiB = 2 ** 20
const base = tempDir()
afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

function allocatedBytes(dir: string): number {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name.endsWith('.img')) n += fs.statSync(path.join(e.parentPath, e.name)).blocks * 512
  return n
}

const workloads: [string, Partial<EngineConfigInput>][] = [
  // Three passes over twice the memory limit: every pass swaps everything out again.
  [
    'usemem, 3 sequential passes',
    { workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 4 * MiB, passes: 3 } }, memoryLimitBytes: 4 * MiB }
  ],
  [
    'usemem, random with writes',
    {
      workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 4 * MiB, passes: 2, random: true, writeRatio: 0.5 } },
      memoryLimitBytes: 4 * MiB
    }
  ]
]
const designs: [EngineConfigInput['design'], Record<string, unknown>][] = [
  ['legacy', {}],
  ['mthp-6.10', {}],
  ['cluster', {}],
  ['swap-table', { phase: 4 }],
  ['vswap', {}]
]

describe('issue 12 item 8: the free-space estimate bounds the real device file growth', () => {
  for (const [what, w] of workloads)
    it(`${what}: every design`, () => {
      const rows: string[] = []
      for (const [design, designOptions] of designs) {
        const config = resolveEngineConfig({
          ...w,
          design,
          designOptions,
          devices: [{ sizeBytes: 256 * MiB }],
          storage: 'file',
          deviceDir: base,
          cpus: 2
        } as EngineConfigInput)
        let peak = 0
        runEngine(config, { onProgress: () => void (peak = Math.max(peak, allocatedBytes(base))) })
        const estimate = deviceBytesNeeded(config)
        rows.push(`${design}: peak ${(peak / MiB).toFixed(2)} MiB, estimate ${(estimate / MiB).toFixed(2)} MiB`)
        expect(peak, rows.at(-1)).toBeGreaterThan(0)
        expect(estimate, rows.at(-1)).toBeGreaterThanOrEqual(peak)
        // An upper bound, not the device size: it still lets a run start on a disk smaller than the device.
        expect(estimate).toBeLessThan(256 * MiB)
      }
      console.log(`${what}\n  ${rows.join('\n  ')}`)
    })
})
