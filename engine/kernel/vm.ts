// Kernel runs in a VM: the workload runs on a real kernel booted in QEMU (KVM where it works,
// else TCG), swapping to the lab's own device file attached as a virtio disk. The lab builds
// the initramfs itself (initramfs.ts): its static /init (programs/init.c) runs the plan in
// /swaplab.conf and reports over the guest's second serial port in the SWAPLAB protocol.
//
// Every path out of a run (success, error, timeout, cancel) kills QEMU and removes the
// private device folder (device file, initramfs, data socket).

import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { RunCancelled } from '../errors'
import { makeDeviceDir, removeDeviceDir, freeBytes } from '../device/tempDir'
import { buildSwapHeader } from '../device/swapHeader'
import { PAGE_SIZE, SAMPLE_FIELDS, SWAP_NR_ORDERS, type EngineConfig, type RunSummary, type Sample, type SampleField } from '../types'
import { buildProgram } from './build'
import { resolveImage, type ResolvedImage } from './images'
import { buildInitramfs } from './initramfs'
import { readModule } from './modules'
import { countersFromDeltas, deltaMthp, deltaStats, parseKeyValues, parseMthpDump, summaryVmstatDelta } from './procfs'
import { ProtocolReader, addEvent, describeError, emptyOutcome, num, programFor, workloadMetrics, type ProtocolEvent } from './protocol'
import { kvmUsable, startQemu, type Accel } from './qemu'
import { pairedDesign } from './releases'
import type { KernelHooks, KernelOptions, KernelRunInfo } from './types'
import { kernelRunSummary } from './summary'

/** How often /init samples the guest's counters while the workload runs (guest wall clock). */
const SAMPLE_MS = 500
const SAMPLES_PER_BATCH = 5
const MiB = 1 << 20

/** Limits of one VM run; the defaults suit TCG on a busy 2-core machine. */
export interface VmLimits {
  /** From QEMU start to /init's first line. */
  bootTimeoutMs: number
  /** The same under KVM in 'auto' mode, after which TCG is tried. */
  kvmBootTimeoutMs: number
  /** Longest silence on the data channel once /init runs (the workload reports progress every 100 ms). */
  idleTimeoutMs: number
}

export const DEFAULT_VM_LIMITS: VmLimits = { bootTimeoutMs: 180_000, kvmBootTimeoutMs: 30_000, idleTimeoutMs: 300_000 }

/** KVM failed once in this process (e.g. a nested guest that hangs): later 'auto' runs go straight to TCG. */
let kvmFailed: string | null = null

/** The guest's RAM: the kernel and initramfs need ~200 MiB beside the workload's cgroup limit. */
export function guestMemoryMiB(memoryLimitBytes: number): number {
  return Math.max(512, Math.ceil(memoryLimitBytes / MiB) + 320)
}

/** The /swaplab.conf plan /init executes for a config. */
export function guestPlan(config: EngineConfig, image: ResolvedImage): string {
  const dev = config.devices[0]
  const { program, args } = programFor(config)
  const orders = new Set(config.thpOrders)
  const lines = [
    '# Swap Lab run plan (engine/kernel/programs/init.c reads it)',
    'data /dev/ttyS1',
    ...image.modules.map((m) => `module /lib/modules/${m.name}.ko`),
    // The device preset decides what the guest kernel is told: only 'hdd' is rotational.
    `swap /dev/vda ${Math.max(0, Math.min(32767, Math.floor(dev.priority)))} ${dev.discard ? 1 : 0} ${dev.preset === 'hdd' ? 1 : 0}`,
    `memcg ${Math.floor(config.memoryLimitBytes)}`,
    `write /proc/sys/vm/page-cluster ${config.pageCluster}`,
    // lru=classic: MGLRU off (a kernel without it reports the knob missing and is classic already).
    ...(config.designOptions.lru === 'classic' ? ['write /sys/kernel/mm/lru_gen/enabled n'] : []),
    // Without per-size folders (before 6.8) the top-level knob is PMD THP; with them it is what 'inherit' means.
    `write /sys/kernel/mm/transparent_hugepage/enabled ${orders.has(9) ? 'always' : 'never'}`,
    ...Array.from({ length: SWAP_NR_ORDERS - 1 }, (_, i) => `mthp ${i + 1} ${orders.has(i + 1) ? 'always' : 'never'}`),
    `sample ${SAMPLE_MS}`,
    `arg /bin/${program}`,
    'arg --cgroup-procs',
    'arg @CGROUP_PROCS@',
    ...args.map((a) => {
      if (/\s/.test(a) || !a) throw new Error(`workload argument ${JSON.stringify(a)} cannot be passed to the guest`)
      return `arg ${a}`
    })
  ]
  return lines.join('\n') + '\n'
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new RunCancelled()
}

