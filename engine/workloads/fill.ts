// Fill: one task touches what fits under the memory limit plus a target share of the swap space, so the
// devices end up that full; it stays alive so metadata is measured at that fill level.

import { CHECKPOINT, type Program } from '../sim/scheduler'
import type { Task } from '../mm/vm'
import type { Workload, WorkloadContext } from './workload'
import { MM_KMEM_PAGES, PMD_SPAN, PTE_SPAN, TASK_KMEM_PAGES } from '../mm/memcg'

export class Fill implements Workload {
  private done = 0
  private total = 0
  private swapped = 0
  private totalSlots = 0

  constructor(private readonly p: Record<string, number | string | boolean>) {}

  start(ctx: WorkloadContext): void {
    this.totalSlots = ctx.vm.design.totalSlots()
    const target = Math.floor((this.totalSlots * Number(this.p.targetPercent)) / 100)
    // What stays resident is the limit less what the memcg charges besides the folios: the
    // task's kernel memory and the page tables of the mapping (engine/mm/memcg.ts).
    const beside = TASK_KMEM_PAGES + MM_KMEM_PAGES + ctx.vm.memcg.counter
    const room = ctx.vm.limitPages + target - beside
    this.total = room - Math.ceil(room / PTE_SPAN) - Math.ceil(room / PMD_SPAN)
    const mm = ctx.vm.newMm(this.total)
    const task = ctx.vm.newTask(mm, 0)
    ctx.spawn(task, this.run(ctx, task))
  }

  private *run(ctx: WorkloadContext, task: Task): Program {
    const { vm } = ctx
    for (let v = 0; v < this.total; v++) {
      const f = vm.touch(task, v, true)
      if (f) yield* f
      this.done++
      if ((v & 63) === 0) yield CHECKPOINT
    }
    // Let writeback finish so every swapped page is out of the cache.
    yield* vm.settle(task)
    this.swapped = vm.design.usedSlots()
  }

  progress(): number {
    return this.total ? this.done / this.total : 1
  }

  results(): Record<string, number | number[]> {
    return { fillPercent: this.totalSlots ? (100 * this.swapped) / this.totalSlots : 0, usedSlots: this.swapped }
  }
}
