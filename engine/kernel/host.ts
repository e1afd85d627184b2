// The host backend: the workload's program runs on this machine's own kernel, swapping to
// the lab's device file, in a memory cgroup of its own. Needs root (swapon, cgroups, knobs).
//
// Sequence: preflight (root, program built, swapon/swapoff, a memory cgroup hierarchy) ->
// take the host lock (one host run at a time: swap device choice is global, two runs would
// swap to each other's devices) -> record every change in a lab state file *before* making
// it -> device file (private folder, fully allocated, mkswap-identical header, 0600) ->
// swapon with a priority above every other active device -> THP / mTHP / page-cluster knobs
// -> cgroup with the memory limit -> the program (it joins the cgroup itself before
// allocating) with its output parsed and /proc sampled every SAMPLE_MS -> deltas -> summary.
// A `finally` restores everything in reverse: kill what is in the cgroup, remove it,
// swapoff, knobs back, device folder removed, state file deleted. After a crash,
// recoverHost() (called at service start) undoes what dead lab processes left, from their
// state files, and nothing else.

import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { RunCancelled } from '../errors'
import { makeDeviceDir, processAlive, readDeviceDirMarker, removeDeviceDir } from '../device/tempDir'
import { buildSwapHeader, parseSwapHeader } from '../device/swapHeader'
import { PAGE_SIZE, SAMPLE_FIELDS, type Counters, type EngineConfig, type RunSummary, type Sample, type SampleField } from '../types'
import { buildProgram, labCacheDir } from './build'
import {
  cgroupAnonBytes,
  cgroupOomKills,
  cgroupOwnerPid,
  cgroupStats,
  createCgroup,
  disableV2Memory,
  enableV2Memory,
  findMemoryHierarchy,
  killCgroup,
  labCgroupAt,
  newCgroupName,
  removeCgroup,
  v2MemoryDelegated,
  type LabCgroup
} from './cgroup'
import {
  countersFromDeltas,
  deltaMthp,
  deltaStats,
  parseMthpDump,
  parseProcSwaps,
  parseVmstat,
  summaryMthpDelta,
  summaryVmstatDelta,
  type MthpStats,
  type Stats
} from './procfs'
import { ProtocolReader, addEvent, emptyOutcome, outcomeProblem, programFor, workloadMetrics, workloadTimes, num } from './protocol'
import type { KernelHooks, KernelRunInfo } from './types'
import { kernelRunSummary } from './summary'
import { pairedDesign } from './releases'
import { adoptZram, hotAddZram, ownsZram, removeZram, zramUnavailable } from './zram'

const SAMPLE_MS = 150
const SAMPLES_PER_BATCH = 5
const THP_DIR = '/sys/kernel/mm/transparent_hugepage'
const PAGE_CLUSTER = '/proc/sys/vm/page-cluster'
const DEVICE_LABEL = 'swaplab'
const MAX_SWAP_PRIO = 32767

// ---------------------------------------------------------------- state file

/** What a host run changed, written before each change so that a crash can be undone. */
export interface HostState {
  version: 1
  pid: number
  started: string
  /** The private device folder (with the lab's marker naming its owner). */
  deviceDir: string | null
  /** Device files the run has swapped on or is about to (directly, or through a loop device). */
  swapFiles: string[]
  /** Loop devices attached to those files (also found after a crash from their backing file). */
  loops: string[]
  cgroup: { version: 1 | 2; path: string } | null
  /** v2: the parent whose subtree_control the run set to +memory (undone afterwards). */
  v2DelegatedAt: string | null
  /** Knob files: the value before the run and the value the run wrote. */
  knobs: { path: string; old: string; set: string }[]
  /** Lab-owned zram device ids (device preset zram: swapped on instead of the file; zram.ts). */
  zram?: number[]
}

export function hostStateDir(): string {
  return path.join(labCacheDir(), 'host')
}

