// Time slicing: tasks sharing a CPU take turns, even while other CPUs keep interrupting
// the running slice (which must not restart the quantum).

import { expect, it } from 'vitest'
import { CHECKPOINT, Scheduler, type Program, type SimTaskBase } from './scheduler'

it('tasks on one CPU interleave every quantum while another CPU runs alongside', () => {
  const s = new Scheduler(2)
  const log: string[] = []
  const mk = (id: number, cpu: number, steps: number): SimTaskBase => {
    const t: SimTaskBase = { id, cpu, program: null, done: false }
    t.program = (function* (): Program {
      for (let i = 0; i < steps; i++) {
        s.cpus[cpu].now += 1000 // 1 us of work per step
        if (log[log.length - 1] !== `t${id}`) log.push(`t${id}`)
        yield CHECKPOINT
      }
    })()
    return t
  }
  s.addTask(mk(1, 0, 5000))
  s.addTask(mk(2, 0, 5000))
  s.addTask(mk(3, 1, 10000))
  expect(s.run(() => false)).toBe(true)
  const cpu0 = log.filter((x) => x !== 't3')
  // 5 ms of work each with a 1 ms quantum: they alternate several times, not one after the other.
  const switches = cpu0.filter((x, i) => i > 0 && x !== cpu0[i - 1]).length
  expect(switches).toBeGreaterThanOrEqual(8)
  expect(s.cpus[0].now).toBeGreaterThanOrEqual(10_000_000)
})
