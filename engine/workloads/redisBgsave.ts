// Redis / Valkey with background save. The server loads its keyspace (one mm), then
// `ioThreads` threads sharing that mm serve the request stream between them: each request
// reads or writes one page, picked by Zipf(zipfS) popularity over a fixed random
// permutation of the pages (hot keys are scattered, as a hash table scatters them). Every
// `bgsaveEvery` requests the server forks a child that reads all memory in order (writing
// the RDB file) and exits; while it lives, every swapped page has two swap ptes (count 2),
// so faults of both sides go through the swap cache and find each other's folios there.
// Reported: requests per simulated second, request latency percentiles, bgsaves.

import type { Task } from '../mm/vm'
import { CHECKPOINT, type Program } from '../sim/scheduler'
import { Zipf, type Rng } from '../sim/rng'
import { LatencyRecorder } from '../metrics/latency'
import { pagesOf, type Workload, type WorkloadContext } from './workload'

/** User time to parse and execute one request. */
const USER_NS_PER_REQUEST = 1500
/** User time to serialise one page of the keyspace into the RDB file. */
const USER_NS_PER_SAVED_PAGE = 400

export class RedisBgsave implements Workload {
  private npages = 0
  private requests = 0
  private loaded = 0
  private served = 0
  private servingStartNs = 0
  private servingEndNs = 0
  private bgsaves = 0
  private bgsaveDue = 0 /** bgsaves whose threshold passed but that have not started yet */
  private childAlive = false
  private childPagesRead = 0
  private readonly latency = new LatencyRecorder()
  private perm = new Uint32Array(0) /** popularity rank -> page */
  private zipf: Zipf | null = null

  constructor(private readonly p: Record<string, number | string | boolean>) {}

  start(ctx: WorkloadContext): void {
    this.npages = pagesOf(Number(this.p.keyspaceBytes))
    this.requests = Number(this.p.requests)
    const rng = ctx.rng.fork(0)
    this.perm = new Uint32Array(this.npages)
    for (let i = 0; i < this.npages; i++) this.perm[i] = i
    for (let i = this.npages - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      const t = this.perm[i]
      this.perm[i] = this.perm[j]
      this.perm[j] = t
    }
    this.zipf = new Zipf(this.npages, Number(this.p.zipfS))
    const mm = ctx.vm.newMm(this.npages)
    const main = ctx.vm.newTask(mm, 0)
    ctx.spawn(main, this.load(ctx, main))
  }

  /** Loading the dataset writes every page once; then the threads start serving. */
  private *load(ctx: WorkloadContext, main: Task): Program {
    const { vm } = ctx
    for (let v = 0; v < this.npages; v++) {
      const f = vm.touch(main, v, true)
      if (f) yield* f
      this.loaded++
      yield CHECKPOINT
    }
    const now = vm.cpuOf(main).now
    this.servingStartNs = now
    const threads = Number(this.p.ioThreads)
    const share = (t: number): number => Math.floor(this.requests / threads) + (t < this.requests % threads ? 1 : 0)
    for (let t = 1; t < threads; t++) {
      const task = vm.newTask(main.mm, t % ctx.cfg.cpus)
      ctx.spawn(task, this.serve(ctx, task, share(t), ctx.rng.fork(1 + t)), now)
    }
    yield* this.serve(ctx, main, share(0), ctx.rng.fork(1))
  }

  private *serve(ctx: WorkloadContext, task: Task, share: number, rng: Rng): Program {
    const { vm } = ctx
    const writeRatio = Number(this.p.writeRatio)
    const every = Number(this.p.bgsaveEvery)
    for (let i = 0; i < share; i++) {
      const t0 = vm.cpuOf(task).now
      const v = this.perm[this.zipf!.sample(rng)]
      const f = vm.touch(task, v, rng.next() < writeRatio)
      if (f) yield* f
      const cpu = vm.cpuOf(task)
      cpu.now += USER_NS_PER_REQUEST
      this.latency.record(cpu.now - t0)
      this.served++
      if (cpu.now > this.servingEndNs) this.servingEndNs = cpu.now
      if (every > 0 && this.served % every === 0) this.bgsaveDue++
      // serverCron: start a due save unless a child is still writing the last one.
      if (this.bgsaveDue > 0 && !this.childAlive) this.bgsave(ctx, task)
      yield CHECKPOINT
    }
    // The last thread to finish starts a save that was due while the child was busy.
    while (this.served === this.requests && this.bgsaveDue > 0) {
      if (!this.childAlive) this.bgsave(ctx, task)
      else yield vm.cpuOf(task).now + 100_000
    }
  }

  private bgsave(ctx: WorkloadContext, parent: Task): void {
    const { vm } = ctx
    this.bgsaveDue--
    this.bgsaves++
    this.childAlive = true
    const child = vm.fork(parent, (parent.cpu + 1) % ctx.cfg.cpus)
    ctx.spawn(child, this.save(ctx, child), vm.cpuOf(parent).now)
  }

  /** rdbSave in the child: read every page in address order, then exit. */
  private *save(ctx: WorkloadContext, child: Task): Program {
    const { vm } = ctx
    for (let v = 0; v < this.npages; v++) {
      const f = vm.touch(child, v, false)
      if (f) yield* f
      vm.cpuOf(child).now += USER_NS_PER_SAVED_PAGE
      this.childPagesRead++
      yield CHECKPOINT
    }
    vm.exit(child)
    this.childAlive = false
  }

  progress(): number {
    const total = this.npages + this.requests
    return total ? (this.loaded + this.served) / total : 1
  }

  results(): Record<string, number | number[]> {
    const span = (this.servingEndNs - this.servingStartNs) / 1e9
    const l = this.latency.summary()
    return {
      requestsPerSec: span > 0 ? this.served / span : 0,
      requestLatencyUsP50: l.p50 / 1e3,
      requestLatencyUsP99: l.p99 / 1e3,
      requestLatencyUsP999: l.p999 / 1e3,
      requestLatencyUsMax: l.max / 1e3,
      bgsaves: this.bgsaves,
      bgsavePagesRead: this.childPagesRead
    }
  }
}
