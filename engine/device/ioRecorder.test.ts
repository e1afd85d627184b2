// The I/O recorder: it logs exactly the calls the file device makes, and replaying the log
// raw on a fresh file reproduces the device file byte for byte and every read's bytes.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileDevice } from './fileDevice'
import { IoRecorder, IO_READ, IO_WRITE, replayIo } from './ioRecorder'
import { runEngine, resolveEngineConfig, type RunSummary } from '../index'

const MiB = 2 ** 20
let tmp: string
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-rec-'))
})
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

function writePages(dev: FileDevice, slot: number, n: number, gen: number): void {
  for (let i = 0; i < n; i++) dev.stage(i, 7, slot + i, gen)
  dev.write(slot, n)
}
function readPages(dev: FileDevice, slot: number, n: number, gen: number): void {
  for (let i = 0; i < n; i++) dev.stage(i, 7, slot + i, gen)
  dev.read(slot, n)
}

describe('IoRecorder on a file device', () => {
  it('logs each merged write and each read in order, and the replay rebuilds the same file', () => {
    const rec = new IoRecorder({ keepData: true })
    const devPath = path.join(tmp, 'swap0.img')
    const dev = new FileDevice(devPath, 0, 1024, false, rec)
    writePages(dev, 10, 3, 1)
    writePages(dev, 13, 2, 1) // adjacent: merged into the same pwrite
    writePages(dev, 100, 1, 1)
    readPages(dev, 10, 5, 1) // flushes the plug first
    writePages(dev, 11, 1, 2)
    readPages(dev, 100, 1, 1)
    dev.close()
    const log = Array.from({ length: rec.length }, (_, i) => rec.get(i))
    expect(log).toEqual([
      { device: 0, op: IO_WRITE, offset: 0, length: 4096 }, // swap header
      { device: 0, op: IO_WRITE, offset: 10 * 4096, length: 5 * 4096 },
      { device: 0, op: IO_WRITE, offset: 100 * 4096, length: 4096 },
      { device: 0, op: IO_READ, offset: 10 * 4096, length: 5 * 4096 },
      { device: 0, op: IO_WRITE, offset: 11 * 4096, length: 4096 },
      { device: 0, op: IO_READ, offset: 100 * 4096, length: 4096 }
    ])
    expect(rec.devices).toEqual([{ index: 0, sizeBytes: 1024 * 4096 }])
    const out = path.join(tmp, 'replay')
    fs.mkdirSync(out)
    const r = replayIo(rec, out, { check: true })
    expect(fs.readFileSync(r.files[0]).equals(fs.readFileSync(devPath))).toBe(true)
    // A replay that drops a write no longer matches: the comparison can fail.
    rec.data![4] = Buffer.alloc(4096)
    const r2 = replayIo(rec, fs.mkdtempSync(path.join(tmp, 'bad-')))
    expect(fs.readFileSync(r2.files[0]).equals(fs.readFileSync(devPath))).toBe(false)
  })
})

describe('IoRecorder through a run', () => {
  const cfg = (): ReturnType<typeof resolveEngineConfig> =>
    resolveEngineConfig({
      design: 'cluster',
      workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 4 * MiB, passes: 2, random: true } },
      memoryLimitBytes: 3 * MiB,
      devices: [
        { sizeBytes: 32 * MiB, preset: 'nvme', priority: 1 },
        { sizeBytes: 32 * MiB, preset: 'ssd', priority: 1 }
      ],
      deviceDir: tmp,
      cpus: 2
    })
  const simulated = (s: RunSummary): unknown => ({
    ...s,
    wallTimeMs: 0,
    latency: { ...s.latency, swapoutWallNs: 0, swapinWallNs: 0, freeWallNs: 0 }
  })

  it('records exactly the I/O the run reports, its replay reads back what the engine read, and recording changes no result', () => {
    const rec = new IoRecorder({ keepData: true })
    const s = runEngine(cfg(), { ioRecorder: rec })
    const t = rec.totals()
    expect(rec.devices.map((d) => d.index)).toEqual([0, 1])
    expect(t.writes).toBe(s.device.writeCalls + 2) // + one header per device
    expect(t.bytesWritten).toBe(s.device.bytesWritten + 2 * 4096)
    expect(t.reads).toBe(s.device.readCalls)
    expect(t.bytesRead).toBe(s.device.bytesRead)
    expect(t.reads).toBeGreaterThan(100)
    const out = fs.mkdtempSync(path.join(tmp, 'replay-'))
    const r = replayIo(rec, out, { check: true })
    expect(r.files).toHaveLength(2)
    expect(r.ms).toBeGreaterThan(0)
    expect(simulated(runEngine(cfg()))).toEqual(simulated(s))
  })
})
