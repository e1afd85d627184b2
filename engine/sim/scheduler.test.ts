// The scheduler keeps CPUs in simulated-time order, also for work scheduled mid-slice.

import { describe, expect, it } from 'vitest'
import { CHECKPOINT, Scheduler, type Program, type SimTaskBase } from './scheduler'

const task = (id: number, cpu: number): SimTaskBase => ({ id, cpu, program: null, done: false })

describe('Scheduler', () => {
  it('a task spawned on an idle CPU runs before the spawning CPU gets past its start time', () => {
    const s = new Scheduler(2)
    const log: string[] = []
    const a = task(1, 0)
    const b = task(2, 1)
    a.program = (function* (): Program {
      const t0 = s.cpus[0].now
      b.program = (function* (): Program {
        log.push('b')
      })()
      s.addTask(b, t0)
      for (let i = 0; i < 5; i++) {
        s.cpus[0].now += 100_000
        log.push('a')
        yield CHECKPOINT
      }
    })()
    s.addTask(a)
    expect(s.run(() => false)).toBe(true)
    // b (starting at t0, plus one context switch) comes right after a's first step past t0;
    // before the fix the slice's horizon ignored it and a ran all five steps first.
    expect(log).toEqual(['a', 'b', 'a', 'a', 'a', 'a'])
  })

  it('an event scheduled mid-slice at an earlier time than the running clock fires before the slice goes on', () => {
    const s = new Scheduler(1)
    const log: string[] = []
    const a = task(1, 0)
    a.program = (function* (): Program {
      s.at(s.cpus[0].now + 50, () => log.push('event'))
      for (let i = 0; i < 3; i++) {
        s.cpus[0].now += 100
        log.push('a')
        yield CHECKPOINT
      }
    })()
    s.addTask(a)
    s.run(() => false)
    expect(log).toEqual(['a', 'event', 'a', 'a'])
  })

  it('observers see the state at their time without ending slices or changing the order CPUs run in', () => {
    // Two CPUs that take turns; observers at every 30 ns must not change the interleaving.
    const trace = (observeEvery: number | null): { log: string[]; seen: number[][] } => {
      const s = new Scheduler(2)
      const log: string[] = []
      const seen: number[][] = []
      for (const cpu of [0, 1]) {
        const t = task(cpu + 1, cpu)
        t.program = (function* (): Program {
          for (let i = 0; i < 6; i++) {
            s.cpus[cpu].now += cpu ? 70 : 40
            log.push(`${cpu}@${s.cpus[cpu].now}`)
            yield CHECKPOINT
          }
        })()
        s.addTask(t)
      }
      if (observeEvery) {
        const arm = (at: number): void =>
          s.observe(at, () => {
            seen.push([at, s.cpus[0].now, s.cpus[1].now])
            if (s.tasksAlive > 0) arm(at + observeEvery)
          })
        arm(0)
      }
      expect(s.run(() => false)).toBe(true)
      return { log, seen }
    }
    const plain = trace(null)
    const observed = trace(30)
    expect(observed.log).toEqual(plain.log)
    // Every observer ran once, in order, when no CPU with work was still before its time.
    expect(observed.seen.map((x) => x[0])).toEqual(observed.seen.map((_, i) => i * 30))
    for (const [at, c0, c1] of observed.seen) expect(Math.max(c0, c1)).toBeGreaterThanOrEqual(at)
  })
})
