// Trace replay: a recorded page-access trace (valgrind lackey or csv, see traceParse.ts)
// streamed from disk, never loaded whole. A first pass finds each task's distinct pages
// and numbers them in address order (a compact virtual page space that keeps neighbours
// together for readahead and mTHP; the VM needs each mm's size up front); then the trace
// is replayed `repeat` times in recorded order on one CPU, each trace task being its own
// address space. Runs of accesses to one page collapse into one touch.

import type { Task } from '../mm/vm'
import { CHECKPOINT, type Program } from '../sim/scheduler'
import { openTrace, resolveTraceSource, type TraceFile } from '../device/traceFile'
import { PageAccessStream, type TraceFormat } from './traceParse'
import type { Workload, WorkloadContext } from './workload'

/** User time per recorded access (an instruction fetch or a data access). */
const USER_NS_PER_ACCESS = 1

export class TraceReplay implements Workload {
  private file: TraceFile | null = null
  private passes = 0
  private passesDone = 0
  private accesses = 0 /** recorded accesses replayed (lines), over all repeats */
  private pageAccesses = 0 /** touches after collapsing runs, over all repeats */
  private distinctPages = 0
  private tasks = 0

  constructor(private readonly p: Record<string, number | string | boolean>) {}

  start(ctx: WorkloadContext): void {
    this.file = openTrace(resolveTraceSource(String(this.p.source)))
    this.passes = 1 + Number(this.p.repeat)
    // The replayer (think of a ptrace-driven player) owns one page; trace tasks come later.
    const player = ctx.vm.newTask(ctx.vm.newMm(1), 0)
    ctx.spawn(player, this.run(ctx, player))
  }

  private *run(ctx: WorkloadContext, player: Task): Program {
    const { vm } = ctx
    const file = this.file!
    const format = this.p.format as TraceFormat | 'auto'
    // Pass 1: distinct pages per task, then vpns in address order.
    const pages = new Map<number, Map<number, number>>()
    let s = new PageAccessStream(format)
    const see = (n: number): void => {
      for (let k = 0; k < n; k++) {
        let m = pages.get(s.outTask[k])
        if (!m) pages.set(s.outTask[k], (m = new Map()))
        m.set(s.outPage[k], 0)
      }
    }
    let lines = 0
    for (const line of file.lines()) {
      see(s.push(line))
      if ((++lines & 4095) === 0) yield CHECKPOINT // lets the run be cancelled and report progress
    }
    see(s.flush())
    this.passesDone++
    if (s.accessLines === 0) throw new Error(`trace ${file.path} holds no accesses (format ${format})`)
    const tasks = new Map<number, Task>()
    for (const id of [...pages.keys()].sort((a, b) => a - b)) {
      const m = pages.get(id)!
      const sorted = Float64Array.from(m.keys()).sort()
      sorted.forEach((page, vpn) => m.set(page, vpn))
      tasks.set(id, vm.newTask(vm.newMm(sorted.length), player.cpu))
      this.distinctPages += sorted.length
    }
    this.tasks = tasks.size
    // Replays, streaming the file again each time.
    for (let r = 0; r < this.passes - 1; r++) {
      s = new PageAccessStream(format)
      for (const line of file.lines()) yield* this.replay(ctx, s, s.push(line), tasks, pages)
      yield* this.replay(ctx, s, s.flush(), tasks, pages)
      this.accesses += s.accessLines
      this.passesDone++
    }
    for (const t of tasks.values()) vm.exit(t)
    vm.exit(player)
  }

  private *replay(
    ctx: WorkloadContext,
    s: PageAccessStream,
    n: number,
    tasks: Map<number, Task>,
    pages: Map<number, Map<number, number>>
  ): Program {
    const { vm } = ctx
    for (let k = 0; k < n; k++) {
      const task = tasks.get(s.outTask[k])!
      const f = vm.touch(task, pages.get(s.outTask[k])!.get(s.outPage[k])!, s.outWrite[k])
      if (f) yield* f
      vm.cpuOf(task).now += USER_NS_PER_ACCESS * s.outCount[k]
      this.pageAccesses++
      yield CHECKPOINT
    }
  }

  progress(): number {
    const f = this.file
    if (!f || !this.passes) return 0
    const inPass = this.passesDone < this.passes && f.sizeBytes ? f.bytesRead / f.sizeBytes : 0
    return Math.min(1, (this.passesDone + inPass) / this.passes)
  }

  results(): Record<string, number | number[]> {
    return { accesses: this.accesses, pageAccesses: this.pageAccesses, distinctPages: this.distinctPages, traceTasks: this.tasks }
  }
}
