// End-to-end tests of the engine: real device files, verification, determinism, bad input.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  runEngine,
  resolveEngineConfig,
  checkEngineConfig,
  CorruptionError,
  ConfigError,
  RunCancelled,
  parseSwapHeader,
  type RunSummary,
  type Sample
} from './index'
import type { EngineConfigInput } from './config'
import { cleanStaleDeviceDirs, markDeviceDir } from './device/tempDir'
import { FileDevice } from './device/fileDevice'

const MiB = 2 ** 20
const GiB = 2 ** 30

let tmp: string
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-test-'))
})
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

function small(over: EngineConfigInput = {}): ReturnType<typeof resolveEngineConfig> {
  return resolveEngineConfig({
    workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 2 } },
    memoryLimitBytes: 6 * MiB,
    devices: [{ sizeBytes: 64 * MiB, preset: 'nvme' }],
    deviceDir: tmp,
    checkInvariants: true,
    ...over
  })
}

/** Everything of a summary that must not depend on the machine or the wall clock. */
function simulated(s: RunSummary): unknown {
  const { wallTimeMs, latency, ...rest } = s
  void wallTimeMs
  return { ...rest, latency: { swapoutSimNs: latency.swapoutSimNs, swapinSimNs: latency.swapinSimNs, freeSimNs: latency.freeSimNs } }
}

describe('runEngine on a real device file', () => {
  it('swaps pages out and back in, verifying every page read', () => {
    for (const design of ['legacy', 'cluster', 'swap-table'] as const) {
      const s = runEngine(small({ design }))
      expect(s.counters.pswpout, design).toBeGreaterThan(1000)
      expect(s.counters.pswpin, design).toBeGreaterThan(1000)
      expect(s.device.pagesWritten).toBe(s.counters.pswpout)
      expect(s.device.verifiedReads).toBe(s.device.pagesRead)
      expect(s.device.pagesRead).toBe(s.counters.pswpin)
      expect(s.metadataOnly).toBe(false)
      expect(s.workloadMetrics.throughputMBps).toBeGreaterThan(0)
      expect(s.latency.swapinSimNs.count).toBeGreaterThan(0)
      expect(s.latency.freeSimNs.count).toBe(2)
    }
    // The device folder is gone once the run ends.
    expect(fs.readdirSync(tmp)).toEqual([])
  })

  it('gives bit-identical simulated results for the same seed, and different ones for another seed', () => {
    const samples = (): Sample[][] => [[]]
    const runs = [1, 1, 2].map((seed) => {
      const got = samples()
      const s = runEngine(
        small({
          design: 'swap-table',
          seed,
          workload: { name: 'usemem', params: { tasks: 3, sizeBytes: 4 * MiB, passes: 2, random: true } },
          cpus: 3,
          sampleIntervalNs: 1_000_000
        }),
        { onSamples: (b) => got[0].push(...b) }
      )
      return { s, samples: got[0].map((x) => ({ t: x.tSimNs, ops: x.ops, v: x.values })) }
    })
    expect(simulated(runs[0].s)).toEqual(simulated(runs[1].s))
    expect(runs[0].samples).toEqual(runs[1].samples)
    expect(runs[0].samples.length).toBeGreaterThan(5)
    expect(simulated(runs[0].s)).not.toEqual(simulated(runs[2].s))
  })

  it('samples only observe: the sample interval changes the time series, not the simulation (several CPUs)', () => {
    // Swap table on two CPUs sharing its locks: with sampling as scheduler events, a finer
    // interval ended slices early and moved the simulated time (123518798 vs 123518174 ns on
    // the swap-table-vs-vswap preset's first run).
    const cfg = (sampleIntervalNs: number) =>
      small({
        design: 'swap-table',
        designOptions: { phase: 4 },
        storage: 'metadata-only',
        workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 32 * MiB, passes: 2 } },
        memoryLimitBytes: 32 * MiB,
        devices: [{ sizeBytes: 16 * GiB, preset: 'nvme' }],
        cpus: 2,
        checkInvariants: false,
        sampleIntervalNs
      })
    const counts: number[] = []
    const runs = [10_000_000, 20_000].map((interval) => {
      let n = 0
      const s = runEngine(cfg(interval), { onSamples: (b) => (n += b.length) })
      counts.push(n)
      // The metadata peak is the largest sampled value: finer sampling may only find a higher one.
      const { metadata, metadataPeakBytes, ...rest } = simulated(s) as RunSummary
      return { rest, metadata, metadataPeakBytes }
    })
    expect(runs[1].rest).toEqual(runs[0].rest)
    expect(runs[1].metadataPeakBytes).toBeGreaterThanOrEqual(runs[0].metadataPeakBytes)
    expect(counts[1]).toBeGreaterThan(50 * counts[0])
  })

  it('hands samples out from the start of a run, not only once a batch is full', () => {
    const calls: string[] = []
    runEngine(small({ design: 'cluster', sampleIntervalNs: 10_000_000 }), {
      onSamples: (b) => calls.push(`samples:${b[0].tSimNs}`),
      onProgress: () => calls.push('progress')
    })
    // Before: the few samples of a short run came only at its end, after every progress report.
    expect(calls[0]).toBe('samples:0')
    expect(calls.indexOf('samples:0')).toBeLessThan(calls.lastIndexOf('progress'))
  })

  it('fails loudly, naming the slot, when a page on the device is corrupted mid-run', () => {
    let corrupted = -1
    const cfg = small({
      design: 'cluster',
      sampleIntervalNs: 20_000,
      workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 16 * MiB, passes: 2 } },
      memoryLimitBytes: 4 * MiB
    })
    const corrupt = (): void => {
      if (corrupted >= 0) return
      const dir = fs.readdirSync(tmp).find((d) => d.startsWith('swaplab-'))
      if (!dir) return
      const file = path.join(tmp, dir, 'swap0.img')
      const fd = fs.openSync(file, 'r+')
      const page = Buffer.alloc(4096)
      // The most recently written page (highest slot: allocation is sequential here), which
      // the second pass reads back later: flip one byte in its body.
      let last = -1
      for (let slot = 1; slot < 64 * 256; slot++) {
        fs.readSync(fd, page, 0, 4096, slot * 4096)
        if (page.readUInt32LE(0) !== 0) last = slot
      }
      if (last > 0) {
        fs.readSync(fd, page, 0, 4096, last * 4096)
        page[2000] ^= 0xff
        fs.writeSync(fd, page, 0, 4096, last * 4096)
        corrupted = last
      }
      fs.closeSync(fd)
    }
    let err: unknown
    try {
      runEngine(cfg, { onSamples: corrupt })
    } catch (e) {
      err = e
    }
    expect(corrupted).toBeGreaterThan(0)
    expect(err).toBeInstanceOf(CorruptionError)
    expect((err as CorruptionError).slot).toBe(corrupted)
    expect((err as Error).message).toMatch(new RegExp(`slot ${corrupted}: page corrupt \\(checksum mismatch`))
    // The device file is removed even though the run failed.
    expect(fs.readdirSync(tmp)).toEqual([])
  })

  it('stops on request with RunCancelled and removes the device file', () => {
    let polls = 0
    expect(() => runEngine(small(), { shouldAbort: () => ++polls > 20 })).toThrow(RunCancelled)
    expect(fs.readdirSync(tmp)).toEqual([])
  })

  it('labels metadata-only runs and writes no page data', () => {
    const s = runEngine(small({ storage: 'metadata-only' }))
    expect(s.metadataOnly).toBe(true)
    expect(s.storage).toBe('metadata-only')
    expect(s.device.bytesWritten).toBe(0)
    expect(s.device.pagesWritten).toBe(s.counters.pswpout)
    expect(fs.readdirSync(tmp)).toEqual([])
  })
})

