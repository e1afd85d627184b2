// A simulated spinlock. Because simulated CPUs run out of order within a small window,
// a lock keeps the intervals it is held (sorted, pruned below the scheduler's low-water
// time) and grants each acquisition the first gap at or after the caller's clock: waiting
// time is then true contention, not an artefact of the order CPUs were stepped in.

import { COST, type LockDomain } from './cost'
import type { SimClock, Cpu } from './scheduler'
import type { Counters } from '../types'

export class SimLock {
  private starts: number[] = [] /** start times of holds, sorted; [head, length) are live */
  private ends: number[] = []
  private head = 0

  constructor(
    readonly domain: LockDomain,
    private readonly clock: SimClock,
    private readonly counters: Counters
  ) {}

  /**
   * For work already charged since t0 without the lock: rewinds the CPU to t0 and replays
   * that work as the hold time, so the lock is held exactly as long as the work took.
   */
  holdAfter(cpu: Cpu, t0: number): number {
    const work = cpu.now - t0
    cpu.now = t0
    cpu.sysNs -= work
    return this.hold(cpu, work)
  }

  /** Acquire, hold for `holdNs` of work, release; charges wait + hold to the CPU. Returns the wait. */
  hold(cpu: Cpu, holdNs: number): number {
    const hold = holdNs + COST.lockBase
    const starts = this.starts
    const ends = this.ends
    // Drop intervals that ended before any CPU can still ask for the lock.
    const low = this.clock.low
    let head = this.head
    while (head < ends.length && ends[head] <= low) head++
    if (head > 64 && head * 2 > ends.length) {
      starts.splice(0, head)
      ends.splice(0, head)
      head = 0
    }
    this.head = head
    let t = cpu.now
    const n = ends.length
    if (n === head || ends[n - 1] <= t) {
      // Common case: nobody holds or will hold the lock after t.
      starts.push(t)
      ends.push(t + hold)
    } else {
      let i = head
      for (; i < n; i++) {
        if (ends[i] <= t) continue
        if (starts[i] >= t + hold) break
        t = ends[i]
      }
      starts.splice(i, 0, t)
      ends.splice(i, 0, t + hold)
    }
    const wait = t - cpu.now
    const c = this.counters
    c.lockAcquisitions[this.domain]++
    if (wait > 0) {
      c.lockContended[this.domain]++
      c.lockWaitNs[this.domain] += wait
    }
    cpu.now = t + hold
    cpu.sysNs += wait + hold
    return wait
  }
}

/** Locks created on first use, one per index (per cluster, per address space). */
export class LockArray {
  private readonly locks = new Map<number, SimLock>()

  constructor(
    private readonly domain: LockDomain,
    private readonly clock: SimClock,
    private readonly counters: Counters
  ) {}

  get(index: number): SimLock {
    let l = this.locks.get(index)
    if (!l) {
      l = new SimLock(this.domain, this.clock, this.counters)
      this.locks.set(index, l)
    }
    return l
  }
}