function writeState(file: string, st: HostState): void {
  const tmp = `${file}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(st, null, 2))
  fs.renameSync(tmp, file)
}

// ---------------------------------------------------------------- small helpers

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** A folder's entries; none when it cannot be read. */
function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function exec(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } }, (err, stdout, stderr) => {
      const e = err as NodeJS.ErrnoException | null
      resolve({ ok: !e, out: `${stdout}${stderr}`.trim(), missing: e?.code === 'ENOENT' })
    })
  })
}

/** The word in brackets of a THP knob ("always [madvise] never" -> "madvise"), or the trimmed text. */
export function knobValue(text: string): string {
  const m = /\[([^\]]+)\]/.exec(text)
  return m ? m[1] : text.trim()
}

function readSwaps(): ReturnType<typeof parseProcSwaps> {
  return parseProcSwaps(readText('/proc/swaps') ?? '')
}

/** Every per-size mTHP stats folder, as the dump text the VM prints too. */
export function readMthpStats(root = THP_DIR): MthpStats {
  const out: string[] = []
  for (const d of readDir(root).filter((n) => /^hugepages-\d+kB$/.test(n))) {
    const stats = path.join(root, d, 'stats')
    for (const n of readDir(stats)) {
      const v = readText(path.join(stats, n))
      if (v !== null) out.push(`${d}/stats/${n}:${v.trim()}`)
    }
  }
  return parseMthpDump(out.join('\n'))
}

// ---------------------------------------------------------------- preflight

export interface HostPlan {
  program: string
  args: string[]
}

/**
 * Everything a host run needs, checked before anything is changed; throws one line saying
 * what is missing and how to get it.
 */
export async function hostPreflight(config: EngineConfig): Promise<HostPlan> {
  if (process.platform !== 'linux') throw new Error('kernel:image=host runs on Linux only')
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    throw new Error(
      'kernel:image=host needs root (swapon, memory cgroups and the THP knobs are root-only): run the lab as root, or use a kernel in a VM (kernel:image=debian-<version>)'
    )
  const { program, args } = programFor(config)
  if (readText('/proc/swaps') === null) throw new Error('this kernel has no swap support (/proc/swaps is missing: CONFIG_SWAP is off)')
  findMemoryHierarchy()
  for (const tool of ['swapon', 'swapoff']) {
    const r = await exec(tool, ['--version'])
    if (r.missing) throw new Error(`\`${tool}\` is not installed: \`apt-get install util-linux\` (or your distribution's util-linux)`)
  }
  if (!config.devices.length) throw new Error('devices: a kernel run needs one device file')
  if (config.devices[0].preset === 'zram' && zramUnavailable()) throw new Error(`device preset zram: ${zramUnavailable()}`)
  const bin = await buildProgram(program)
  return { program: bin, args }
}

// ---------------------------------------------------------------- the host lock

/**
 * The machine-wide lock of host runs: in /run/lock (root-only runs, so it is writable), not in
 * the cache, so that labs with different caches still take turns.
 */
export function hostLockFile(): string {
  return path.join(fs.existsSync('/run/lock') ? '/run/lock' : os.tmpdir(), 'swaplab-host.lock')
}

