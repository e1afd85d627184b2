// usemem (vm-scalability): N tasks each map and touch S bytes, sequentially or at random
// (-R), for several passes inside a memory limit smaller than N x S; then each unmaps its
// memory. Reports throughput per task and summed (MB/s of simulated time) and the free
// latency (time to unmap the partly swapped memory).

import { CHECKPOINT, type Program } from '../sim/scheduler'
import type { Task } from '../mm/vm'
import { MB, pagesOf, type Workload, type WorkloadContext } from './workload'

/**
 * The memory of the usemem program itself (engine/kernel/programs/usemem.c), charged to the
 * cgroup beside the mapping (engine/mm/memcg.ts): its generation array (4 bytes per page,
 * calloc'd per task) and 7 pages of stack, data and heap, as measured with the program in a
 * cgroup of its own on the host kernel (memory.stat rss minus the mapping: 23 pages at 64 MiB,
 * 15 at 32 MiB).
 */
export function usememProgramPages(pages: number): number {
  return Math.ceil((pages * 4) / 4096) + 7
}

export class Usemem implements Workload {
  private done = 0
  private total = 0
  private readonly perTask: number[] = []
  private readonly freeNs: number[] = []
  /** With `barrier`: per pass, the tasks that finished it and those sleeping until all have (after the last pass too: none frees its memory before all are done). */
  private readonly arrived: number[] = []
  private readonly waiting: Task[][] = []

  constructor(private readonly p: Record<string, number | string | boolean>) {}

  start(ctx: WorkloadContext): void {
    const tasks = Number(this.p.tasks)
    const pages = pagesOf(Number(this.p.sizeBytes))
    const passes = Number(this.p.passes)
    this.total = tasks * pages * passes
    for (let i = 0; i < tasks; i++) {
      const mm = ctx.vm.newMm(pages)
      const task = ctx.vm.newTask(mm, i % ctx.cfg.cpus)
      ctx.vm.chargeProgramPages(task, usememProgramPages(pages))
      ctx.spawn(task, this.run(ctx, task, i, pages, passes, ctx.rng.fork(i)))
    }
  }

  private *run(
    ctx: WorkloadContext,
    task: Task,
    idx: number,
    pages: number,
    passes: number,
    rng: ReturnType<WorkloadContext['rng']['fork']>
  ): Program {
    const { vm } = ctx
    const cpu = vm.cpuOf(task)
    const random = Boolean(this.p.random)
    const writeRatio = Number(this.p.writeRatio)
    const compute = Number(this.p.computeNsPerPage)
    const start = cpu.now
    for (let pass = 0; pass < passes; pass++) {
      for (let i = 0; i < pages; i++) {
        const vpn = random ? rng.int(pages) : i
        const write = writeRatio >= 1 || rng.next() < writeRatio
        const f = vm.touch(task, vpn, write)
        if (f) yield* f
        vm.cpuOf(task).now += compute
        this.done++
        yield CHECKPOINT
      }
      if (this.p.barrier === true) yield* this.barrier(ctx, task, pass)
    }
    const c = vm.cpuOf(task)
    const elapsed = c.now - start
    this.perTask[idx] = (pages * passes * 4096) / MB / (elapsed / 1e9)
    const t0 = c.now
    vm.unmap(task, 0, pages)
    this.freeNs[idx] = vm.cpuOf(task).now - t0
    vm.exit(task)
  }

  /**
   * The barrier between passes (usemem.c --barrier): the last task to finish a pass wakes the
   * others; until then each sleeps (the program polls every 50 us; its waiting costs no CPU).
   */
  private *barrier(ctx: WorkloadContext, task: Task, pass: number): Program {
    const tasks = Number(this.p.tasks)
    const n = (this.arrived[pass] = (this.arrived[pass] ?? 0) + 1)
    const waiting = (this.waiting[pass] ??= [])
    const cpu = ctx.vm.cpuOf(task)
    if (n === tasks) {
      for (const t of waiting) ctx.vm.sched.wake(t, cpu.now)
      return
    }
    waiting.push(task)
    while ((this.arrived[pass] ?? 0) < tasks) yield ctx.vm.cpuOf(task).now + 1_000_000_000
  }

  progress(): number {
    return this.total ? this.done / this.total : 1
  }

  results(): Record<string, number | number[]> {
    const sum = this.perTask.reduce((a, b) => a + b, 0)
    return {
      throughputMBps: sum,
      throughputMBpsPerTask: this.perTask.length ? sum / this.perTask.length : 0,
      freeLatencyMsMean: this.freeNs.length ? this.freeNs.reduce((a, b) => a + b, 0) / this.freeNs.length / 1e6 : 0,
      freeLatencyMsMax: this.freeNs.length ? Math.max(...this.freeNs) / 1e6 : 0
    }
  }
}
