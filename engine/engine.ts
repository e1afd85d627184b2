// Runs one configured workload through one design on fresh swap devices and reports what
// a kernel developer would look at: counters, latency distributions, metadata memory and
// a time series. Device files live in a private temp folder removed however the run ends.

import * as path from 'node:path'
import {
  PAGE_SIZE,
  type EngineConfig,
  type EngineHooks,
  type MetadataReport,
  type RunSummary,
  type Sample,
  type SampleField
} from './types'
import { assertEngineConfig } from './config'
import { invariant, RunCancelled } from './errors'
import { Scheduler, type Program } from './sim/scheduler'
import { Rng } from './sim/rng'
import { applyCostModel } from './sim/costProfile'
import { FileDevice } from './device/fileDevice'
import { MetadataOnlyStore, newIoStats, type PageStore } from './device/pageStore'
import { makeDeviceDir, removeDeviceDir } from './device/tempDir'
import { createDesign } from './designs/factory'
import { emptyCounters } from './metrics/counters'
import type { SwapDesign } from './designs/design'
import { Vm, type Task } from './mm/vm'
import { createWorkload } from './workloads/factory'
import type { WorkloadContext } from './workloads/workload'
import { physicalDevices } from './designs/vswap/backing'

export { resolveEngineConfig, checkEngineConfig, type ConfigProblem } from './config'
export const ENGINE_VERSION = '0.1.0'

/** Wall time between progress reports. */
const PROGRESS_EVERY_MS = 100
/** Scheduler polls between full invariant checks (when enabled). */
const CHECK_EVERY_POLLS = 400
/** Samples handed to the hook per batch. */
const SAMPLE_BATCH = 64

export function metadataReport(design: SwapDesign): MetadataReport {
  const m = design.memory()
  const breakdown: Record<string, number> = {}
  let st = 0
  let dy = 0
  for (const [k, v] of Object.entries(m.static)) {
    breakdown[k] = (breakdown[k] ?? 0) + v
    st += v
  }
  for (const [k, v] of Object.entries(m.dynamic)) {
    breakdown[k] = (breakdown[k] ?? 0) + v
    dy += v
  }
  const total = design.totalSlots()
  const used = design.usedSlots()
  // Data a design keeps in memory (the zswap pool) is reported apart: it is not metadata.
  const data = (m as { data?: Record<string, number> }).data
  return {
    ...(data && Object.keys(data).length ? { data: { ...data } } : {}),
    staticBytes: st,
    dynamicBytes: dy,
    breakdown,
    totalSlots: total,
    usedSlots: used,
    bytesPerSlot: total ? (st + dy) / total : 0,
    dynamicBytesPerUsedSlot: used ? dy / used : 0
  }
}