/** A kernel panic's reason from the console, e.g. "VFS: Unable to mount root fs" or "No working init found". */
export function panicReason(consoleText: string): string | null {
  const m = /Kernel panic - not syncing: ([^\r\n]*)/.exec(consoleText)
  return m ? m[1].trim() : null
}

/** Panics that say the image or its initramfs is wrong: booting again cannot help. */
const DETERMINISTIC_PANICS = /No working init found|VFS: Unable to mount root|Attempted to kill init|No init found/

/** The guest panicked before /init started, and not for a reason booting again cannot fix. */
export function transientBootPanic(a: Pick<Attempt, 'events' | 'console' | 'stopped'>): boolean {
  if (a.stopped || a.events.some((e) => e.event === 'boot')) return false
  const reason = panicReason(a.console.join('\n'))
  return reason !== null && !DETERMINISTIC_PANICS.test(reason)
}

/** One boot of the guest: what it said, on which accelerator, and how it ended. */
export interface Attempt {
  accel: Accel
  events: ProtocolEvent[]
  reader: ProtocolReader
  console: string[]
  bootMs: number | null
  exit: { code: number | null; signal: NodeJS.Signals | null; stderr: string }
  /** Why the host ended it early, if it did. */
  stopped: 'boot-timeout' | 'idle-timeout' | 'cancelled' | null
}

/** The boots of one run: the one that counts, and why any before it did not. */
export interface GuestBoots {
  attempt: Attempt
  /** Its boot limit (for attemptProblem). */
  bootLimit: number
  /** QEMU boots this run took: 1, or 2 after a KVM guest that did not boot or a transient early-boot panic under TCG. */
  attempts: number
  /** Why each earlier boot was not used, in order. */
  retries: string[]
  /** Set when KVM did not boot in 'auto' mode: later runs of this process go straight to TCG. */
  kvmFailed: string | null
}

/**
 * Boots the guest: KVM first when asked for or usable in 'auto' (falling back to TCG when its
 * guest does not reach /init), and once more under TCG after a transient panic in early boot
 * (transientBootPanic). Throws RunCancelled when a boot was cancelled.
 */
export async function bootGuest(
  want: 'auto' | 'kvm' | 'tcg',
  tryKvm: boolean,
  limits: VmLimits,
  boot: (accel: Accel, bootLimit: number) => Promise<Attempt>
): Promise<GuestBoots> {
  const retries: string[] = []
  let kvmFailed: string | null = null
  let bootLimit = limits.bootTimeoutMs
  let attempts = 1
  let a: Attempt
  if (tryKvm) {
    bootLimit = want === 'auto' ? Math.min(limits.kvmBootTimeoutMs, limits.bootTimeoutMs) : limits.bootTimeoutMs
    a = await boot('kvm', bootLimit)
    if (a.stopped === 'cancelled') throw new RunCancelled()
    const booted = a.events.some((e) => e.event === 'boot')
    if (!booted && want === 'auto') {
      kvmFailed = `KVM guest did not reach /init within ${Math.round(bootLimit / 1000)} s`
      retries.push(kvmFailed)
      bootLimit = limits.bootTimeoutMs
      a = await boot('tcg', bootLimit)
      attempts++
    }
  } else {
    a = await boot('tcg', bootLimit)
  }
  if (a.stopped === 'cancelled') throw new RunCancelled()
  if (a.accel === 'tcg' && transientBootPanic(a)) {
    // Under TCG on a loaded host a sound kernel now and then dies in early boot with a fault
    // of the emulation ("Fatal exception in interrupt"); /init never ran and the device file
    // is untouched, so one more boot tells a flaky emulator from a broken image.
    retries.push(`early-boot panic under TCG: ${panicReason(a.console.join('\n'))}`)
    a = await boot('tcg', bootLimit)
    attempts++
    if (a.stopped === 'cancelled') throw new RunCancelled()
  }
  return { attempt: a, bootLimit, attempts, retries, kvmFailed }
}

