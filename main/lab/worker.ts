// Engine worker entry: runs one engine config at a time off the main thread and streams
// batched samples and progress back. The simulation is synchronous, so cancellation comes in
// through shared memory that shouldAbort reads between steps. Kernel runs (design 'kernel')
// go to the real-kernel backend, which is asynchronous: the same flag is polled into an
// AbortSignal, and the worker answers only once the backend has finished restoring (VM gone,
// swap off, cgroup removed), so the runner never stops it mid-clean-up.

import { parentPort, workerData } from 'node:worker_threads'
import { runEngine as realRunEngine } from '../../engine/index'
import type { EngineConfig, EngineHooks, RunSummary, Sample } from '../../engine/pure'
import type { KernelHooks } from '../../engine/kernel/types'
import type { FromWorker, ToWorker, WorkerInit } from './protocol'

type RunEngine = (config: EngineConfig, hooks: EngineHooks, options?: unknown) => RunSummary
type RunKernel = (config: EngineConfig, hooks: KernelHooks, options?: unknown) => Promise<RunSummary>

const init = workerData as WorkerInit
const abort = new Int32Array(init.abort)
/** Samples and progress go out at most this often (ms); the runner throttles further for front ends. */
const FLUSH_MS = 50
const MAX_BATCH = 4096
/** How often a kernel run's abort flag is looked at. */
const ABORT_POLL_MS = 50

let engine: RunEngine | null = null
function loadEngine(): RunEngine {
  // require, not import(): the build is CommonJS and tests load TS through tsx's require hook.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= init.engine ? (require(init.engine.module).runEngine as RunEngine) : (realRunEngine as RunEngine)
  return engine
}

let kernel: RunKernel | null = null
/**
 * The real-kernel backend is loaded on the first kernel run only, so workers that run the
 * simulation do not pay for it: import() in the build (a chunk of its own), require under tsx
 * (tests and dev), whose hook serves require but not import() of TypeScript.
 */
async function loadKernel(): Promise<RunKernel> {
  if (kernel) return kernel
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (init.kernel) kernel = require(init.kernel.module).runKernel as RunKernel
  else {
    const backend: { runKernel: unknown } = __filename.endsWith('.ts')
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../../engine/kernel/index')
      : await import('../../engine/kernel/index')
    kernel = backend.runKernel as RunKernel
  }
  return kernel
}

const post = (m: FromWorker): void => parentPort!.postMessage(m)

/** Names what went wrong in words a user can act on; keeps the engine's own messages. */
export function describeFailure(e: unknown): string {
  const err = e instanceof Error ? e : new Error(String(e))
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || /\bENOSPC\b/.test(err.message)) return `the device folder ran out of space (ENOSPC): ${err.message}`
  if (err.name && err.name !== 'Error') return `${err.name}: ${err.message}`
  return err.message
}

/** Batches samples and throttles progress the same way for both backends. */
function streamHooks(runId: number): { hooks: Required<Pick<EngineHooks, 'onSamples' | 'onProgress'>>; flush(): void } {
  let pending: Sample[] = []
  // 0: a run's first samples go out at once (live charts show them from the start).
  let lastFlush = 0
  let lastProgress = 0
  const flush = (): void => {
    if (pending.length) post({ type: 'samples', runId, samples: pending })
    pending = []
    lastFlush = Date.now()
  }
  return {
    flush,
    hooks: {
      onSamples(samples) {
        for (const s of samples) pending.push(s)
        if (pending.length >= MAX_BATCH || Date.now() - lastFlush >= FLUSH_MS) flush()
      },
      onProgress(fraction, info) {
        const t = Date.now()
        if (t - lastProgress < FLUSH_MS) return
        lastProgress = t
        if (t - lastFlush >= FLUSH_MS) flush()
        post({ type: 'progress', runId, fraction, simTimeNs: info.simTimeNs, ops: info.ops })
      }
    }
  }
}

function run(runId: number, config: EngineConfig): void {
  const { hooks, flush } = streamHooks(runId)
  try {
    const runEngine = loadEngine()
    const summary = runEngine(config, { ...hooks, shouldAbort: () => Atomics.load(abort, 0) === runId }, init.engine?.options)
    flush()
    post({ type: 'done', runId, summary })
  } catch (e) {
    flush()
    if ((e as Error)?.name === 'RunCancelled') post({ type: 'cancelled', runId })
    else post({ type: 'failed', runId, error: describeFailure(e) })
  }
}

async function runOnKernel(runId: number, config: EngineConfig): Promise<void> {
  const { hooks, flush } = streamHooks(runId)
  const controller = new AbortController()
  const poll = setInterval(() => {
    if (Atomics.load(abort, 0) === runId) controller.abort(new Error('cancelled'))
  }, ABORT_POLL_MS)
  try {
    const runKernel = await loadKernel()
    // Resolves or rejects only after the backend has restored everything it changed.
    const summary = await runKernel(config, { ...hooks, signal: controller.signal }, init.kernel?.options)
    flush()
    post({ type: 'done', runId, summary })
  } catch (e) {
    flush()
    if (controller.signal.aborted || (e as Error)?.name === 'RunCancelled' || (e as Error)?.name === 'AbortError')
      post({ type: 'cancelled', runId })
    else post({ type: 'failed', runId, error: describeFailure(e) })
  } finally {
    clearInterval(poll)
  }
}

parentPort?.on('message', (m: ToWorker) => {
  if (m.type !== 'run') return
  if (m.config.design === 'kernel') void runOnKernel(m.runId, m.config)
  else run(m.runId, m.config)
})
