// The run queue: one run at a time in a worker_threads worker, samples written to the store
// as they arrive, progress pushed to front ends about 10 times a second and live samples from
// a run's first ones on, then about twice a second; cancellation that stops a run within a
// second and keeps what it recorded.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { EngineConfig, RunSummary, Sample } from '../../engine/pure'
import type { LabEvent, RunRecord } from '../../experiments/api'
import { headlineMetrics } from '../../experiments/metrics'
import type { RunStore, RunOutcome } from './store'
import type { EngineModuleRef, FromWorker, KernelModuleRef, ToWorker, WorkerInit } from './protocol'
import { checkFreeSpace } from './diskSpace'
import { makeDeviceDir, removeDeviceDir } from '../../engine/device/tempDir'
import { OWN_START_MS } from './processes'

export interface RunnerJob {
  runId: number
  config: EngineConfig
}

export interface RunnerOptions {
  store: RunStore
  /** Folder for device files unless a job's config names one; each run gets its own subfolder, removed when the run ends. */
  deviceDir: string
  emit(event: LabEvent): void
  /** Inject a fake engine (tests); the real engine otherwise. */
  engine?: EngineModuleRef
  /** Inject a fake real-kernel backend (tests); engine/kernel otherwise. */
  kernel?: KernelModuleRef
  /** How long a cancelled run may take to stop on its own before its worker is terminated. */
  cancelGraceMs?: number
  /**
   * The same for kernel runs, which must restore the machine (kill the VM, swapoff, remove the
   * cgroup) before their worker may go: cutting that short would leave them behind.
   */
  kernelCancelGraceMs?: number
  /** Minimum interval between progress events. */
  progressIntervalMs?: number
  /** Minimum interval between live samples events after a run's first (LIVE_SAMPLES_INTERVAL_MS). */
  liveIntervalMs?: number
  /** Keep the idle worker (unref'd) until close instead of WORKER_IDLE_MS (the app and serve). */
  keepWorker?: boolean
  /** Free bytes of a folder (tests replace it); the engine's statfs-based check otherwise. */
  freeBytes?(dir: string): number
}

type Outcome = { status: 'done'; summary: RunSummary } | { status: 'failed'; error: string } | { status: 'cancelled' }

/** A kernel run's clean-up (swapoff of a full device can take a while) gets this long by default. */
const KERNEL_CANCEL_GRACE_MS = 300_000

/** How a run ended when the store could not record it (the database's disk is full, or it became read-only). */
export interface UnrecordedOutcome {
  status: 'failed'
  error: string
}

/** The store failed while a run ended: carries what should have been recorded. */
class NotRecorded extends Error {
  constructor(
    readonly outcome: string | null,
    readonly cause: Error,
    /** The run's own outcome did reach the store; only the runs after it are affected. */
    readonly runRecorded = false
  ) {
    super(cause.message)
  }
}

/** SQLite codes of a database that cannot take writes now (as opposed to one bad batch). */
const STORE_UNWRITABLE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/

/** Live samples for front ends are thinned to this many per event; the store keeps them all. */
const MAX_LIVE_SAMPLES = 2000
/** Live samples go to front ends as soon as a run has some, then at most this often (live charts redraw on each). */
export const LIVE_SAMPLES_INTERVAL_MS = 500
/**
 * An idle worker is kept this long after the queue empties (unref'd: it never keeps the process
 * alive), so the next experiment's first run does not wait for a worker to boot and load the
 * engine (about 0.1 s on an idle machine, over a second on a loaded one).
 */
const WORKER_IDLE_MS = 30_000

/**
 * The engine worker: worker.ts through tsx in tests and dev, else the built worker.js, which
 * sits next to the entry (out/main) while this code may be in out/main/chunks. Node 20 ignores
 * `--import tsx` in a worker's execArgv for a .ts entry, so the TS worker starts from a
 * one-line bootstrap that registers tsx's require hook first.
 */
export function spawnEngineWorker(workerData: WorkerInit): Worker {
  if (__filename.endsWith('.ts')) {
    const entry = JSON.stringify(path.join(__dirname, 'worker.ts'))
    return new Worker(`require('tsx/cjs/api').register(); require(${entry})`, { eval: true, workerData })
  }
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', 'worker.js')]
  const file = candidates.find((f) => fs.existsSync(f))
  if (!file) throw new Error(`the engine worker is missing (looked for ${candidates.join(' and ')}); rebuild with npm run build`)
  return new Worker(file, { workerData })
}

