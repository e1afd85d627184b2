// Real runs on the host kernel: root, swapon, a memory cgroup and a loop device are needed.
// Where they are missing the suite is skipped with a line saying why. Every run is checked to
// leave the machine as it found it: no device of ours in /proc/swaps or on a loop device, no
// cgroup of ours, the THP knobs and page-cluster back.

import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { resolveEngineConfig, type EngineConfigInput } from '../config'
import type { Sample } from '../types'
import { markDeviceDir } from '../device/tempDir'
import { findMemoryHierarchy } from './cgroup'
import { hostStateDir, knobValue, recoverHost, runOnHost, wantedKnobs, type HostState } from './host'
import { parseProcSwaps } from './procfs'
import { readRotational, setLoopRotational } from './hostSwap'

const MiB = 2 ** 20
const THP = '/sys/kernel/mm/transparent_hugepage'

function hostProblem(): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (swapon and cgroups need root)'
  if (!fs.existsSync('/proc/swaps')) return 'the kernel has no swap (/proc/swaps missing)'
  try {
    findMemoryHierarchy()
  } catch (e) {
    return (e as Error).message
  }
  for (const tool of ['swapon', 'swapoff', 'losetup', 'cc']) {
    if (spawnSync(tool, ['--version'], { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } }).error)
      return `\`${tool}\` is missing`
  }
  if (!fs.existsSync('/dev/loop-control')) return 'no loop devices (/dev/loop-control missing)'
  return null
}

const problem = hostProblem()
if (problem) console.log(`host.test: host kernel runs skipped: ${problem}`)