export function runEngine(config: EngineConfig, hooks: EngineHooks = {}): RunSummary {
  assertEngineConfig(config)
  const wallStart = performance.now()
  const counters = emptyCounters()
  const stores: PageStore[] = []
  let dir: string | null = null
  // The profile goes into the live cost tables for this run only; finally puts the defaults back.
  const costModel = applyCostModel(config.costProfile, config.costScale)
  try {
    if (config.storage === 'file') {
      dir = makeDeviceDir(config.deviceDir)
      physicalDevices(config).forEach((d, i) =>
        stores.push(
          new FileDevice(path.join(dir!, `swap${i}.img`), i, Math.floor(d.sizeBytes / PAGE_SIZE), config.fsyncPerBatch, hooks.ioRecorder)
        )
      )
    } else physicalDevices(config).forEach(() => stores.push(new MetadataOnlyStore()))

    const sched = new Scheduler(config.cpus)
    const design = createDesign(config, stores, counters, sched.clock)
    const vm = new Vm(config, sched, design, counters)
    const rng = new Rng(config.seed)
    const workload = createWorkload(config)
    const ctx: WorkloadContext = {
      vm,
      sched,
      rng,
      cfg: config,
      spawn(task: Task, program: Program, at?: number) {
        task.program = program
        sched.addTask(task, at)
      }
    }

    // Time series: sampled on the simulated clock, by observers that cannot change the run.
    const pending: Sample[] = []
    let peakUsed = -1
    let peakReport: MetadataReport = metadataReport(design)
    let metadataPeak = 0
    let last = { t: 0, pages: 0, bytes: 0 }
    const takeSample = (t: number): void => {
      const report = metadataReport(design)
      const bytes = report.staticBytes + report.dynamicBytes
      if (bytes > metadataPeak) metadataPeak = bytes
      if (report.usedSlots > peakUsed) {
        peakUsed = report.usedSlots
        peakReport = report
      }
      const lists = design.clusterLists()
      const pages = counters.pswpout + counters.pswpin
      const dt = (t - last.t) / 1e9
      const values = {} as Record<SampleField, number>
      values.residentPages = vm.usedPages
      values.swapUsedSlots = report.usedSlots
      values.swapCachePages = counters.swapCacheAdd - counters.swapCacheDelete
      values.metadataBytes = bytes
      values.swpout = counters.swpout.reduce((a, b) => a + b, 0)
      values.swpin = counters.swpin.reduce((a, b) => a + b, 0)
      values.swpoutFallback = counters.swpoutFallback.reduce((a, b) => a + b, 0)
      values.pageRate = dt > 0 ? (pages - last.pages) / dt : 0
      values.throughputMBps = dt > 0 ? (vm.bytesTouched - last.bytes) / 1e6 / dt : 0
      values.clustersFree = lists.free
      values.clustersNonfull = lists.nonfull
      values.clustersFrag = lists.frag
      values.clustersFull = lists.full
      values.clustersDiscard = lists.discard
      values.hasCacheRetries = counters.hasCacheRetries
      values.folioLockWaits = counters.folioLockWaits
      values.majorFaults = counters.majorFaults
      last = { t, pages, bytes: vm.bytesTouched }
      pending.push({ tSimNs: t, tWallMs: performance.now() - wallStart, ops: vm.ops, values })
      if (pending.length >= SAMPLE_BATCH) hooks.onSamples?.(pending.splice(0))
    }
    const interval = config.sampleIntervalNs
    const arm = (t: number): void => {
      sched.observe(t, () => {
        takeSample(t)
        if (sched.tasksAlive > 0) arm(t + interval)
      })
    }
    arm(0)

    workload.start(ctx)
    let polls = 0
    let lastProgress = 0
    const finished = sched.run(() => {
      polls++
      if (config.checkInvariants && polls % CHECK_EVERY_POLLS === 0) {
        design.check()
        vm.check()
      }
      const now = performance.now()
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now
        // Samples go out with progress, not only in full batches: live charts of a short or
        // slowly sampled run would otherwise see nothing until its end.
        if (pending.length) hooks.onSamples?.(pending.splice(0))
        hooks.onProgress?.(workload.progress(), { simTimeNs: sched.maxClock(), ops: vm.ops })
      }
      return hooks.shouldAbort?.() ?? false
    })
    if (!finished) {
      if (pending.length) hooks.onSamples?.(pending.splice(0))
      throw new RunCancelled()
    }
    const simTime = sched.maxClock()
    takeSample(simTime)
    if (pending.length) hooks.onSamples?.(pending.splice(0))
    design.drain(sched.cpus[0])
    // Every fault is accounted for: one that returned leaving its page unmapped fails the run.
    invariant(
      !counters.lostFaults,
      () =>
        `${counters.lostFaults} faults returned leaving their page unmapped (lost faults): a simulation bug; rerun with invariants on to stop at the first`
    )
    if (config.checkInvariants) {
      design.check()
      vm.check()
    }
    hooks.onProgress?.(1, { simTimeNs: simTime, ops: vm.ops })

    const io = newIoStats()
    for (const s of stores) for (const k of Object.keys(io) as (keyof typeof io)[]) io[k] += s.stats[k]
    const L = vm.latency
    return {
      engineVersion: ENGINE_VERSION,
      design: config.design,
      designOptions: config.designOptions,
      workload: config.workload.name,
      storage: config.storage,
      metadataOnly: config.storage === 'metadata-only',
      seed: config.seed,
      cpus: config.cpus,
      simTimeNs: simTime,
      wallTimeMs: performance.now() - wallStart,
      systemTimeNs: sched.cpus.reduce((a, c) => a + c.sysNs, 0),
      operations: vm.ops,
      counters,
      latency: {
        swapoutSimNs: L.swapoutSim.summary(),
        swapinSimNs: L.swapinSim.summary(),
        freeSimNs: L.freeSim.summary(),
        swapoutWallNs: L.swapoutWall.summary(),
        swapinWallNs: L.swapinWall.summary(),
        freeWallNs: L.freeWall.summary()
      },
      metadata: peakReport,
      metadataPeakBytes: metadataPeak,
      clusters: design.clusterLists(),
      device: io,
      workloadMetrics: workload.results(),
      costProfile: costModel.record
    }
  } finally {
    costModel.restore()
    for (const s of stores) s.close()
    if (dir) removeDeviceDir(dir)
  }
}