export class Runner {
  private readonly queue: RunnerJob[] = []
  private current: { job: RunnerJob; settle(o: Outcome): void; cancelTimer?: NodeJS.Timeout } | null = null
  private worker: Worker | null = null
  private workerIdleTimer: NodeJS.Timeout | null = null
  private readonly abort = new SharedArrayBuffer(4)
  private pumping = false
  private closed = false
  private idleWaiters: (() => void)[] = []
  // Progress of the current batch of work (since the queue was last empty), for the ETA.
  private session = { total: 0, done: 0, startedAt: 0 }
  private lastProgressAt = 0
  private lastLiveAt = 0
  private liveSamples: Sample[] = []
  /** Runs whose end could not be written to the store, with the reason; front ends see these instead of the stale rows. */
  readonly unrecorded = new Map<number, UnrecordedOutcome>()
  /** Why the store cannot be written, once a write has failed; later runs are not started. */
  storeFailure: string | null = null
  /** A samples write of the current run failed (the run itself was failed with the reason). */
  private samplesWriteError: Error | null = null

  constructor(private readonly o: RunnerOptions) {}

  enqueue(jobs: RunnerJob[]): void {
    if (this.closed) throw new Error('the runner is closed')
    if (this.session.total === this.session.done) this.session = { total: 0, done: 0, startedAt: Date.now() }
    this.queue.push(...jobs)
    this.session.total += jobs.length
    // The worker boots while the runs are being queued and their folders made.
    this.useWorker()
    // Start on a later turn, so callers see their runs queued before the first one starts.
    setImmediate(() => void this.pump())
  }

  get busy(): boolean {
    return this.current !== null || this.queue.length > 0
  }

  /** Resolves when no run is queued or running. */
  idle(): Promise<void> {
    if (!this.busy && !this.pumping) return Promise.resolve()
    return new Promise((r) => this.idleWaiters.push(r))
  }