/** One host run at a time (on this machine): waits for a live holder, takes over a dead one's lock. */
async function acquireHostLock(signal?: AbortSignal): Promise<() => void> {
  const lock = hostLockFile()
  for (;;) {
    if (signal?.aborted) throw new RunCancelled()
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' })
      return () => {
        if (readText(lock)?.trim() === String(process.pid)) fs.rmSync(lock, { force: true })
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const holder = Number(readText(lock)?.trim())
    if (!Number.isInteger(holder) || holder <= 0 || (holder !== process.pid && !processAlive(holder))) {
      // a dead holder (or a torn write): take the lock over atomically
      const mine = `${lock}.${process.pid}`
      fs.writeFileSync(mine, String(process.pid))
      fs.renameSync(mine, lock)
      if (readText(lock)?.trim() === String(process.pid))
        return () => {
          if (readText(lock)?.trim() === String(process.pid)) fs.rmSync(lock, { force: true })
        }
    }
    await sleep(200)
  }
}

// ---------------------------------------------------------------- device file

/** Makes a swap file with no holes (fallocate, else zeros), the mkswap header, mode 0600. */
async function makeSwapFile(file: string, sizeBytes: number): Promise<void> {
  const pages = Math.floor(sizeBytes / PAGE_SIZE)
  fs.writeFileSync(file, '', { mode: 0o600 })
  fs.chmodSync(file, 0o600)
  // btrfs holds a swap file only without copy-on-write; the attribute must be set while empty.
  if (Number(fs.statfsSync(path.dirname(file)).type) === 0x9123683e) await exec('chattr', ['+C', file])
  const fa = await exec('fallocate', ['-l', String(pages * PAGE_SIZE), file])
  if (!fa.ok) {
    const fd = fs.openSync(file, 'w')
    try {
      const zero = Buffer.alloc(1 << 20)
      for (let off = 0; off < pages * PAGE_SIZE; off += zero.length)
        fs.writeSync(fd, zero, 0, Math.min(zero.length, pages * PAGE_SIZE - off), off)
    } finally {
      fs.closeSync(fd)
    }
  }
  const fd = fs.openSync(file, 'r+')
  try {
    fs.writeSync(fd, buildSwapHeader(pages, new Uint8Array(randomBytes(16)), DEVICE_LABEL), 0, PAGE_SIZE, 0)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

function swapPriorities(config: EngineConfig): number[] {
  const others = readSwaps().map((a) => a.priority)
  const base = Math.max(0, ...others.map((p) => p + 1))
  const distinct = [...new Set(config.devices.map((d) => d.priority))].sort((a, b) => a - b)
  const prios = config.devices.map((d) => base + distinct.indexOf(d.priority))
  if (Math.max(...prios) > MAX_SWAP_PRIO)
    throw new Error(`another swap device already has priority ${Math.max(...others)}: no higher priority is left for the lab's device`)
  return prios
}

async function swapOn(dev: string, prio: number, dir: string): Promise<void> {
  const r = await exec('swapon', ['-p', String(prio), dev])
  if (r.ok && readSwaps().some((a) => a.filename === dev)) return
  const fsType = Number(fs.statfsSync(dir).type)
  const why =
    fsType === 0x01021994 ? ` (${dir} is on tmpfs, which cannot hold a swap file: set deviceDir to a folder on a disk file system)` : ''
  throw new Error(`swapon ${dev} failed: ${r.out || 'not listed in /proc/swaps'}${why}`)
}

async function swapOff(dev: string): Promise<string | null> {
  if (!readSwaps().some((a) => a.filename === dev)) return null
  const r = await exec('swapoff', [dev])
  if (!readSwaps().some((a) => a.filename === dev)) return null
  return `swapoff ${dev} failed: ${r.out || 'still listed in /proc/swaps'}`
}

/**
 * Attaches the device file to a free loop device (direct I/O), so the kernel sees a block
 * device: it allocates whole mTHP swap slot runs only on block devices (SWP_BLKDEV in
 * mm/swapfile.c); on a file it splits every large folio. The VM sees the same file as a
 * virtio disk, the selftest a zram disk. Returns null when no loop device can be had.
 */
async function attachLoop(file: string): Promise<{ dev: string | null; why: string }> {
  if (!fs.existsSync('/dev/loop-control')) return { dev: null, why: 'no /dev/loop-control (loop driver not loaded)' }
  const r = await exec('losetup', ['--find', '--show', '--direct-io=on', file])
  if (r.missing) return { dev: null, why: 'losetup is not installed' }
  const dev = r.out.split('\n').pop()?.trim() ?? ''
  if (!r.ok || !dev.startsWith('/dev/loop')) return { dev: null, why: `losetup failed: ${r.out}` }
  return { dev, why: '' }
}

async function detachLoop(dev: string): Promise<string | null> {
  if (!fs.existsSync(dev)) return null
  const r = await exec('losetup', ['-d', dev])
  return r.ok || !loopBackingFile(dev) ? null : `losetup -d ${dev} failed: ${r.out}`
}

/** The file a loop device is attached to, or null. */
function loopBackingFile(dev: string): string | null {
  const t = readText(`/sys/block/${path.basename(dev)}/loop/backing_file`)
  return t ? t.trim().replace(/ \(deleted\)$/, '') : null
}

/** Loop devices whose backing file lies in `dir`. */
function loopsBackedIn(dir: string): string[] {
  return readDir('/sys/block')
    .filter((n) => /^loop\d+$/.test(n))
    .map((n) => `/dev/${n}`)
    .filter((d) => path.dirname(loopBackingFile(d) ?? '') === dir)
}

// ---------------------------------------------------------------- knobs

/** The knob files and values a run wants: per-size mTHP `enabled`, page-cluster. */
export function wantedKnobs(config: EngineConfig, thpRoot = THP_DIR): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = []
  // The thp test, like the selftest's setup, enables only its own folio size; other workloads
  // get the run's thpOrders (anonymous faults may allocate those sizes).
  const orders =
    config.workload.name === 'thp-swap-allocator-test'
      ? [Number(config.workload.params.mthpOrder ?? 4)]
      : config.thpOrders.filter((k) => k > 0)
  const sizes = readDir(thpRoot).filter((d) => /^hugepages-\d+kB$/.test(d))
  if (sizes.length) {
    for (const d of sizes) {
      const order = Math.log2(Number(/\d+/.exec(d)![0]) / 4)
      out.push({ path: path.join(thpRoot, d, 'enabled'), value: orders.includes(order) ? 'always' : 'never' })
    }
  } else if (fs.existsSync(path.join(thpRoot, 'enabled'))) {
    // no per-size mTHP (before 6.8): only PMD THP, on the top-level knob
    out.push({ path: path.join(thpRoot, 'enabled'), value: orders.includes(9) ? 'always' : 'never' })
  }
  out.push({ path: PAGE_CLUSTER, value: String(config.pageCluster) })
  return out
}

// ---------------------------------------------------------------- snapshots and samples

interface Snapshot {
  tMs: number
  vm: Stats
  mthp: MthpStats
}

function snapshot(t0: number): Snapshot {
  return { tMs: performance.now() - t0, vm: parseVmstat(readText('/proc/vmstat') ?? ''), mthp: readMthpStats() }
}

// ---------------------------------------------------------------- the run

/** Runs config's workload on the host kernel (see the header comment). */
export async function runOnHost(config: EngineConfig, hooks: KernelHooks = {}): Promise<RunSummary & { kernel: KernelRunInfo }> {
  const signal = hooks.signal
  const plan = await hostPreflight(config)
  if (signal?.aborted) throw new RunCancelled()
  const release = os.release()
  const unlock = await acquireHostLock(signal)
  fs.mkdirSync(hostStateDir(), { recursive: true })
  const stateFile = path.join(hostStateDir(), `run-${process.pid}-${randomBytes(4).toString('hex')}.json`)
  const st: HostState = {
    version: 1,
    pid: process.pid,
    started: new Date().toISOString(),
    deviceDir: null,
    swapFiles: [],
    loops: [],
    cgroup: null,
    v2DelegatedAt: null,
    knobs: []
  }
  let cg: LabCgroup | null = null
  let result: (RunSummary & { kernel: KernelRunInfo }) | null = null
  let failure: unknown = null
  try {
    writeState(stateFile, st)
    const cancelled = (): void => {
      if (signal?.aborted) throw new RunCancelled()
    }

    // device file(s)
    st.deviceDir = makeDeviceDir(config.deviceDir)
    writeState(stateFile, st)
    const zram = config.devices[0].preset === 'zram'
    const files = zram ? [] : config.devices.map((_, i) => path.join(st.deviceDir!, `swap${i}.img`))
    for (let i = 0; i < files.length; i++) {
      await makeSwapFile(files[i], config.devices[i].sizeBytes)
      cancelled()
    }
    const prios = swapPriorities(config)
    const targets: string[] = []
    let deviceNote = ''
    for (let i = 0; i < files.length; i++) {
      st.swapFiles.push(files[i])
      writeState(stateFile, st)
      const loop = await attachLoop(files[i])
      if (loop.dev) {
        st.loops.push(loop.dev)
        writeState(stateFile, st)
        deviceNote = `${loop.dev} (loop device, direct I/O, over the lab's device file)`
      } else deviceNote = `the device file itself (${loop.why}): the kernel splits every large folio on a swap file`
      targets.push(loop.dev ?? files[i])
      await swapOn(targets[i], prios[i], st.deviceDir)
    }
    if (zram) {
      const onCreated = (id: number): void => writeState(stateFile, Object.assign(st, { zram: [id] }))
      const z = hotAddZram(config.devices[0].sizeBytes, { label: DEVICE_LABEL, onCreated })
      deviceNote = `${z.dev} (lab-owned zram, ${z.algorithm}: a synchronous device, SWP_SYNCHRONOUS_IO)`
      targets.push(z.dev)
      await swapOn(z.dev, prios[0], st.deviceDir)
    }
    cancelled()

    // knobs
    for (const k of wantedKnobs(config)) {
      const cur = readText(k.path)
      if (cur === null) continue
      const old = knobValue(cur)
      if (old === k.value) continue
      st.knobs.push({ path: k.path, old, set: k.value })
      writeState(stateFile, st)
      try {
        fs.writeFileSync(k.path, k.value)
      } catch (e) {
        throw new Error(`cannot set ${k.path} to ${k.value}: ${(e as Error).message}`, { cause: e })
      }
    }

    // cgroup
    const h = findMemoryHierarchy()
    if (!v2MemoryDelegated(h)) {
      st.v2DelegatedAt = h.parent
      writeState(stateFile, st)
      enableV2Memory(h)
    }
    const name = newCgroupName()
    st.cgroup = { version: h.version, path: path.join(h.parent, name) }
    writeState(stateFile, st)
    cg = createCgroup(h, name, config.memoryLimitBytes)
    cancelled()

    result = await runWorkload(config, hooks, plan, cg, targets, release, deviceNote)
  } catch (e) {
    failure = e
  } finally {
    const problems = await restore(st, cg)
    if (problems.length === 0) fs.rmSync(stateFile, { force: true })
    unlock()
    if (problems.length) {
      const msg = `the host could not be fully restored (${problems.join('; ')}); its state is kept in ${stateFile} for the next start`
      // eslint-disable-next-line no-unsafe-finally
      if (!failure) throw new Error(msg)
      if (failure instanceof Error) failure.message += ` [${msg}]`
    }
  }
  if (failure) throw failure
  return result!
}

/** Undoes what a state records, in reverse order; returns what could not be undone. */
async function restore(st: HostState, cg: LabCgroup | null): Promise<string[]> {
  const problems: string[] = []
  const cgroup = cg ?? (st.cgroup ? labCgroupAt(st.cgroup.version, st.cgroup.path) : null)
  if (cgroup) {
    try {
      if (!(await removeCgroup(cgroup))) problems.push(`cgroup ${cgroup.path} still has processes`)
    } catch (e) {
      problems.push(`cgroup ${cgroup.path}: ${(e as Error).message}`)
    }
  }
  if (st.v2DelegatedAt) {
    try {
      disableV2Memory(st.v2DelegatedAt)
    } catch {
      // another cgroup uses memory there now: leaving it delegated harms nothing
    }
  }
  for (const f of [...st.loops, ...st.swapFiles].reverse()) {
    const p = await swapOff(f)
    if (p) problems.push(p)
  }
  for (const id of st.zram ?? []) {
    const p = (await swapOff(`/dev/zram${id}`)) ?? (ownsZram(id) ? removeZram(id) : null)
    if (p) problems.push(p)
  }
  const loops = new Set([...st.loops, ...(st.deviceDir ? loopsBackedIn(st.deviceDir) : [])])
  for (const l of loops) {
    const p = (await swapOff(l)) ?? (await detachLoop(l))
    if (p) problems.push(p)
  }
  for (const k of [...st.knobs].reverse()) {
    const cur = readText(k.path)
    if (cur === null || knobValue(cur) !== k.set) continue // someone changed it since: theirs now
    try {
      fs.writeFileSync(k.path, k.old)
    } catch (e) {
      problems.push(`cannot restore ${k.path} to ${k.old}: ${(e as Error).message}`)
    }
  }
  if (st.deviceDir && !st.swapFiles.some((f) => readSwaps().some((a) => a.filename === f)) && !loopsBackedIn(st.deviceDir).length) {
    try {
      removeDeviceDir(st.deviceDir)
    } catch (e) {
      problems.push(`cannot remove ${st.deviceDir}: ${(e as Error).message}`)
    }
  }
  return problems
}

async function runWorkload(
  config: EngineConfig,
  hooks: KernelHooks,
  plan: HostPlan,
  cg: LabCgroup,
  files: string[],
  release: string,
  deviceNote: string
): Promise<RunSummary & { kernel: KernelRunInfo }> {
  const signal = hooks.signal
  const wallStart = performance.now()
  const base = snapshot(wallStart)
  const reader = new ProtocolReader()
  const outcome = emptyOutcome()
  let stderr = ''
  const child = spawn(plan.program, [...plan.args, '--cgroup-procs', cg.procsFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  const total =
    config.workload.name === 'usemem'
      ? Number(config.workload.params.tasks) *
        Math.ceil(Number(config.workload.params.sizeBytes) / PAGE_SIZE) *
        Number(config.workload.params.passes)
      : Number(config.workload.params.iterations ?? 100)
  const onEvents = (evs: ReturnType<ProtocolReader['push']>): void => {
    for (const ev of evs) {
      addEvent(outcome, ev)
      if (ev.event === 'progress')
        hooks.onProgress?.(outcome.progress, {
          simTimeNs: (performance.now() - wallStart) * 1e6,
          ops: Math.round(outcome.progress * total)
        })
    }
  }
  child.stdout!.on('data', (d: string) => onEvents(reader.push(d)))
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000)
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, sig) => resolve({ code, signal: sig }))
  })

  // sampling
  const samples: Sample[] = []
  let last = base
  let lastDone = 0
  const bytesTotal = config.workload.name === 'usemem' ? total * PAGE_SIZE : 0
  const takeSample = (): void => {
    const s = snapshot(wallStart)
    const d = countersFromDeltas(deltaStats(base.vm, s.vm), deltaMthp(base.mthp, s.mthp))
    const c = d.counters
    const dt = (s.tMs - last.tMs) / 1000
    const ours = readSwaps().filter((a) => files.includes(a.filename))
    const v = Object.fromEntries(SAMPLE_FIELDS.map((f) => [f, 0])) as Record<SampleField, number>
    v.residentPages = Math.round(cgroupAnonBytes(cg) / PAGE_SIZE)
    v.swapUsedSlots = ours.reduce((a, x) => a + x.usedKb / 4, 0)
    v.swapCachePages = s.vm.nr_swapcached ?? 0
    v.swpout = c.swpout.reduce((a, b) => a + b, 0)
    v.swpin = c.swpin.reduce((a, b) => a + b, 0)
    v.swpoutFallback = c.swpoutFallback.reduce((a, b) => a + b, 0)
    const pages = (s.vm.pswpout ?? 0) + (s.vm.pswpin ?? 0) - (last.vm.pswpout ?? 0) - (last.vm.pswpin ?? 0)
    v.pageRate = dt > 0 ? pages / dt : 0
    const done = outcome.progress * bytesTotal
    v.throughputMBps = dt > 0 ? (done - lastDone) / 1e6 / dt : 0
    v.majorFaults = c.majorFaults
    lastDone = done
    last = s
    samples.push({ tSimNs: s.tMs * 1e6, tWallMs: s.tMs, ops: Math.round(outcome.progress * total), values: v })
    if (samples.length >= SAMPLES_PER_BATCH) hooks.onSamples?.(samples.splice(0))
  }
  const timer = setInterval(takeSample, SAMPLE_MS)
  let aborted = false
  const onAbort = (): void => {
    aborted = true
    child.kill('SIGKILL')
    killCgroup(cg) // the forked tasks too: they hold the output pipe open
  }
  signal?.addEventListener('abort', onAbort)
  if (signal?.aborted) onAbort()
  let exit: { code: number | null; signal: string | null }
  try {
    exit = await exited
  } finally {
    clearInterval(timer)
    signal?.removeEventListener('abort', onAbort)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      killCgroup(cg)
    }
  }
  onEvents(reader.end())
  if (aborted) throw new RunCancelled()
  takeSample()
  if (samples.length) hooks.onSamples?.(samples.splice(0))
  const wallMs = performance.now() - wallStart
  const end = snapshot(wallStart)
  const stats = cgroupStats(cg)
  const oomKills = cgroupOomKills(cg)

  const problem = outcomeProblem(outcome, exit)
  if (problem) {
    const err0 = outcome.errors[0]?.fields.what
    if (err0 === 'corruption') throw new Error(`the kernel run read back a corrupt page: ${problem}`)
    if (oomKills > 0 || (exit.signal === 'SIGKILL' && !outcome.result)) {
      const mib = (b: number): string => `${Math.round(b / 2 ** 20)} MiB`
      throw new Error(
        `the workload was OOM-killed in its memory cgroup (limit ${mib(config.memoryLimitBytes)}, swap device ${mib(config.devices.reduce((a, d) => a + d.sizeBytes, 0))}): ` +
          `its memory did not fit in the limit plus the swap space (${problem})`
      )
    }
    const tail = stderr.trim().split('\n').slice(-3).join(' | ')
    throw new Error(`the workload failed on the host kernel: ${problem}${tail ? ` (stderr: ${tail})` : ''}`)
  }

  const vmDelta = deltaStats(base.vm, end.vm)
  const mthpDelta = deltaMthp(base.mthp, end.mthp)
  const mapped = countersFromDeltas(vmDelta, mthpDelta, cg.version === 2 ? stats : null)
  const counters: Counters = mapped.counters
  const measured = new Set(mapped.measured)
  const times = workloadTimes(outcome)!
  // The workload's own fault counts (getrusage) instead of the system-wide ones.
  if (Number.isFinite(times.majorFaults)) {
    counters.majorFaults = times.majorFaults
    counters.minorFaults = times.minorFaults
    measured.add('majorFaults')
    measured.add('minorFaults')
  }
  const metrics = workloadMetrics(config.workload.name, outcome)
  metrics.userTimeMs = times.userNs / 1e6
  metrics.systemTimeMs = times.systemNs / 1e6
  const freeNs = outcome.tasks.map((t) => num(t, 'free_ns')).filter(Number.isFinite)
  const verified = Number(metrics.verifiedPages ?? 0)
  const kernel: KernelRunInfo = {
    release,
    where: 'host',
    accel: null,
    image: 'host',
    pairedDesign: pairedDesign(release),
    timingsAreKernel: true,
    countersSystemWide: true,
    vmstatDelta: summaryVmstatDelta(vmDelta),
    mthpDelta: summaryMthpDelta(mthpDelta),
    cgroup: { version: cg.version, stats },
    measured: [...measured],
    userTimeNs: times.userNs,
    swapDevice: deviceNote
  }
  return kernelRunSummary(config, {
    counters,
    wallNs: wallMs * 1e6,
    systemNs: times.systemNs,
    operations: Math.round(outcome.progress * total),
    cpus: os.availableParallelism(),
    freeNs,
    verifiedReads: verified,
    workloadMetrics: metrics,
    kernel
  })
}