describe('the swap device file', () => {
  it('carries a Linux swap header that parses like mkswap output, and is sparse at 64 GiB', () => {
    const file = path.join(tmp, 'big.swap')
    const pages = (64 * GiB) / 4096
    const dev = new FileDevice(file, 0, pages, false)
    try {
      const st = fs.statSync(file)
      expect(st.size).toBe(64 * GiB)
      expect(st.blocks * 512).toBeLessThan(1 * MiB) // sparse: only the header page is allocated
      const hdr = Buffer.alloc(4096)
      const fd = fs.openSync(file, 'r')
      fs.readSync(fd, hdr, 0, 4096, 0)
      fs.closeSync(fd)
      const info = parseSwapHeader(hdr)
      expect(info.version).toBe(1)
      expect(info.lastPage).toBe(pages - 1)
      expect(info.nrBadPages).toBe(0)
      expect(info.label).toBe('swaplab0')
      expect(hdr.toString('latin1', 4086, 4096)).toBe('SWAPSPACE2')
      // A page written at the far end reads back and verifies.
      dev.stage(0, 7, 123, 4)
      dev.write(pages - 1, 1)
      dev.read(pages - 1, 1)
      dev.stage(0, 7, 123, 5)
      expect(() => dev.read(pages - 1, 1)).toThrow(/identity mismatch.*gen 4, expected task 7 page 123 gen 5/)
    } finally {
      dev.close()
    }
  })

  it.skipIf(!fs.existsSync('/usr/sbin/blkid'))('is recognised as Linux swap by blkid (util-linux)', () => {
    const file = path.join(tmp, 'probe.swap')
    new FileDevice(file, 3, 16384, false).close()
    const out = execFileSync('/usr/sbin/blkid', ['-p', '-o', 'export', file], { encoding: 'utf8' })
    expect(out).toContain('TYPE=swap')
    expect(out).toContain('LABEL=swaplab3')
  })

  it('removes device folders left by a process that no longer exists', () => {
    const stale = path.join(tmp, 'swaplab-999999999-abcd')
    fs.mkdirSync(stale)
    markDeviceDir(stale, { pid: 999999999 })
    fs.writeFileSync(path.join(stale, 'swap0.img'), 'x')
    const mine = path.join(tmp, `swaplab-${process.pid}-live`)
    fs.mkdirSync(mine)
    markDeviceDir(mine)
    // Only folders with the lab's marker are ever removed (issue 12 item 3).
    const unmarked = path.join(tmp, 'swaplab-999999999-results')
    fs.mkdirSync(unmarked)
    expect(cleanStaleDeviceDirs(tmp)).toEqual([stale])
    expect(fs.existsSync(unmarked)).toBe(true)
    expect(fs.existsSync(stale)).toBe(false)
    expect(fs.existsSync(mine)).toBe(true)
  })
})