/** Boots the guest once with the given files (exported for tests that boot broken images). */
export async function attempt(
  accel: Accel,
  config: EngineConfig,
  files: { kernel: string; initrd: string; device: string; socket: string },
  hooks: KernelHooks,
  limits: VmLimits,
  bootTimeoutMs: number
): Promise<Attempt> {
  const reader = new ProtocolReader()
  const consoleLines: string[] = []
  let consoleRest = ''
  const events: ProtocolEvent[] = []
  const outcome = emptyOutcome()
  const t0 = Date.now()
  let bootMs: number | null = null
  let stopped: Attempt['stopped'] = null
  let lastData = Date.now()
  let lastProgress = -1
  const samples: Sample[] = []
  let sampleBase: ProtocolEvent | null = null
  let samplePrev: ProtocolEvent | null = null
  const p = config.workload?.params ?? {}
  const bytesTotal = config.workload?.name === 'usemem' ? Number(p.tasks) * Number(p.sizeBytes) * Number(p.passes) : 0
  let doneAtPrev = 0
  const onSample = (ev: ProtocolEvent) => {
    sampleBase ??= ev
    const d = (k: string) => num(ev, k) - num(sampleBase!, k)
    const dt = samplePrev ? (num(ev, 't_ms') - num(samplePrev, 't_ms')) / 1000 : 0
    const v = Object.fromEntries(SAMPLE_FIELDS.map((f) => [f, 0])) as Record<SampleField, number>
    v.residentPages = Math.round(num(ev, 'memcg_bytes') / PAGE_SIZE)
    v.swapUsedSlots = num(ev, 'swap_used_kb') / 4
    v.swapCachePages = num(ev, 'nr_swapcached')
    v.swpout = d('pswpout')
    v.swpin = d('pswpin')
    v.swpoutFallback = d('mthp_swpout_fallback')
    v.majorFaults = d('pgmajfault')
    const pages = samplePrev ? num(ev, 'pswpout') + num(ev, 'pswpin') - num(samplePrev, 'pswpout') - num(samplePrev, 'pswpin') : 0
    v.pageRate = dt > 0 ? pages / dt : 0
    const done = outcome.progress * bytesTotal
    v.throughputMBps = dt > 0 ? (done - doneAtPrev) / 1e6 / dt : 0
    doneAtPrev = done
    samplePrev = ev
    for (const f of SAMPLE_FIELDS) if (!Number.isFinite(v[f])) v[f] = 0
    const tMs = num(ev, 't_ms')
    samples.push({ tSimNs: tMs * 1e6, tWallMs: tMs, ops: 0, values: v })
    if (samples.length >= SAMPLES_PER_BATCH) hooks.onSamples?.(samples.splice(0))
  }
  const run = await startQemu(
    {
      accel,
      cpus: Math.max(1, Math.min(config.cpus, os.availableParallelism())),
      memoryMiB: guestMemoryMiB(config.memoryLimitBytes),
      kernel: files.kernel,
      initrd: files.initrd,
      append: 'console=ttyS0 panic=-1 loglevel=4',
      disks: [{ file: files.device, discard: config.devices[0].discard }],
      dataSocket: files.socket
    },
    (chunk) => {
      const parts = (consoleRest + chunk).split('\n')
      consoleRest = parts.pop() ?? ''
      for (const l of parts) {
        consoleLines.push(l.replace(/\r$/, ''))
        if (consoleLines.length > 400) consoleLines.shift()
      }
    },
    (chunk) => {
      lastData = Date.now()
      for (const ev of reader.push(chunk)) {
        events.push(ev)
        addEvent(outcome, ev)
        if (ev.event === 'workload_start' && bootMs === null) bootMs = Date.now() - t0
        if (ev.event === 'sample') onSample(ev)
        if (ev.event === 'progress' && outcome.progress !== lastProgress) {
          lastProgress = outcome.progress
          hooks.onProgress?.(outcome.progress, { simTimeNs: (Date.now() - t0) * 1e6, ops: 0 })
        }
      }
    }
  )
  const onAbort = () => {
    stopped = 'cancelled'
    run.kill()
  }
  hooks.signal?.addEventListener('abort', onAbort)
  if (hooks.signal?.aborted) onAbort()
  const timer = setInterval(() => {
    const booted = events.some((e) => e.event === 'boot')
    if (!booted && Date.now() - t0 > bootTimeoutMs) {
      stopped = 'boot-timeout'
      run.kill()
    } else if (booted && Date.now() - lastData > limits.idleTimeoutMs) {
      stopped = 'idle-timeout'
      run.kill()
    }
  }, 200)
  try {
    const exit = await run.exited
    for (const ev of reader.end()) events.push(ev)
    if (samples.length && stopped !== 'cancelled') hooks.onSamples?.(samples.splice(0))
    if (consoleRest) consoleLines.push(consoleRest)
    return { accel, events, reader, console: consoleLines, bootMs, exit, stopped }
  } finally {
    clearInterval(timer)
    hooks.signal?.removeEventListener('abort', onAbort)
    run.kill()
  }
}

