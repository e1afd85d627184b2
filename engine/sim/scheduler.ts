// Discrete-event scheduler: N simulated CPUs, each with its own clock and run queue, plus
// timed events (I/O completions, wakeups). The CPU with the earliest clock always runs
// next, until it passes the next event or another CPU's clock, so effects happen in
// simulated-time order and one seed always yields the same interleaving.

import { EventHeap, type TimedEvent } from './heap'
import { COST } from './cost'

/**
 * A task's program: a generator that yields CHECKPOINT after each unit of work (so the
 * scheduler may switch CPUs) or an absolute simulated time to block until (I/O wait).
 */
export type Program = Generator<number, void, void>
export const CHECKPOINT = -1

export interface SimClock {
  /** No CPU or event can act before this time any more (used to prune lock history). */
  low: number
}

export class Cpu {
  now = 0 /** simulated clock, ns */
  sysNs = 0 /** time charged to kernel work */
  current: SimTaskBase | null = null /** task running on this CPU */
  readonly runQueue: SimTaskBase[] = [] /** runnable tasks waiting for this CPU */
  sliceEnd = 0 /** the current task yields the CPU at a checkpoint past this time */
  constructor(readonly id: number) {}

  /** Charge kernel work. */
  charge(ns: number): void {
    this.now += ns
    this.sysNs += ns
  }
}

export interface SimTaskBase {
  readonly id: number
  cpu: number
  program: Program | null
  done: boolean
  /** Blocked until a time (a timed event pending); `wake` may end the sleep earlier. */
  sleeping?: boolean
  /** Sleep generation: a timer event of an earlier sleep (ended by `wake`) is stale. */
  sleepSeq?: number
}

interface SchedEvent extends TimedEvent {
  task?: SimTaskBase
  /** sleepSeq of the sleep this timer ends */
  sleep?: number
  fn?: () => void
}

/** Time a task may run before yielding its CPU to another runnable task. */
const QUANTUM_NS = 1_000_000

export class Scheduler {
  readonly cpus: Cpu[]
  readonly clock: SimClock = { low: 0 }
  private readonly events = new EventHeap<SchedEvent>()
  /** Observers (sampling): kept apart from the events so they never change what runs when. */
  private readonly observers = new EventHeap<SchedEvent>()
  private nextObserver = Infinity
  private liveTasks = 0
  /** The running slice stops at a checkpoint past this time; lowered by work scheduled during it. */
  private horizon = Infinity
  onTaskExit: ((task: SimTaskBase) => void) | null = null

  constructor(ncpus: number) {
    this.cpus = Array.from({ length: ncpus }, (_, i) => new Cpu(i))
  }

  get now(): number {
    return this.clock.low
  }

  /** Latest clock of any CPU: the simulated duration of the run so far. */
  maxClock(): number {
    let m = 0
    for (const c of this.cpus) if (c.now > m) m = c.now
    return m
  }

  addTask(task: SimTaskBase, at?: number): void {
    const cpu = this.cpus[task.cpu]
    this.liveTasks++
    if (at !== undefined && at > cpu.now) {
      this.events.push({ time: at, task })
      this.lowerHorizon(at)
    } else {
      if (!cpu.current && cpu.runQueue.length === 0 && at !== undefined) cpu.now = Math.max(cpu.now, at)
      cpu.runQueue.push(task)
      this.lowerHorizon(cpu.now)
    }
  }

  /** Work scheduled by the running task (a spawn, an I/O completion) may end its slice earlier. */
  private lowerHorizon(t: number): void {
    if (t < this.horizon) this.horizon = t
  }

  /**
   * Ends a task's timed sleep early, at `time` (a wake_up on a wait queue it sleeps on with
   * a timeout). Does nothing when the task is not sleeping (it already woke up).
   */
  wake(task: SimTaskBase, time: number): void {
    if (!task.sleeping) return
    task.sleepSeq = (task.sleepSeq ?? 0) + 1
    this.events.push({ time, task, sleep: task.sleepSeq })
    this.lowerHorizon(time)
  }

