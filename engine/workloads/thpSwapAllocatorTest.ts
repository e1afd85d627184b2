// thp_swap_allocator_test (tools/testing/selftests/mm in torvalds/linux): can mTHP swapout
// keep getting whole, naturally aligned slot runs while the swap space fragments? The
// workload follows the selftest's sequence exactly (its current form, with the warm-up,
// the random swapin and the aligned mode `-a`):
//
//   mem1: the region (60 MiB, 64 KiB aligned, MADV_HUGEPAGE: folios of `mthpOrder` only,
//         as the selftest's setup enables 64 kB mTHP and disables 2 MB);
//   mem2: with `-s` (smallFolioArea), the small-folio area (4 MiB, MADV_NOHUGEPAGE);
//   warm-up: memset(mem1) and MADV_PAGEOUT it; with -s the same for mem2;
//   100 iterations, each:
//     read swpout / swpout_fallback of the mTHP size;
//     random_swapin(mem1): 16 MiB in random chunks, each written (memset) at once; a chunk
//       is 64 KiB aligned with -a (alignedSwapin), else 4 KiB;
//     random_madvise_dontneed(mem1): 16 MiB in random 64 KiB aligned chunks, each dropped
//       (MADV_DONTNEED) and written again at once (a fresh mTHP faults in);
//     with -s, random_swapin(mem2): 1 MiB in random 4 KiB chunks;
//     MADV_PAGEOUT mem1, then with -s mem2;
//     fallback % = fallback / (swpout + fallback) over the iteration.
//
// Offsets are drawn from the run's RNG (the selftest uses rand()), one draw per chunk in the
// selftest's order. The memory limit plays no part beyond reclaim during the swapins; the
// device must hold the region (the selftest's setup: a 64 MiB zram device).

import type { Task } from '../mm/vm'
import { CHECKPOINT, type Program } from '../sim/scheduler'
import type { Rng } from '../sim/rng'
import type { Workload, WorkloadContext } from './workload'

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
    // random_swapin(mem1, ..., aligned ? ALIGNMENT_MTHP : ALIGNMENT_SMALLFOLIO, TOTAL_DONTNEED_MTHP)
    const swapinChunk = this.p.alignedSwapin ? nr : 1
    const swapins = Math.floor(Number(this.p.swapinBytes) / 4096 / swapinChunk)
    const smallSwapins = Math.floor(Number(this.p.smallSwapinBytes) / 4096)

    // Warm-up phase to occupy the swap device.
    yield* this.write(ctx, task, 0, regionPages)
    yield* vm.pageout(task, 0, regionPages)
    if (smallPages) {
      yield* this.write(ctx, task, regionPages, smallPages)
      yield* vm.pageout(task, regionPages, smallPages)
    }

    for (let it = 0; it < this.iterations; it++) {
      const out0 = c.swpout[order]
      const fb0 = c.swpoutFallback[order]
      const small0 = c.swpout[0]
      yield* this.randomSwapin(ctx, task, 0, regionPages / swapinChunk, swapinChunk, swapins, rng)
      yield* this.dropAndDirty(ctx, task, 0, regionPages / nr, nr, drops, rng)
      if (smallPages) yield* this.randomSwapin(ctx, task, regionPages, smallPages, 1, smallSwapins, rng)
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

  /** memset over [start, start + n): every page written (faulting it in if needed). */
  private *write(ctx: WorkloadContext, task: Task, start: number, n: number): Program {
    for (let v = start; v < start + n; v++) {
      const f = ctx.vm.touch(task, v, true)
      if (f) yield* f
      if ((v & 63) === 63) yield CHECKPOINT
    }
    yield CHECKPOINT
  }

  /** random_swapin: `count` random chunks of `nr` pages, each written (memset) at once. */
  private *randomSwapin(ctx: WorkloadContext, task: Task, start: number, chunks: number, nr: number, count: number, rng: Rng): Program {
    for (let i = 0; i < count; i++) {
      const base = start + rng.int(chunks) * nr
      for (let k = 0; k < nr; k++) {
        const f = ctx.vm.touch(task, base + k, true)
        if (f) yield* f
      }
      yield CHECKPOINT
    }
  }

  /** random_madvise_dontneed: `count` random chunks of `nr` pages, each dropped and re-dirtied at once. */
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