function lastConsole(a: Attempt, n = 12): string {
  const lines = a.console.filter((l) => l.trim())
  return lines.length ? `\nlast console lines:\n${lines.slice(-n).join('\n')}` : '\n(the guest printed nothing on its console)'
}

/** Why a VM attempt did not produce a run, in one line plus the console's tail; null if it did. */
export function attemptProblem(a: Attempt, imageName: string, limits: VmLimits, bootTimeoutMs: number): string | null {
  const what = `kernel ${imageName}`
  const ev = (name: string) => a.events.find((e) => e.event === name)
  const errors = a.events.filter((e) => e.event === 'error')
  const oom = errors.find((e) => e.fields.what === 'oom')
  if (oom)
    return `${what}: the guest kernel OOM-killed the workload (${oom.fields.oom_kill} kill(s) in its memory cgroup of ${a.events.find((e) => e.event === 'cgroup')?.fields.limit ?? '?'} bytes)`
  if (errors.length) {
    const e = errors[0]
    const stage = e.fields.what?.startsWith('init-') ? ` (guest /init, ${e.fields.what.slice(5)})` : ''
    return `${what}: ${describeError(e)}${stage}${e.fields.what?.startsWith('init-') ? lastConsole(a, 6) : ''}`
  }
  const panic = panicReason(a.console.join('\n'))
  if (a.stopped === 'boot-timeout')
    return `${what} did not start /init within ${Math.round(bootTimeoutMs / 1000)} s under ${a.accel.toUpperCase()}${panic ? ` (kernel panic: ${panic})` : ''}${lastConsole(a)}`
  if (a.stopped === 'idle-timeout')
    return `${what}: the guest went silent for ${Math.round(limits.idleTimeoutMs / 1000)} s during the run${lastConsole(a)}`
  if (panic) return `${what} panicked${ev('boot') ? '' : ' while booting'}: ${panic}${lastConsole(a)}`
  if (!ev('boot')) {
    const qemuErr = a.exit.stderr.trim().split('\n').slice(-3).join(' | ')
    return `${what} ended before starting /init (QEMU exit ${a.exit.code ?? a.exit.signal}${qemuErr ? `: ${qemuErr}` : ''})${lastConsole(a)}`
  }
  const exit = ev('workload_exit')
  if (!exit) return `${what}: the VM stopped before the workload finished${lastConsole(a)}`
  if (exit.fields.signal) return `${what}: the workload was killed by signal ${exit.fields.signal} in the guest${lastConsole(a)}`
  if (exit.fields.status !== '0') return `${what}: the workload exited with status ${exit.fields.status} in the guest${lastConsole(a, 6)}`
  if (!ev('result')) return `${what}: the workload ended without printing its result`
  if (!ev('done')) return `${what}: /init did not finish after the workload${lastConsole(a)}`
  return null
}

/**
 * Runs config's workload on a kernel in QEMU. config.design is 'kernel' and
 * config.designOptions carries KernelOptions (image other than 'host').
 */
