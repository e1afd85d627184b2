// The lab service end to end with the real engine: a real swap device file in a temp folder,
// small configs that finish in seconds.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseSwapHeader } from '../../engine/index'
import { presets } from '../../experiments/presets'
import { LabService } from './service'
import { tempDir } from './testing/fixtures'

const MiB = 2 ** 20
let dir: string
let lab: LabService

beforeEach(() => {
  dir = tempDir()
  lab = new LabService({ dbPath: path.join(dir, 'runs.db'), deviceDir: path.join(dir, 'devices'), appVersion: '0.0.0-test' })
})
afterEach(async () => {
  await lab.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('lab service with the real engine', () => {
  it('runs the quick preset (two designs x three trials) on a real device file and records everything', async () => {
    const quick = presets().find((p) => p.id === 'quick')!
    const { runIds } = await lab.start(quick.config)
    const runs = await lab.waitForRuns(runIds)
    expect(runs.map((r) => [r.status, r.error])).toEqual(Array(6).fill(['done', null]))
    for (const id of runIds) {
      const d = await lab.getRun(id)
      expect(d.summary?.design).toBe(d.design)
      expect(d.summary?.seed).toBe(d.seed)
      expect(d.summary?.metadataOnly).toBe(false)
      expect(d.summary?.device.pagesWritten).toBeGreaterThan(0)
      expect((await lab.getSamples(id)).totalSamples).toBeGreaterThan(0)
    }
    // Same seed, same simulated result: trial 0 and a rerun of it agree bit for bit.
    const again = await lab.rerun(runIds[0])
    await lab.waitForRuns(again.runIds)
    expect((await lab.getRun(again.runIds[0])).summary?.simTimeNs).toBe((await lab.getRun(runIds[0])).summary?.simTimeNs)
    const c = await lab.compare(runIds)
    expect(c.groups.map((g) => [g.variantLabel, g.metrics.sim_time_s?.n])).toEqual([
      ['legacy', 3],
      ['swap-table P4', 3]
    ])
    // Device folders are removed when runs end.
    expect(fs.readdirSync(path.join(dir, 'devices'))).toEqual([])
  })

  it('cancels a long real run within a second and keeps its samples', async () => {
    const { runIds } = await lab.start({
      designs: [{ design: 'cluster' }],
      workload: { name: 'usemem', params: { tasks: 4, sizeBytes: 256 * MiB, passes: 50 } },
      memoryLimitBytes: 64 * MiB,
      devices: [{ sizeBytes: 2048 * MiB }],
      storage: 'metadata-only',
      sampleIntervalNs: 100_000
    })
    const id = runIds[0]
    const deadline = Date.now() + 30_000
    while ((await lab.getSamples(id, 1)).totalSamples === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const t0 = Date.now()
    await lab.cancel(id)
    const [run] = await lab.waitForRuns([id])
    expect(run.status).toBe('cancelled')
    expect(Date.now() - t0).toBeLessThan(1000)
    expect((await lab.getSamples(id, 1)).totalSamples).toBeGreaterThan(0)
  })

  it('writes a real Linux swap header in the device file while a run is going', async () => {
    const devices = path.join(dir, 'devices')
    const { runIds } = await lab.start({
      designs: [{ design: 'swap-table' }],
      workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 64 * MiB, passes: 20 } },
      memoryLimitBytes: 16 * MiB,
      devices: [{ sizeBytes: 256 * MiB }]
    })
    let header: ReturnType<typeof parseSwapHeader> | null = null
    const deadline = Date.now() + 30_000
    while (!header && Date.now() < deadline) {
      const files = fs.existsSync(devices)
        ? fs
            .readdirSync(devices, { recursive: true })
            .map(String)
            .filter((f) => !f.endsWith('.json'))
        : []
      for (const f of files) {
        const p = path.join(devices, f)
        if (!fs.statSync(p).isFile() || fs.statSync(p).size < 4096) continue
        const page = Buffer.alloc(4096)
        const fd = fs.openSync(p, 'r')
        fs.readSync(fd, page, 0, 4096, 0)
        fs.closeSync(fd)
        try {
          header = parseSwapHeader(page)
        } catch {
          // not the device file (or not written yet)
        }
      }
      if (!header) await new Promise((r) => setTimeout(r, 10))
    }
    expect(header).not.toBeNull()
    await lab.cancel('all')
    await lab.waitForRuns(runIds)
  })
})
