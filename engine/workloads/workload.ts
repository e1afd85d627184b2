// What a workload is to the engine: it creates tasks with programs, reports its progress,
// and returns its own results at the end.

import type { EngineConfig } from '../types'
import type { Program, Scheduler } from '../sim/scheduler'
import type { Rng } from '../sim/rng'
import type { Task, Vm } from '../mm/vm'

export interface WorkloadContext {
  vm: Vm
  sched: Scheduler
  rng: Rng
  cfg: EngineConfig
  /** Starts a task running `program`, optionally at a later simulated time. */
  spawn(task: Task, program: Program, at?: number): void
}

export interface Workload {
  start(ctx: WorkloadContext): void
  /** 0..1 */
  progress(): number
  results(): Record<string, number | number[]>
}

export const MB = 1e6
export const pagesOf = (bytes: number): number => Math.ceil(bytes / 4096)