export async function runInVm(
  config: EngineConfig,
  hooks: KernelHooks = {},
  limits: VmLimits = DEFAULT_VM_LIMITS
): Promise<RunSummary & { kernel: KernelRunInfo }> {
  const opts = config.designOptions as KernelOptions
  if (!opts.image || opts.image === 'host') throw new Error('runInVm: the image is the host kernel; that is the host backend')
  if (config.devices.length !== 1) throw new Error(`kernel runs use exactly one swap device (got ${config.devices.length})`)
  throwIfAborted(hooks.signal)
  programFor(config) // a workload without a program fails here, before anything is fetched or built
  const image = await resolveImage(opts.image, opts.modules)
  throwIfAborted(hooks.signal)
  const { program } = programFor(config)
  const [initBin, programBin] = await Promise.all([buildProgram('init'), buildProgram(program)])
  throwIfAborted(hooks.signal)

  const dev = config.devices[0]
  const dir = makeDeviceDir(config.deviceDir)
  try {
    const size = Math.floor(dev.sizeBytes / PAGE_SIZE) * PAGE_SIZE
    if (size < 16 * PAGE_SIZE) throw new Error(`devices[0].sizeBytes: ${dev.sizeBytes} is too small for a swap device`)
    if (freeBytes(dir) < 8 * MiB) throw new Error(`no room for the device file in ${dir}`)
    const device = path.join(dir, 'swap0.img')
    const fd = fs.openSync(device, 'w', 0o600)
    try {
      // Properly sized (the guest sees the whole disk); unwritten blocks read as zeros.
      fs.ftruncateSync(fd, size)
      fs.writeSync(fd, buildSwapHeader(size / PAGE_SIZE, new Uint8Array(crypto.randomBytes(16)), 'swaplab'), 0, PAGE_SIZE, 0)
    } finally {
      fs.closeSync(fd)
    }
    const initrd = path.join(dir, 'initrd.gz')
    fs.writeFileSync(
      initrd,
      buildInitramfs({
        init: initBin,
        programs: { [program]: programBin },
        modules: image.modules,
        readModule,
        config: guestPlan(config, image)
      })
    )
    const files = { kernel: image.vmlinuz, initrd, device, socket: path.join(dir, 'data.sock') }

    const want = opts.accel ?? 'auto'
    if (want === 'kvm' && !kvmUsable())
      throw new Error('accel=kvm: /dev/kvm is missing or not accessible (load kvm_intel/kvm_amd, or use accel=tcg)')
    const boots = await bootGuest(want, want === 'kvm' || (want === 'auto' && kvmUsable() && !kvmFailed), limits, (accel, bootLimit) =>
      attempt(accel, config, files, hooks, limits, bootLimit)
    )
    if (boots.kvmFailed) kvmFailed = boots.kvmFailed
    const a = boots.attempt
    const problem = attemptProblem(a, image.image, limits, boots.bootLimit)
    if (problem) throw new Error(problem)
    return summarize(config, image, a, boots)
  } finally {
    removeDeviceDir(dir)
  }
}

/** The virtio disk's queue/rotational as the guest's swapon saw it (init.c's swapon event). */
function swapRotational(a: Pick<Attempt, 'events'>): { swapRotational?: boolean } {
  const r = a.events.find((e) => e.event === 'swapon')?.fields.rotational
  return r === '1' ? { swapRotational: true } : r === '0' ? { swapRotational: false } : {}
}