const SBIN = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` }
let tmp = ''
let deviceBase = ''
const saved = process.env.SWAPLAB_CACHE

function knobs(): Record<string, string> {
  const out: Record<string, string> = { pageCluster: fs.readFileSync('/proc/sys/vm/page-cluster', 'utf8').trim() }
  for (const d of fs.readdirSync(THP).filter((n) => /^hugepages-\d+kB$/.test(n)))
    if (fs.existsSync(path.join(THP, d, 'enabled'))) out[d] = fs.readFileSync(path.join(THP, d, 'enabled'), 'utf8').trim()
  return out
}

/** Loop devices and their backing files. */
function loops(): { dev: string; file: string }[] {
  return fs
    .readdirSync('/sys/block')
    .filter((n) => /^loop\d+$/.test(n))
    .map((n) => {
      let file = ''
      try {
        file = fs.readFileSync(`/sys/block/${n}/loop/backing_file`, 'utf8').trim()
      } catch {
        // not attached
      }
      return { dev: `/dev/${n}`, file }
    })
    .filter((l) => l.file)
}

function ourCgroups(pid = process.pid): string[] {
  const h = findMemoryHierarchy()
  return fs.readdirSync(h.parent).filter((n) => n.startsWith(`swaplab-${pid}-`))
}

/** Nothing of a run under deviceBase is left: no swap, no loop device, no folder, no cgroup. */
function expectRestored(before: Record<string, string>): void {
  const swaps = parseProcSwaps(fs.readFileSync('/proc/swaps', 'utf8'))
  const ourLoops = loops().filter((l) => l.file.startsWith(deviceBase + '/'))
  expect(ourLoops).toEqual([])
  expect(swaps.filter((a) => a.filename.startsWith(deviceBase + '/') || ourLoops.some((l) => l.dev === a.filename))).toEqual([])
  expect(fs.readdirSync(deviceBase)).toEqual([])
  expect(ourCgroups()).toEqual([])
  expect(knobs()).toEqual(before)
  expect(fs.readdirSync(hostStateDir()).filter((f) => f.startsWith(`run-${process.pid}-`))).toEqual([])
}

function config(input: EngineConfigInput): ReturnType<typeof resolveEngineConfig> {
  return resolveEngineConfig({
    design: 'kernel',
    designOptions: { image: 'host' },
    deviceDir: deviceBase,
    devices: [{ sizeBytes: 64 * MiB }],
    memoryLimitBytes: 8 * MiB,
    ...input
  })
}

describe.skipIf(!!problem)('host kernel runs', () => {
  let before: Record<string, string> = {}
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-hosttest-'))
    deviceBase = path.join(tmp, 'devices')
    fs.mkdirSync(deviceBase)
    process.env.SWAPLAB_CACHE = path.join(tmp, 'cache')
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.SWAPLAB_CACHE
    else process.env.SWAPLAB_CACHE = saved
    fs.rmSync(tmp, { recursive: true, force: true })
  })
  beforeEach(() => {
    before = knobs()
  })
  afterEach(() => {
    expectRestored(before)
  })

  it('usemem, sequential: swaps out and in, verifies every page read back, reports the kernel', async () => {
    const samples: Sample[] = []
    const progress: number[] = []
    const r = await runOnHost(config({ workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 24 * MiB, passes: 2 } } }), {
      onSamples: (s) => samples.push(...s),
      onProgress: (f) => progress.push(f)
    })
    const pages = (24 * MiB) / 4096
    expect(r.workloadMetrics.verifiedPages).toBe(pages) // the second pass reads back every page of the first
    expect(r.counters.pswpout).toBeGreaterThan(pages / 2)
    expect(r.counters.pswpin).toBeGreaterThan(0)
    expect(r.counters.majorFaults).toBeGreaterThan(0)
    expect(r.kernel.where).toBe('host')
    expect(r.kernel.release).toBe(os.release())
    expect(r.kernel.countersSystemWide).toBe(true)
    expect(r.kernel.swapDevice).toMatch(/^\/dev\/loop\d+ \(loop device/)
    // An nvme preset: the lab's loop device is non-rotational at swapon (SWP_SOLIDSTATE), whatever its backing disk says.
    expect(r.kernel.swapRotational).toBe(false)
    expect(r.kernel.measured).toEqual(expect.arrayContaining(['pswpout', 'pswpin', 'readaheadPages', 'readaheadHits', 'majorFaults']))
    expect(r.kernel.vmstatDelta.pswpout).toBeGreaterThanOrEqual(r.counters.pswpout)
    expect(r.kernel.cgroup?.stats).toBeDefined()
    expect(r.simTimeNs).toBe(Math.round(r.wallTimeMs * 1e6))
    expect(r.systemTimeNs).toBeGreaterThan(0)
    expect(r.workloadMetrics.throughputMBps).toBeGreaterThan(0)
    expect(progress.at(-1)).toBe(1)
    expect(samples.length).toBeGreaterThan(0)
    expect(Math.max(...samples.map((s) => s.values.swapUsedSlots))).toBeGreaterThan(0)
  }, 180_000)

  it('usemem, random, two tasks', async () => {
    const r = await runOnHost(
      config({ workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 12 * MiB, passes: 2, random: true } }, seed: 3 })
    )
    expect(r.counters.pswpout).toBeGreaterThan(0)
    expect(r.counters.pswpin).toBeGreaterThan(0)
    expect(Number(r.workloadMetrics.verifiedPages)).toBeGreaterThan(0)
  }, 180_000)

  for (const mode of ['unaligned', 'aligned', 'small-folio area'] as const) {
    it(`thp_swap_allocator_test, ${mode}: one fallback % per iteration from the 64 kB stats`, async () => {
      const r = await runOnHost(
        config({
          workload: {
            name: 'thp-swap-allocator-test',
            params: {
              regionBytes: 8 * MiB,
              dropBytes: 2 * MiB,
              iterations: 3,
              mthpOrder: 4,
              alignedSwapin: mode === 'aligned',
              smallFolioArea: mode === 'small-folio area',
              smallAreaBytes: 1 * MiB
            }
          }
        })
      )
      const pct = r.workloadMetrics.fallbackPercentPerIteration as number[]
      expect(pct).toHaveLength(3)
      expect(pct.every((p) => p >= 0 && p <= 100)).toBe(true)
      // the region went out as 64 kB folios, whole or split
      expect(r.counters.swpout[4] + r.counters.swpoutFallback[4]).toBeGreaterThanOrEqual((8 * MiB) / (64 * 1024))
      expect(r.workloadMetrics.verifiedPages).toBe((8 * MiB + (mode === 'small-folio area' ? 1 * MiB : 0)) / 4096)
    }, 180_000)
  }

  it('cancelled mid-run: throws RunCancelled and restores everything', async () => {
    const ac = new AbortController()
    const run = runOnHost(config({ workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 64 * MiB, passes: 4 } } }), {
      signal: ac.signal,
      onProgress: (f) => {
        if (f > 0.05) ac.abort()
      }
    })
    await expect(run).rejects.toMatchObject({ name: 'RunCancelled' })
  }, 180_000)

  it('a workload OOM-killed in its cgroup (device too small) ends with a clear message', async () => {
    const run = runOnHost(
      config({ workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 48 * MiB, passes: 1 } }, devices: [{ sizeBytes: 4 * MiB }] })
    )
    await expect(run).rejects.toThrow(/OOM-killed in its memory cgroup \(limit 8 MiB, swap device 4 MiB\)/)
  }, 180_000)

  it('recoverHost undoes a dead run (swap, loop, cgroup, knob, folder) and touches nothing else', async () => {
    const h = findMemoryHierarchy()
    const deadPid = spawnSync('true').pid!
    // the dead run's device folder and file, swapped on through a loop device
    const dir = fs.mkdtempSync(path.join(deviceBase, `swaplab-${deadPid}-`))
    markDeviceDir(dir, { pid: deadPid })
    const file = path.join(dir, 'swap0.img')
    execFileSync('fallocate', ['-l', String(8 * MiB), file])
    fs.chmodSync(file, 0o600)
    execFileSync('mkswap', ['-L', 'swaplab', file], { env: SBIN, stdio: 'ignore' })
    const loop = execFileSync('losetup', ['--find', '--show', file], { env: SBIN }).toString().trim()
    execFileSync('swapon', ['-p', '7', loop], { env: SBIN })
    // its cgroup, with a process still in it
    const cgPath = path.join(h.parent, `swaplab-${deadPid}-0badcafe`)
    fs.mkdirSync(cgPath)
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' })
    fs.writeFileSync(path.join(cgPath, 'cgroup.procs'), String(sleeper.pid))
    // a knob it changed
    const pc = fs.readFileSync('/proc/sys/vm/page-cluster', 'utf8').trim()
    const set = pc === '5' ? '4' : '5'
    fs.writeFileSync('/proc/sys/vm/page-cluster', set)
    fs.mkdirSync(hostStateDir(), { recursive: true })
    const stale: HostState = {
      version: 1,
      pid: deadPid,
      started: new Date().toISOString(),
      deviceDir: dir,
      swapFiles: [file],
      loops: [], // the crash came before the loop device was recorded: found from its backing file
      cgroup: { version: h.version, path: cgPath },
      v2DelegatedAt: null,
      knobs: [{ path: '/proc/sys/vm/page-cluster', old: pc, set }]
    }
    const staleFile = path.join(hostStateDir(), `run-${deadPid}-00000001.json`)
    fs.writeFileSync(staleFile, JSON.stringify(stale))

    // someone else's swap file and cgroup, and a live run's state naming that cgroup
    const otherDir = fs.mkdtempSync(path.join(tmp, 'other-'))
    const other = path.join(otherDir, 'their.swap')
    execFileSync('fallocate', ['-l', String(4 * MiB), other])
    fs.chmodSync(other, 0o600)
    execFileSync('mkswap', [other], { env: SBIN, stdio: 'ignore' })
    execFileSync('swapon', ['-p', '1', other], { env: SBIN })
    const otherCg = path.join(h.parent, `k1test-other-${process.pid}`)
    fs.mkdirSync(otherCg)
    const liveFile = path.join(hostStateDir(), `run-${process.pid}-00000002.json`)
    fs.writeFileSync(
      liveFile,
      JSON.stringify({
        ...stale,
        pid: process.pid,
        deviceDir: otherDir,
        swapFiles: [other],
        cgroup: { version: h.version, path: otherCg },
        knobs: []
      })
    )
    try {
      const report = await recoverHost()
      expect(report.problems).toEqual([])
      expect(report.swappedOff).toEqual([loop])
      expect(report.loopsDetached).toEqual([loop])
      expect(report.cgroupsRemoved).toEqual([cgPath])
      expect(report.knobsRestored).toEqual([`/proc/sys/vm/page-cluster=${pc}`])
      expect(report.foldersRemoved).toEqual([dir])
      expect(fs.existsSync(cgPath)).toBe(false)
      expect(fs.existsSync(dir)).toBe(false)
      expect(fs.existsSync(staleFile)).toBe(false)
      expect(fs.readFileSync('/proc/sys/vm/page-cluster', 'utf8').trim()).toBe(pc)
      // untouched: the other swap file, the other cgroup, the live run's state
      expect(parseProcSwaps(fs.readFileSync('/proc/swaps', 'utf8')).map((a) => a.filename)).toContain(other)
      expect(fs.existsSync(otherCg)).toBe(true)
      expect(fs.existsSync(liveFile)).toBe(true)
    } finally {
      sleeper.kill('SIGKILL')
      spawnSync('swapoff', [other], { env: SBIN })
      spawnSync('swapoff', [loop], { env: SBIN })
      spawnSync('losetup', ['-d', loop], { env: SBIN })
      for (const p of [otherCg, cgPath])
        for (let i = 0; i < 50 && fs.existsSync(p); i++)
          try {
            fs.rmdirSync(p)
          } catch {
            await new Promise((r) => setTimeout(r, 50))
          }
      fs.rmSync(liveFile, { force: true })
      fs.rmSync(otherDir, { recursive: true, force: true })
      fs.writeFileSync('/proc/sys/vm/page-cluster', pc)
    }
  }, 120_000)
})

describe.skipIf(!!problem)('host crash recovery after the stale folder was already removed', () => {
  it('still finds the loop device from its (deleted) backing file and swaps it off', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-hosttest2-'))
    const savedCache = process.env.SWAPLAB_CACHE
    process.env.SWAPLAB_CACHE = path.join(base, 'cache')
    const deadPid = spawnSync('true').pid!
    const dir = fs.mkdtempSync(path.join(base, `swaplab-${deadPid}-`))
    markDeviceDir(dir, { pid: deadPid })
    const file = path.join(dir, 'swap0.img')
    execFileSync('fallocate', ['-l', String(8 * MiB), file])
    fs.chmodSync(file, 0o600)
    execFileSync('mkswap', ['-L', 'swaplab', file], { env: SBIN, stdio: 'ignore' })
    const loop = execFileSync('losetup', ['--find', '--show', file], { env: SBIN }).toString().trim()
    execFileSync('swapon', ['-p', '7', loop], { env: SBIN })
    try {
      fs.mkdirSync(hostStateDir(), { recursive: true })
      const st: HostState = {
        version: 1,
        pid: deadPid,
        started: new Date().toISOString(),
        deviceDir: dir,
        swapFiles: [file],
        loops: [loop],
        cgroup: null,
        v2DelegatedAt: null,
        knobs: []
      }
      fs.writeFileSync(path.join(hostStateDir(), `run-${deadPid}-00000003.json`), JSON.stringify(st))
      fs.rmSync(dir, { recursive: true, force: true }) // what cleanStaleDeviceDirs does to a dead pid's folder
      const report = await recoverHost()
      expect(report.problems).toEqual([])
      expect(report.swappedOff).toEqual([loop])
      expect(report.loopsDetached).toEqual([loop])
      expect(parseProcSwaps(fs.readFileSync('/proc/swaps', 'utf8')).map((a) => a.filename)).not.toContain(loop)
      expect(fs.readdirSync(hostStateDir())).toEqual([])
    } finally {
      spawnSync('swapoff', [loop], { env: SBIN })
      spawnSync('losetup', ['-d', loop], { env: SBIN })
      if (savedCache === undefined) delete process.env.SWAPLAB_CACHE
      else process.env.SWAPLAB_CACHE = savedCache
      fs.rmSync(base, { recursive: true, force: true })
    }
  }, 60_000)
})

describe.skipIf(!!problem)('the rotational flag of the lab loop device', () => {
  it('is written as asked and read back as the kernel sees it; only a loop device is touched', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-hostrot-'))
    const file = path.join(base, 'rot.img')
    fs.writeFileSync(file, '')
    fs.truncateSync(file, 8 * MiB)
    const loop = execFileSync('losetup', ['--find', '--show', file], { env: SBIN }).toString().trim()
    try {
      expect(readRotational(loop)).not.toBeNull()
      expect(setLoopRotational(loop, true)).toBeNull()
      expect(readRotational(loop)).toBe(true)
      expect(setLoopRotational(loop, false)).toBeNull()
      expect(readRotational(loop)).toBe(false)
      expect(setLoopRotational('/dev/vda', false)).toMatch(/not a loop device/)
    } finally {
      spawnSync('losetup', ['-d', loop], { env: SBIN })
      fs.rmSync(base, { recursive: true, force: true })
    }
  })
})

describe('the knobs a run asks for', () => {
  it('enables exactly the thp test’s own size, or the run’s thpOrders for other workloads; page-cluster too', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-thpknobs-'))
    try {
      for (const kb of [16, 32, 64, 2048]) fs.mkdirSync(path.join(root, `hugepages-${kb}kB`))
      const thp = wantedKnobs(
        resolveEngineConfig({
          workload: { name: 'thp-swap-allocator-test', params: { mthpOrder: 4 } },
          thpOrders: [0, 2, 9],
          pageCluster: 0
        }),
        root
      )
      const value = (k: { path: string; value: string }[], name: string): string | undefined =>
        k.find((x) => x.path.endsWith(`${name}/enabled`) || x.path.endsWith(name))?.value
      expect(value(thp, 'hugepages-64kB')).toBe('always')
      expect(value(thp, 'hugepages-16kB')).toBe('never')
      expect(value(thp, 'hugepages-2048kB')).toBe('never')
      expect(value(thp, 'page-cluster')).toBe('0')
      const use = wantedKnobs(resolveEngineConfig({ workload: { name: 'usemem' }, thpOrders: [0, 2, 9] }), root)
      expect(value(use, 'hugepages-16kB')).toBe('always')
      expect(value(use, 'hugepages-2048kB')).toBe('always')
      expect(value(use, 'hugepages-64kB')).toBe('never')
      // a kernel without per-size folders: PMD THP on the top-level knob
      const old = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-thpknobs-old-'))
      fs.writeFileSync(path.join(old, 'enabled'), 'always [madvise] never\n')
      expect(wantedKnobs(resolveEngineConfig({ workload: { name: 'usemem' }, thpOrders: [0, 9] }), old)[0]).toEqual({
        path: path.join(old, 'enabled'),
        value: 'always'
      })
      fs.rmSync(old, { recursive: true, force: true })
      // lru=classic switches MGLRU off where the kernel has the switch, and asks nothing where it has not.
      const gen = path.join(root, 'lru_gen_enabled')
      fs.writeFileSync(gen, '0x0007\n')
      const classic = resolveEngineConfig({
        workload: { name: 'usemem' },
        design: 'kernel',
        designOptions: { image: 'host', lru: 'classic' }
      })
      expect(wantedKnobs(classic, root, gen).at(-1)).toEqual({ path: gen, value: 'n' })
      expect(wantedKnobs(classic, root, path.join(root, 'absent')).some((k) => k.path.endsWith('absent'))).toBe(false)
      const own = resolveEngineConfig({ workload: { name: 'usemem' }, design: 'kernel', designOptions: { image: 'host' } })
      expect(wantedKnobs(own, root, gen).some((k) => k.path === gen)).toBe(false)
      expect(knobValue('0x0007\n')).toBe('0x0007')
      expect(knobValue('always inherit madvise [never]')).toBe('never')
      expect(knobValue('3\n')).toBe('3')
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })
})
