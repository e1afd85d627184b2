// thp_swap_allocator_test (tools/testing/selftests/mm): can mTHP swapout keep getting
// whole, naturally aligned slot runs while the swap space fragments? One task owns a
// region of mTHP folios (MADV_HUGEPAGE with only `mthpOrder` enabled, as the selftest's
// setup does) and, with the small-folio area, an area of 4 KiB folios (MADV_NOHUGEPAGE).
// Each iteration drops random aligned chunks (MADV_DONTNEED), re-dirties each chunk at
// once (memset, which faults a fresh folio in), then pages the region out (MADV_PAGEOUT),
// then the small area. Like the selftest, nothing is touched before the first iteration:
// the region fills in as chunks are dirtied. The memory limit plays no part; the device
// must hold the region.

import type { Task } from '../mm/vm'
import { CHECKPOINT, type Program } from '../sim/scheduler'
import type { Rng } from '../sim/rng'
import type { Workload, WorkloadContext } from './workload'

/** The selftest drops 768 KiB of its 1 MiB small area per iteration (TOTAL_DONTNEED_SMALLFOLIO). */
const SMALL_DROP_SHARE = 0.75

export class ThpSwapAllocatorTest implements Workload {
  private iterationsDone = 0
  private iterations = 0
  private readonly fallbackPct: number[] = []
  private readonly smallFallbackPct: number[] = []
  private readonly freeClusters: number[] = []

  constructor(private readonly p: Record<string, number | string | boolean>) {}

  start(ctx: WorkloadContext): void {
    const order = Number(this.p.mthpOrder)
    const nr = 1 << order
    // posix_memalign(64 KiB): the region is a whole number of folios, aligned.
    const regionPages = Math.floor(Number(this.p.regionBytes) / 4096 / nr) * nr
    const smallPages = this.p.smallFolioArea ? Math.ceil(Number(this.p.smallAreaBytes) / 4096) : 0
    this.iterations = Number(this.p.iterations)
    const mm = ctx.vm.newMm(regionPages + smallPages)
    mm.thpRanges = [
      { start: 0, end: regionPages, orders: [order] },
      { start: regionPages, end: regionPages + smallPages, orders: [] }
    ]
    const task = ctx.vm.newTask(mm, 0)
    ctx.spawn(task, this.run(ctx, task, order, regionPages, smallPages, ctx.rng.fork(0)))
  }

  private *run(ctx: WorkloadContext, task: Task, order: number, regionPages: number, smallPages: number, rng: Rng): Program {
    const { vm } = ctx
    const c = vm.counters
    const nr = 1 << order
    const drops = Math.floor(Number(this.p.dropBytes) / 4096 / nr)
    const smallDrops = Math.floor(smallPages * SMALL_DROP_SHARE)
    for (let it = 0; it < this.iterations; it++) {
      const out0 = c.swpout[order]
      const fb0 = c.swpoutFallback[order]
      const small0 = c.swpout[0]
      yield* this.dropAndDirty(ctx, task, 0, regionPages / nr, nr, drops, rng)
      if (smallPages) yield* this.dropAndDirty(ctx, task, regionPages, smallPages, 1, smallDrops, rng)
      yield* vm.pageout(task, 0, regionPages)
      if (smallPages) yield* vm.pageout(task, regionPages, smallPages)
      const out = c.swpout[order] - out0
      const fb = c.swpoutFallback[order] - fb0
      this.fallbackPct.push(out + fb ? (100 * fb) / (out + fb) : 0)
      if (smallPages) {
        // Order 0 cannot fall back; what shows is how much of the iteration's 4 KiB swapout
        // is split mTHP pages competing with the small area's own folios for order-0 slots.
        const small = c.swpout[0] - small0
        this.smallFallbackPct.push(small ? (100 * fb * nr) / small : 0)
      }
      this.freeClusters.push(vm.design.clusterLists().free)
      this.iterationsDone++
    }
  }

  /** random_madvise_dontneed: `count` random chunks of `nr` pages, each re-dirtied at once. */
  private *dropAndDirty(ctx: WorkloadContext, task: Task, start: number, chunks: number, nr: number, count: number, rng: Rng): Program {
    const { vm } = ctx
    for (let i = 0; i < count; i++) {
      const base = start + rng.int(chunks) * nr
      vm.unmap(task, base, nr)
      for (let k = 0; k < nr; k++) {
        const f = vm.touch(task, base + k, true)
        if (f) yield* f
      }
      yield CHECKPOINT
    }
  }

  progress(): number {
    return this.iterations ? this.iterationsDone / this.iterations : 1
  }

  results(): Record<string, number | number[]> {
    const n = this.fallbackPct.length
    return {
      fallbackPercentPerIteration: this.fallbackPct,
      smallFallbackPercentPerIteration: this.smallFallbackPct,
      fallbackPercentMean: n ? this.fallbackPct.reduce((a, b) => a + b, 0) / n : 0,
      freeClustersPerIteration: this.freeClusters
    }
  }
}