function summarize(
  config: EngineConfig,
  image: ResolvedImage,
  a: Attempt,
  boots: Pick<GuestBoots, 'attempts' | 'retries'>
): RunSummary & { kernel: KernelRunInfo } {
  const dump = (name: string) => a.reader.dumps.find((d) => d.name === name)?.text ?? ''
  const vmDelta = deltaStats(parseKeyValues(dump('vmstat-before')), parseKeyValues(dump('vmstat-after')))
  const mthpDelta = deltaMthp(parseMthpDump(dump('mthp-before')), parseMthpDump(dump('mthp-after')))
  const cgEv = a.events.find((e) => e.event === 'cgroup')
  const cgVersion = cgEv?.fields.version === '1' ? 1 : 2
  const statDelta = deltaStats(parseKeyValues(dump('memory.stat-before')), parseKeyValues(dump('memory.stat-after')))
  const eventsAfter = parseKeyValues(dump('memory.events-after'))
  const eventsDelta = deltaStats(parseKeyValues(dump('memory.events-before')), eventsAfter)
  // The guest runs nothing but the workload, so vmstat is the workload's; the cgroup's own
  // counters (v2 memory.stat: pswpin, pgmajfault, ...) are preferred where they exist.
  // The device is virtio-blk, never SWP_SYNCHRONOUS_IO: every swapin is one page where the
  // kernel has no per-size swpin stats of its own (before 6.13).
  const kc = countersFromDeltas(vmDelta, mthpDelta, cgVersion === 2 ? statDelta : null, { order0Swapin: true })
  const outcome = emptyOutcome()
  for (const ev of a.events) addEvent(outcome, ev)
  const r = outcome.result!
  const exit = a.events.find((e) => e.event === 'workload_exit')!
  const wallNs = num(exit, 'wall_ns')
  const boot = a.events.find((e) => e.event === 'boot')!
  const release = boot.fields.release ?? image.release
  const metrics = workloadMetrics(config.workload.name, outcome)
  return kernelRunSummary(config, {
    counters: kc.counters,
    wallNs: Number.isFinite(wallNs) ? wallNs : 0,
    systemNs: Number.isFinite(num(r, 'stime_ns')) ? num(r, 'stime_ns') : 0,
    operations: 0,
    cpus: config.cpus,
    freeNs: outcome.tasks.map((t) => num(t, 'free_ns')).filter(Number.isFinite),
    verifiedReads: Number(metrics.verifiedPages ?? 0),
    workloadMetrics: metrics,
    kernel: {
      release,
      where: 'vm',
      accel: a.accel,
      image: image.image,
      pairedDesign: pairedDesign(image.upstream ?? release),
      timingsAreKernel: a.accel === 'kvm',
      countersSystemWide: false,
      vmstatDelta: summaryVmstatDelta(vmDelta),
      mthpDelta,
      cgroup: {
        version: cgVersion,
        stats: { ...statDelta, ...Object.fromEntries(Object.entries(eventsDelta).map(([k, v]) => [`events.${k}`, v])) }
      },
      measured: kc.measured,
      bootMs: a.bootMs ?? undefined,
      bootAttempts: boots.attempts,
      ...(boots.retries.length ? { bootRetries: boots.retries } : {}),
      ...swapRotational(a)
    }
  })
}

/**
 * Boots an image with no workload and reports which of `symbols` its /proc/kallsyms holds:
 * evidence of which swap design a binary kernel contains (releases.ts, RELEASES.md).
 */
export async function probeKernelSymbols(
  spec: string,
  symbols: readonly string[],
  opts: { modules?: string; accel?: 'auto' | 'kvm' | 'tcg'; signal?: AbortSignal } = {},
  limits: VmLimits = DEFAULT_VM_LIMITS
): Promise<{ image: string; release: string; present: string[]; absent: string[]; bootMs: number }> {
  const image = await resolveImage(spec, opts.modules, { allowIncomplete: true })
  const initBin = await buildProgram('init')
  const dir = makeDeviceDir()
  try {
    const initrd = path.join(dir, 'initrd.gz')
    const plan = ['data /dev/ttyS1', ...image.modules.map((m) => `module /lib/modules/${m.name}.ko`), `symbols ${symbols.join(' ')}`, '']
    fs.writeFileSync(initrd, buildInitramfs({ init: initBin, programs: {}, modules: image.modules, readModule, config: plan.join('\n') }))
    const device = path.join(dir, 'empty.img')
    fs.writeFileSync(device, Buffer.alloc(PAGE_SIZE))
    const config = {
      cpus: 1,
      memoryLimitBytes: 0,
      devices: [{ sizeBytes: PAGE_SIZE, preset: 'nvme', priority: 0, discard: false }]
    } as unknown as EngineConfig
    const accel: Accel = opts.accel === 'kvm' || (opts.accel !== 'tcg' && kvmUsable() && !kvmFailed) ? 'kvm' : 'tcg'
    const t0 = Date.now()
    const a = await attempt(
      accel,
      config,
      { kernel: image.vmlinuz, initrd, device, socket: path.join(dir, 'data.sock') },
      { signal: opts.signal },
      limits,
      limits.bootTimeoutMs
    )
    if (a.stopped === 'cancelled') throw new RunCancelled()
    const boot = a.events.find((e) => e.event === 'boot')
    const sym = a.events.find((e) => e.event === 'symbols')
    if (!boot || !sym) {
      const err = a.events.find((e) => e.event === 'error')
      throw new Error(
        `probing kernel ${image.image}: ${err ? describeError(err) : (panicReason(a.console.join('\n')) ?? 'no answer from /init')}${lastConsole(a)}`
      )
    }
    const list = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : [])
    return {
      image: image.image,
      release: boot.fields.release,
      present: list(sym.fields.present),
      absent: list(sym.fields.absent),
      bootMs: Date.now() - t0
    }
  } finally {
    removeDeviceDir(dir)
  }
}
