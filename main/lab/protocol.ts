// Messages between the runner (main thread) and the engine worker. Plain data only.

import type { EngineConfig, RunSummary, Sample } from '../../engine/pure'

/** Where the worker gets runEngine from: the real engine unless a test injects a module. */
export interface EngineModuleRef {
  /** Absolute path of a module exporting runEngine(config, hooks, options) and optionally ENGINE_VERSION. */
  module: string
  /** Passed to runEngine as its third argument (fakes use it; the real engine ignores it). */
  options?: unknown
}

/** Where the worker gets runKernel from: engine/kernel unless a test injects a module. */
export interface KernelModuleRef {
  /** Absolute path of a module exporting runKernel(config, hooks, options). */
  module: string
  /** Passed to runKernel as its third argument (fakes use it; the real backend has two). */
  options?: unknown
}

export interface WorkerInit {
  engine?: EngineModuleRef
  /** Tests inject a stand-in for the real-kernel backend here; the real one otherwise. */
  kernel?: KernelModuleRef
  /** Int32 slot holding the id of the run to abort (0: none); read by shouldAbort between steps, and polled into an AbortSignal for kernel runs. */
  abort: SharedArrayBuffer
}

export type ToWorker = { type: 'run'; runId: number; config: EngineConfig }

export type FromWorker =
  | { type: 'samples'; runId: number; samples: Sample[] }
  | { type: 'progress'; runId: number; fraction: number; simTimeNs: number; ops: number }
  | { type: 'done'; runId: number; summary: RunSummary }
  | { type: 'failed'; runId: number; error: string }
  | { type: 'cancelled'; runId: number }