describe('bad input is rejected before anything starts, naming the field', () => {
  const cases: [string, EngineConfigInput, string, RegExp][] = [
    ['unknown design', { design: 'zswap-only' as never }, 'design', /unknown design "zswap-only"/],
    ['phase 7', { design: 'swap-table', designOptions: { phase: 7 as never } }, 'designOptions.phase', /must be one of 1, 2, 3, 4; got 7/],
    [
      'memory limit larger than the workload',
      { memoryLimitBytes: 64 * MiB },
      'memoryLimitBytes',
      /smaller than what the workload touches \(16 MiB\)/
    ],
    ['device smaller than one cluster', { devices: [{ sizeBytes: 1 * MiB }] }, 'devices.0.sizeBytes', /at least two clusters/],
    [
      'negative sizes',
      { workload: { name: 'usemem', params: { tasks: 2, sizeBytes: -4096 } } },
      'workload.params.sizeBytes',
      /at least 65536; got -4096/
    ],
    ['negative cpus', { cpus: -1 }, 'cpus', /integer from 1 to 256/]
  ]
  for (const [name, over, field, msg] of cases) {
    it(name, () => {
      const cfg = small(over)
      const problems = checkEngineConfig(cfg)
      expect(problems.map((p) => p.field)).toContain(field)
      expect(problems.find((p) => p.field === field)!.message).toMatch(msg)
      let err: unknown
      try {
        runEngine(cfg)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).field).toBe(field)
      expect(fs.readdirSync(tmp)).toEqual([]) // nothing was created
    })
  }
})

describe('the designs differ the way the brief says', () => {
  it('legacy takes the SYNC_IO bypass on zram; swap-table P2+ swaps in through the cache only', () => {
    const zram = { devices: [{ sizeBytes: 64 * MiB, preset: 'zram' as const }] }
    const legacy = runEngine(small({ design: 'legacy', ...zram }))
    const p1 = runEngine(small({ design: 'swap-table', designOptions: { phase: 1 }, ...zram }))
    const p2 = runEngine(small({ design: 'swap-table', designOptions: { phase: 2 }, ...zram }))
    expect(legacy.counters.syncBypassSwapins).toBeGreaterThan(1000)
    expect(p1.counters.syncBypassSwapins).toBeGreaterThan(1000)
    expect(p2.counters.syncBypassSwapins).toBe(0)
    expect(p2.counters.swapCacheAdd).toBeGreaterThan(legacy.counters.swapCacheAdd)
  })

  it('static metadata: legacy keeps per-slot arrays, swap-table P4 keeps only the cluster structs', () => {
    const legacy = runEngine(small({ design: 'legacy', storage: 'metadata-only' }))
    const p4 = runEngine(small({ design: 'swap-table', designOptions: { phase: 4 }, storage: 'metadata-only' }))
    const slots = (64 * MiB) / 4096
    expect(legacy.metadata.breakdown.swap_map).toBe(slots)
    expect(legacy.metadata.breakdown.swap_cgroup).toBe(2 * slots)
    expect(legacy.metadata.breakdown.xarray_nodes).toBeGreaterThan(0)
    expect(p4.metadata.breakdown.swap_map).toBeUndefined()
    expect(p4.metadata.breakdown.swap_cgroup).toBeUndefined()
    expect(p4.metadata.breakdown.swap_cluster_info).toBe((slots / 512) * 48)
    expect(p4.metadata.staticBytes).toBeLessThan(legacy.metadata.staticBytes / 10)
  })
})