  /** Cancels a queued or running run (or all); returns the ids it affected. */
  cancel(target: number | 'all'): number[] {
    const hit: number[] = []
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]
      if (target !== 'all' && job.runId !== target) continue
      this.queue.splice(i, 1)
      this.o.store.finishRun(job.runId, { status: 'cancelled' })
      this.session.done++
      this.finished(job.runId)
      hit.unshift(job.runId)
    }
    const cur = this.current
    if (cur && (target === 'all' || cur.job.runId === target) && !cur.cancelTimer) {
      Atomics.store(new Int32Array(this.abort), 0, cur.job.runId)
      // The engine checks between steps; a step that never ends is cut off with its worker.
      // A kernel backend answers once it has restored the machine; only a hung one is cut off.
      const grace =
        cur.job.config.design === 'kernel' ? (this.o.kernelCancelGraceMs ?? KERNEL_CANCEL_GRACE_MS) : (this.o.cancelGraceMs ?? 750)
      cur.cancelTimer = setTimeout(() => {
        this.dropWorker()
        cur.settle({ status: 'cancelled' })
      }, grace)
      hit.push(cur.job.runId)
    }
    return hit
  }

  /** Cancels everything, waits for the current run to end, and stops the worker. */
  async close(): Promise<void> {
    this.cancel('all')
    this.closed = true
    await this.idle()
    this.dropWorker()
  }

  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.queue.length > 0) {
        const job = this.queue.shift()!
        try {
          await this.execute(job)
        } catch (e) {
          // The store itself failed (e.g. its disk is full). The run is failed with the reason;
          // the runs after it are not started (they would fail the same way) and are failed
          // with the reason too. Where even that cannot be written, the outcome is kept in
          // memory (unrecorded) and reported to front ends, so no wait hangs and nothing is silent.
          this.current = null
          const cause = e instanceof NotRecorded ? e.cause : (e as Error)
          this.storeFailure = cause.message
          const what = e instanceof NotRecorded && e.outcome ? `${e.outcome}; ` : ''
          if (!(e instanceof NotRecorded && e.runRecorded))
            this.failUnrecordable(job.runId, `${what}could not record the run: ${cause.message}`)
          for (const rest of this.queue.splice(0)) {
            this.failUnrecordable(rest.runId, `not started: the run database cannot be written (${cause.message})`)
            this.session.done++
          }
        }
        this.session.done++
      }
    } finally {
      this.pumping = false
    }
    this.idleWorker()
    this.o.emit({ type: 'queue-empty' })
    for (const w of this.idleWaiters.splice(0)) w()
  }

  /** Fails a run with the reason, in the store if it can still be written, else in memory; emits run-finished either way. */
  private failUnrecordable(runId: number, error: string): void {
    try {
      this.o.store.finishRun(runId, { status: 'failed', error })
    } catch {
      this.unrecorded.set(runId, { status: 'failed', error })
    }
    this.finished(runId)
  }

  private async execute(job: RunnerJob): Promise<void> {
    const { store } = this.o
    // The worker boots (if it is not up yet) while the run's folder is made and recorded.
    this.useWorker()
    const deviceDir = job.config.deviceDir ?? this.o.deviceDir
    const noRoom = checkFreeSpace(job.config, deviceDir, this.o.freeBytes)
    if (noRoom) {
      store.finishRun(job.runId, { status: 'failed', error: noRoom })
      return this.finished(job.runId)
    }
    let runDir: string | undefined
    try {
      runDir = job.config.storage === 'file' ? this.makeRunDir(deviceDir, job.runId) : undefined
    } catch (e) {
      if (e instanceof NotRecorded) throw e
      store.finishRun(job.runId, { status: 'failed', error: `cannot make the device folder in ${deviceDir}: ${(e as Error).message}` })
      return this.finished(job.runId)
    }
    const config = runDir ? { ...job.config, deviceDir: runDir } : job.config
    store.markRunning(job.runId)
    this.emitRun('run-started', job.runId)
    const started = performance.now()
    this.lastProgressAt = 0
    this.lastLiveAt = 0
    this.liveSamples = []
    const outcome = await new Promise<Outcome>((settle) => {
      let settled = false
      this.current = {
        job,
        settle: (o) => {
          if (settled) return
          settled = true
          settle(o)
        }
      }
      try {
        this.post({ type: 'run', runId: job.runId, config })
      } catch (e) {
        this.current.settle({ status: 'failed', error: (e as Error).message })
      }
    })
    clearTimeout(this.current?.cancelTimer)
    this.current = null
    Atomics.store(new Int32Array(this.abort), 0, 0)
    if (runDir) this.removeRunDir(runDir)
    this.flushLiveSamples(job.runId)
    const result: RunOutcome = { status: outcome.status, wallTimeMs: performance.now() - started }
    if (outcome.status === 'done') {
      result.summary = outcome.summary
      result.headline = headlineMetrics(outcome.summary)
    }
    if (outcome.status === 'failed') result.error = outcome.error
    try {
      store.finishRun(job.runId, result)
    } catch (e) {
      throw new NotRecorded(outcome.status === 'failed' ? outcome.error : `the run ended ${outcome.status}`, e as Error)
    }
    this.finished(job.runId)
    // The store took the outcome but not the samples (e.g. its disk filled up): the runs after
    // this one would fail the same way, so they are not started (pump fails them with the reason).
    const lost = this.samplesWriteError
    this.samplesWriteError = null
    if (lost) throw new NotRecorded(null, lost, true)
  }

  /**
   * A marked folder for the run's device files, recorded in the store first so that the next
   * open removes it if this process is killed, wherever it is (--device-dir included).
   */
  private makeRunDir(deviceDir: string, runId: number): string {
    const dir = makeDeviceDir(deviceDir, `swaplab-${process.pid}-run${runId}-`, { pid: process.pid, startedMs: OWN_START_MS })
    try {
      this.o.store.addDeviceDir(dir, runId)
    } catch (e) {
      removeDeviceDir(dir)
      throw new NotRecorded(null, e as Error)
    }
    return dir
  }

  private removeRunDir(dir: string): void {
    try {
      removeDeviceDir(dir)
    } catch {
      // Left for the next open's clean-up (it is recorded in the store).
      return
    }
    try {
      this.o.store.dropDeviceDir(dir)
    } catch {
      // The folder is gone; the next open drops its row.
    }
  }

  private post(m: ToWorker): void {
    this.useWorker().postMessage(m)
  }

  /** The worker, started if need be and held (ref'd) while the queue has work. */
  private useWorker(): Worker {
    if (this.workerIdleTimer) clearTimeout(this.workerIdleTimer)
    this.workerIdleTimer = null
    if (!this.worker) this.worker = this.spawn()
    this.worker.ref()
    return this.worker
  }

  /** Boots the worker ahead of the first run; it waits unref'd (never keeping the process alive). */
  warm(): void {
    if (this.closed) return
    this.useWorker()
    this.idleWorker()
  }

  /** The queue is empty: the worker waits WORKER_IDLE_MS (or until close with keepWorker) without keeping the process alive, then goes. */
  private idleWorker(): void {
    const w = this.worker
    if (!w || this.closed) return this.dropWorker()
    w.unref()
    if (this.o.keepWorker) return
    if (this.workerIdleTimer) clearTimeout(this.workerIdleTimer)
    this.workerIdleTimer = setTimeout(() => {
      this.workerIdleTimer = null
      if (this.worker === w && !this.busy) this.dropWorker()
    }, WORKER_IDLE_MS)
    this.workerIdleTimer.unref()
  }

  private spawn(): Worker {
    const w = spawnEngineWorker({ engine: this.o.engine, kernel: this.o.kernel, abort: this.abort })
    w.on('message', (m: FromWorker) => this.onMessage(m))
    // A dead worker fails only the run it was running; the next run gets a new worker.
    const died = (error: string): void => {
      if (this.worker !== w) return
      this.worker = null
      this.current?.settle({ status: 'failed', error })
    }
    w.on('error', (e) => died(`the engine worker crashed: ${e.message}`))
    w.on('exit', (code) => died(`the engine worker stopped unexpectedly (exit code ${code})`))
    return w
  }

  private dropWorker(): void {
    if (this.workerIdleTimer) clearTimeout(this.workerIdleTimer)
    this.workerIdleTimer = null
    const w = this.worker
    this.worker = null
    if (w) void w.terminate()
  }

  private onMessage(m: FromWorker): void {
    const cur = this.current
    if (!cur || cur.job.runId !== m.runId) return
    switch (m.type) {
      case 'samples':
        try {
          this.o.store.appendSamples(m.runId, m.samples)
        } catch (e) {
          // Stop the engine at once: a fresh worker takes the next run.
          this.dropWorker()
          // A full, read-only or failing database fails every run after this one the same way.
          if (STORE_UNWRITABLE.test(String((e as { code?: unknown })?.code))) this.samplesWriteError = e as Error
          return cur.settle({ status: 'failed', error: `could not record samples: ${(e as Error).message}` })
        }
        for (const s of m.samples) this.liveSamples.push(s)
        if (this.liveSamples.length > 2 * MAX_LIVE_SAMPLES) this.liveSamples = this.liveSamples.slice(-MAX_LIVE_SAMPLES)
        return this.liveTick(m.runId)
      case 'progress':
        return this.progress(m.runId, m.fraction, m.simTimeNs)
      case 'done':
        return cur.settle({ status: 'done', summary: m.summary })
      case 'failed':
        return cur.settle({ status: 'failed', error: m.error })
      case 'cancelled':
        return cur.settle({ status: 'cancelled' })
    }
  }

  private progress(runId: number, fraction: number, simTimeNs: number): void {
    const t = Date.now()
    if (t - this.lastProgressAt < (this.o.progressIntervalMs ?? 100)) return
    this.lastProgressAt = t
    this.liveTick(runId)
    const { total, done, startedAt } = this.session
    const progressed = done + Math.min(1, Math.max(0, fraction))
    const etaSeconds = progressed >= 0.02 ? (((t - startedAt) / progressed) * (total - progressed)) / 1000 : null
    this.o.emit({ type: 'progress', progress: { runId, fraction, simTimeNs, runsDone: done, runsTotal: total, etaSeconds } })
  }

  /** Sends the live samples when the run has its first ones, then every LIVE_SAMPLES_INTERVAL_MS. */
  private liveTick(runId: number): void {
    const t = Date.now()
    if (this.liveSamples.length === 0 || t - this.lastLiveAt < (this.o.liveIntervalMs ?? LIVE_SAMPLES_INTERVAL_MS)) return
    this.lastLiveAt = t
    this.flushLiveSamples(runId)
  }

  private flushLiveSamples(runId: number): void {
    if (this.liveSamples.length === 0) return
    let samples = this.liveSamples
    if (samples.length > MAX_LIVE_SAMPLES) {
      const step = samples.length / MAX_LIVE_SAMPLES
      samples = Array.from({ length: MAX_LIVE_SAMPLES }, (_, i) => this.liveSamples[Math.floor(i * step)])
    }
    this.liveSamples = []
    this.o.emit({ type: 'samples', runId, samples })
  }

  private finished(runId: number): void {
    this.emitRun('run-finished', runId)
  }

  private emitRun(type: 'run-started' | 'run-finished', runId: number): void {
    let run: RunRecord | undefined
    try {
      run = this.o.store.listRuns({ ids: [runId] })[0]
    } catch {
      return
    }
    const lost = this.unrecorded.get(runId)
    if (run) this.o.emit({ type, run: lost ? { ...run, ...lost, finishedAt: run.finishedAt ?? new Date().toISOString() } : run })
  }
}