// ---------------------------------------------------------------- crash recovery

export interface RecoveryReport {
  swappedOff: string[]
  loopsDetached: string[]
  cgroupsRemoved: string[]
  knobsRestored: string[]
  foldersRemoved: string[]
  /** What could not be undone (the state file is then kept). */
  problems: string[]
}

/**
 * Undoes what host runs of dead lab processes left behind (a crash, a kill): from each state
 * file whose pid is gone, swapoff its device files (only those listed there, inside its own
 * device folder, with the lab's swap label), remove its cgroup (a lab-named one), put back
 * the knobs still holding the value it wrote, remove its device folder. Touches nothing a
 * state file does not name; leaves live runs alone. Call at service start, before
 * cleanStaleDeviceDirs (an active swap file cannot be unlinked).
 */
export async function recoverHost(): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    swappedOff: [],
    loopsDetached: [],
    cgroupsRemoved: [],
    knobsRestored: [],
    foldersRemoved: [],
    problems: []
  }
  const dir = hostStateDir()
  for (const name of readDir(dir)) {
    if (!/^run-\d+-[0-9a-f]+\.json$/.test(name)) continue
    const file = path.join(dir, name)
    let st: HostState
    try {
      st = JSON.parse(fs.readFileSync(file, 'utf8')) as HostState
    } catch {
      report.problems.push(`${file}: unreadable state file (left in place)`)
      continue
    }
    if (!Number.isInteger(st.pid) || st.pid === process.pid || processAlive(st.pid)) continue
    const before = report.problems.length
    // Only files inside the run's own device folder (named swaplab-<its pid>-...) that carry the
    // lab's swap label; a file already unlinked (a loop device keeps it alive) is known by that path.
    const ownFiles = st.swapFiles.filter(
      (f) =>
        st.deviceDir &&
        path.dirname(f) === st.deviceDir &&
        path.basename(st.deviceDir).startsWith(`swaplab-${st.pid}-`) &&
        (fs.existsSync(f) ? isLabSwapFile(f, st.pid) : true)
    )
    const cgOk = st.cgroup && cgroupOwnerPid(path.basename(st.cgroup.path)) === st.pid
    const cg = cgOk ? labCgroupAt(st.cgroup!.version, st.cgroup!.path) : null
    if (cg && fs.existsSync(cg.path)) {
      try {
        if (await removeCgroup(cg)) report.cgroupsRemoved.push(cg.path)
        else report.problems.push(`cgroup ${cg.path} still has processes`)
      } catch (e) {
        report.problems.push(`cgroup ${cg.path}: ${(e as Error).message}`)
      }
    }
    // loop devices over the run's own files (found from their backing file, recorded or not)
    const ownLoops = st.deviceDir ? loopsBackedIn(st.deviceDir).filter((l) => ownFiles.includes(loopBackingFile(l) ?? '')) : []
    for (const dev of [...ownLoops, ...ownFiles]) {
      if (!readSwaps().some((a) => a.filename === dev)) continue
      const p = await swapOff(dev)
      if (p) report.problems.push(p)
      else report.swappedOff.push(dev)
    }
    for (const id of st.zram ?? []) {
      if (!adoptZram(id, { label: DEVICE_LABEL })) continue
      const p = (await swapOff(`/dev/zram${id}`)) ?? removeZram(id)
      if (p) report.problems.push(p)
      else report.swappedOff.push(`/dev/zram${id}`)
    }
    for (const l of ownLoops) {
      const p = await detachLoop(l)
      if (p) report.problems.push(p)
      else report.loopsDetached.push(l)
    }
    for (const k of [...st.knobs].reverse()) {
      const cur = readText(k.path)
      if (cur === null || knobValue(cur) !== k.set) continue
      try {
        fs.writeFileSync(k.path, k.old)
        report.knobsRestored.push(`${k.path}=${k.old}`)
      } catch (e) {
        report.problems.push(`cannot restore ${k.path}: ${(e as Error).message}`)
      }
    }
    if (st.v2DelegatedAt) {
      try {
        disableV2Memory(st.v2DelegatedAt)
      } catch {
        // still in use by other cgroups: harmless
      }
    }
    if (
      st.deviceDir &&
      fs.existsSync(st.deviceDir) &&
      ownsFolder(st.deviceDir, st.pid) &&
      !readSwaps().some((a) => a.filename.startsWith(st.deviceDir + '/')) &&
      !loopsBackedIn(st.deviceDir).length
    ) {
      removeDeviceDir(st.deviceDir)
      report.foldersRemoved.push(st.deviceDir)
    }
    if (report.problems.length === before) fs.rmSync(file, { force: true })
  }
  return report
}

/** Whether `dir` carries the lab's device-folder marker naming `pid` as its owner. */
function ownsFolder(dir: string, pid: number): boolean {
  return readDeviceDirMarker(dir)?.pid === pid
}

/** A device file of the lab's: in a folder owned by `pid`, with the lab's swap label. */
function isLabSwapFile(file: string, pid: number): boolean {
  if (readDeviceDirMarker(path.dirname(file)) && !ownsFolder(path.dirname(file), pid)) return false
  try {
    const fd = fs.openSync(file, 'r')
    try {
      const page = Buffer.alloc(PAGE_SIZE)
      fs.readSync(fd, page, 0, PAGE_SIZE, 0)
      return parseSwapHeader(page).label === DEVICE_LABEL
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return false
  }
}
