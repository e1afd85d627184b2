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
})
