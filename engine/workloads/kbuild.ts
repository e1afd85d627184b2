// Kernel build under a memcg limit: make forks one short-lived compiler per translation
// unit, at most `jobs` at a time. Each job execs (its memory is a fresh mm; the forked copy
// of make's address space is dropped at exec), works through a working set whose size is
// log-uniform between wsMinBytes and wsMaxBytes, and exits. mTHP orders come from the
// run's thpOrders, so per-order swpout / swpout_fallback show how each design copes.
// Reported: system time (kernel work summed over CPUs), tasks completed and the makespan.

import type { Task } from '../mm/vm'
import { CHECKPOINT, type Program } from '../sim/scheduler'
import type { Rng } from '../sim/rng'
import { pagesOf, type Workload, type WorkloadContext } from './workload'

/** make's own memory (dependency graph, job table): forked with every job. */
const MAKE_PAGES = 2048
/** make's page touches per job dispatched (reads of the graph, one write to the job table). */
const MAKE_TOUCHES_PER_DISPATCH = 16
/** User time per working-set access (a compiler spends most of its time computing). */
const USER_NS_PER_TOUCH = 400
/** Locality: accesses come in runs of RUN_TOUCHES inside a window of WINDOW_PAGES... */
const WINDOW_PAGES = 16
const RUN_TOUCHES = 32
/** ...and the next window is a near neighbour (within NEAR_WINDOWS) this often, else anywhere. */
const NEAR_SHARE = 0.7
const NEAR_WINDOWS = 4
/** Share of later accesses that write (first use of each page always writes). */
const WRITE_SHARE = 0.3

export class Kbuild implements Workload {
  private started = 0
  private completed = 0
  private total = 0
  private lastExitNs = 0
  private cpus: { sysNs: number }[] = []
  /** make, one thread handle per CPU so whichever CPU reaps a job forks the next one there. */
  private make: Task[] = []

  constructor(private readonly p: Record<string, number | string | boolean>) {}

  start(ctx: WorkloadContext): void {
    this.total = Number(this.p.totalTasks)
    this.cpus = ctx.sched.cpus
    const mm = ctx.vm.newMm(MAKE_PAGES)
    this.make = ctx.sched.cpus.map((_, c) => ctx.vm.newTask(mm, c))
    ctx.spawn(this.make[0], this.makeMain(ctx, ctx.rng.fork(0)))
  }

  /** make reads the Makefiles (its memory), then starts the first `jobs` jobs. */
  private *makeMain(ctx: WorkloadContext, rng: Rng): Program {
    const { vm } = ctx
    const make = this.make[0]
    for (let v = 0; v < MAKE_PAGES; v++) {
      const f = vm.touch(make, v, true)
      if (f) yield* f
      yield CHECKPOINT
    }
    const first = Math.min(Number(this.p.jobs), this.total)
    for (let j = 0; j < first; j++) yield* this.dispatch(ctx, this.started++, 0, j % ctx.cfg.cpus, rng)
  }

  /** make on CPU `cpu` forks job `idx` (reserved by the caller) onto `target`; the child execs at once. */
  private *dispatch(ctx: WorkloadContext, idx: number, cpu: number, target: number, rng: Rng): Program {
    const { vm } = ctx
    const make = this.make[cpu]
    for (let i = 0; i < MAKE_TOUCHES_PER_DISPATCH; i++) {
      const f = vm.touch(make, rng.int(MAKE_PAGES), i === 0)
      if (f) yield* f
    }
    const forked = vm.fork(make, target)
    // exec: the forked address space goes (exec_mmap), the compiler starts on a fresh one.
    vm.exit(forked)
    const min = Number(this.p.wsMinBytes)
    const max = Number(this.p.wsMaxBytes)
    const ws = Math.max(1, pagesOf(Math.exp(Math.log(min) + rng.next() * (Math.log(max) - Math.log(min)))))
    const job = vm.newTask(vm.newMm(ws), target)
    ctx.spawn(job, this.job(ctx, job, ws, ctx.rng.fork(1000 + idx)), vm.cpuOf(make).now)
  }

  private *job(ctx: WorkloadContext, task: Task, ws: number, rng: Rng): Program {
    const { vm } = ctx
    // First use: the compiler builds its data structures, writing each page once.
    for (let v = 0; v < ws; v++) {
      const f = vm.touch(task, v, true)
      if (f) yield* f
      vm.cpuOf(task).now += USER_NS_PER_TOUCH
      yield CHECKPOINT
    }
    // Later passes, with locality: runs inside a small window, mostly moving to a neighbour.
    const windows = Math.ceil(ws / WINDOW_PAGES)
    const later = ws * (Number(this.p.touchesPerPage) - 1)
    let win = 0
    for (let i = 0; i < later; i++) {
      if (i % RUN_TOUCHES === 0)
        win =
          rng.next() < NEAR_SHARE
            ? Math.min(windows - 1, Math.max(0, win + rng.int(2 * NEAR_WINDOWS + 1) - NEAR_WINDOWS))
            : rng.int(windows)
      const v = Math.min(ws - 1, win * WINDOW_PAGES + rng.int(WINDOW_PAGES))
      const f = vm.touch(task, v, rng.next() < WRITE_SHARE)
      if (f) yield* f
      vm.cpuOf(task).now += USER_NS_PER_TOUCH
      yield CHECKPOINT
    }
    vm.exit(task)
    this.completed++
    const cpu = task.cpu
    this.lastExitNs = Math.max(this.lastExitNs, vm.cpuOf(task).now)
    // make reaps the job (wait4) on this CPU and starts the next one in its place.
    if (this.started < this.total) yield* this.dispatch(ctx, this.started++, cpu, cpu, rng)
    else if (this.completed === this.total) {
      // make exits last; its address space is torn down on this CPU (the last handle to go).
      for (const m of this.make) if (m !== this.make[cpu]) vm.exit(m)
      vm.exit(this.make[cpu])
    }
  }

  progress(): number {
    return this.total ? this.completed / this.total : 1
  }

  results(): Record<string, number | number[]> {
    return {
      systemTimeMs: this.cpus.reduce((a, c) => a + c.sysNs, 0) / 1e6,
      tasksCompleted: this.completed,
      makespanMs: this.lastExitNs / 1e6
    }
  }
}
