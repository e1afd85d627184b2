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
//
// The pieces: hostSys.ts (/proc, /sys, knobs, tools), hostSwap.ts (device file, loop
// device, swapon/swapoff), hostState.ts (state file, host lock, restore, crash recovery),
// cgroup.ts (the memory cgroup), procfs.ts (vmstat and mTHP counters).

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { RunCancelled } from '../errors'
import { makeDeviceDir } from '../device/tempDir'
import { PAGE_SIZE, SAMPLE_FIELDS, type Counters, type EngineConfig, type RunSummary, type Sample, type SampleField } from '../types'
import { buildProgram } from './build'
import {
  cgroupAnonBytes,
  cgroupOomKills,
  cgroupStats,
  createCgroup,
  enableV2Memory,
  findMemoryHierarchy,
  killCgroup,
  newCgroupName,
  v2MemoryDelegated,
  type LabCgroup
} from './cgroup'
import {
  countersFromDeltas,
  deltaMthp,
  deltaStats,
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
import { exec, knobValue, readMthpStats, readText, wantedKnobs } from './hostSys'
import { DEVICE_LABEL, attachLoop, makeSwapFile, readRotational, readSwaps, setLoopRotational, swapOn, swapPriorities } from './hostSwap'
import { acquireHostLock, hostStateDir, restore, writeState, type HostState } from './hostState'
import { hotAddZram, zramUnavailable } from './zram'

export { knobValue, readMthpStats, wantedKnobs } from './hostSys'
export { hostLockFile, hostStateDir, recoverHost, type HostState, type RecoveryReport } from './hostState'

const SAMPLE_MS = 150
const SAMPLES_PER_BATCH = 5

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

// ---------------------------------------------------------------- snapshots

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
    const rotational: (boolean | null)[] = []
    let deviceNote = ''
    for (let i = 0; i < files.length; i++) {
      st.swapFiles.push(files[i])
      writeState(stateFile, st)
      const loop = await attachLoop(files[i])
      if (loop.dev) {
        st.loops.push(loop.dev)
        writeState(stateFile, st)
        deviceNote = `${loop.dev} (loop device, direct I/O, over the lab's device file)`
        // Rotational as the preset says (only 'hdd'), as the VM's guest sets its virtio disk.
        const p = setLoopRotational(loop.dev, config.devices[i].preset === 'hdd')
        if (p) deviceNote += `; rotational left as the kernel set it (${p})`
      } else deviceNote = `the device file itself (${loop.why}): the kernel splits every large folio on a swap file`
      targets.push(loop.dev ?? files[i])
      rotational.push(readRotational(targets[i]))
      await swapOn(targets[i], prios[i], st.deviceDir)
    }
    if (zram) {
      const onCreated = (id: number): void => writeState(stateFile, Object.assign(st, { zram: [id] }))
      const z = hotAddZram(config.devices[0].sizeBytes, { label: DEVICE_LABEL, onCreated })
      deviceNote = `${z.dev} (lab-owned zram, ${z.algorithm}: a synchronous device, SWP_SYNCHRONOUS_IO)`
      targets.push(z.dev)
      rotational.push(readRotational(z.dev))
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

    const swapRotational = rotational.includes(true) ? true : rotational.every((r) => r === false) ? false : undefined
    result = await runWorkload(config, hooks, plan, cg, targets, release, { deviceNote, swapRotational })
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

async function runWorkload(
  config: EngineConfig,
  hooks: KernelHooks,
  plan: HostPlan,
  cg: LabCgroup,
  files: string[],
  release: string,
  device: { deviceNote: string; swapRotational: boolean | undefined }
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
  // A loop device is never SWP_SYNCHRONOUS_IO: every swapin is one page on kernels without per-size swpin stats.
  const order0Swapin = files.every((f) => f.startsWith('/dev/loop'))
  let last = base
  let lastDone = 0
  const bytesTotal = config.workload.name === 'usemem' ? total * PAGE_SIZE : 0
  const takeSample = (): void => {
    const s = snapshot(wallStart)
    const d = countersFromDeltas(deltaStats(base.vm, s.vm), deltaMthp(base.mthp, s.mthp), null, { order0Swapin })
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
  const mapped = countersFromDeltas(vmDelta, mthpDelta, cg.version === 2 ? stats : null, { order0Swapin })
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
    swapDevice: device.deviceNote,
    ...(device.swapRotational !== undefined ? { swapRotational: device.swapRotational } : {})
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
