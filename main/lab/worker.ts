// Engine worker entry: runs one engine config at a time off the main thread and streams
// batched samples and progress back. The engine is synchronous, so cancellation comes in
// through shared memory that shouldAbort reads between steps.

import { parentPort, workerData } from 'node:worker_threads'
import { runEngine as realRunEngine } from '../../engine/index'
import type { EngineConfig, EngineHooks, RunSummary, Sample } from '../../engine/pure'
import type { FromWorker, ToWorker, WorkerInit } from './protocol'

type RunEngine = (config: EngineConfig, hooks: EngineHooks, options?: unknown) => RunSummary

const init = workerData as WorkerInit
const abort = new Int32Array(init.abort)
/** Samples and progress go out at most this often (ms); the runner throttles further for front ends. */
const FLUSH_MS = 50
const MAX_BATCH = 4096

let engine: RunEngine | null = null
function loadEngine(): RunEngine {
  // require, not import(): the build is CommonJS and tests load TS through tsx's require hook.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= init.engine ? (require(init.engine.module).runEngine as RunEngine) : (realRunEngine as RunEngine)
  return engine
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

function run(runId: number, config: EngineConfig): void {
  let pending: Sample[] = []
  let lastFlush = Date.now()
  let lastProgress = 0
  const flush = (): void => {
    if (pending.length) post({ type: 'samples', runId, samples: pending })
    pending = []
    lastFlush = Date.now()
  }
  const hooks: EngineHooks = {
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
    },
    shouldAbort: () => Atomics.load(abort, 0) === runId
  }
  try {
    const runEngine = loadEngine()
    const summary = runEngine(config, hooks, init.engine?.options)
    flush()
    post({ type: 'done', runId, summary })
  } catch (e) {
    flush()
    if ((e as Error)?.name === 'RunCancelled') post({ type: 'cancelled', runId })
    else post({ type: 'failed', runId, error: describeFailure(e) })
  }
}

parentPort?.on('message', (m: ToWorker) => {
  if (m.type === 'run') run(m.runId, m.config)
})