  /** Run `fn` at simulated time `time` (I/O completion, timers). */
  at(time: number, fn: () => void): void {
    this.events.push({ time, fn })
    this.lowerHorizon(time)
  }

  /**
   * Run `fn` once simulated time reaches `time`, to look at the state (a sample of the time
   * series). Unlike `at`, it never ends a slice, reorders CPUs or moves the low-water clock:
   * it runs at the first checkpoint where the running CPU is at or past `time` (and no other
   * runnable CPU is still before it), or between steps, so how often the state is observed
   * cannot change the simulation. `fn` must only read.
   */
  observe(time: number, fn: () => void): void {
    this.observers.push({ time, fn })
    this.nextObserver = this.observers.peekTime()
  }

  /** Runs the observers due at `t`. */
  private runObservers(t: number): void {
    const obs = this.observers
    while (obs.peekTime() <= t) obs.pop()!.fn!()
    this.nextObserver = obs.peekTime()
  }

  get tasksAlive(): number {
    return this.liveTasks
  }

  /**
   * Run until every task has finished, or `stop()` returns true (checked between steps).
   * Returns false when stopped early.
   */
  run(stop: () => boolean): boolean {
    const cpus = this.cpus
    const events = this.events
    let steps = 0
    for (;;) {
      if ((++steps & 255) === 0 && stop()) return false
      let best: Cpu | null = null
      let second = Infinity
      for (let i = 0; i < cpus.length; i++) {
        const c = cpus[i]
        if (!c.current && c.runQueue.length === 0) continue
        if (!best || c.now < best.now) {
          if (best) second = Math.min(second, best.now)
          best = c
        } else if (c.now < second) second = c.now
      }
      const evT = events.peekTime()
      // Observers due before anything else can happen (the earliest runnable CPU and the next event are at or past them).
      const upTo = best ? Math.min(best.now, evT) : evT
      if (this.nextObserver <= upTo && upTo !== Infinity) this.runObservers(upTo)
      if (!best && evT === Infinity) return true
      if (!best || evT <= best.now) {
        const ev = events.pop()!
        if (ev.time > this.clock.low) this.clock.low = ev.time
        if (ev.task) {
          // The timer of a sleep that a wake ended already: nothing to do.
          if ((ev.sleep ?? 0) !== (ev.task.sleepSeq ?? 0) || (ev.sleep !== undefined && !ev.task.sleeping)) continue
          ev.task.sleeping = false
          const cpu = cpus[ev.task.cpu]
          if (!cpu.current && cpu.runQueue.length === 0 && cpu.now < ev.time) cpu.now = ev.time
          cpu.runQueue.push(ev.task)
        } else ev.fn!()
        continue
      }
      if (best.now > this.clock.low) this.clock.low = best.now
      this.horizon = Math.min(evT, second)
      let task = best.current
      if (!task) {
        task = best.runQueue.shift()!
        best.current = task
        best.sliceEnd = best.now + QUANTUM_NS
        best.charge(COST.contextSwitch)
      }
      const program = task.program!
      for (;;) {
        const r = program.next()
        if (r.done) {
          task.done = true
          task.program = null
          best.current = null
          this.liveTasks--
          this.onTaskExit?.(task)
          break
        }
        const v = r.value
        if (v >= 0) {
          if (v > best.now) {
            best.current = null
            task.sleeping = true
            events.push({ time: v, task, sleep: task.sleepSeq ?? 0 })
            break
          }
          continue
        }
        // An observer due inside the slice (no runnable CPU is behind it) sees the state here.
        if (this.nextObserver <= best.now && this.nextObserver <= second) this.runObservers(Math.min(best.now, second))
        if (best.now >= best.sliceEnd && best.runQueue.length) {
          best.runQueue.push(task)
          best.current = null
          break
        }
        if (best.now > this.horizon) break
      }
    }
  }
}
