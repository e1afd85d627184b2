// usemem's barrier after each pass (usemem.c --barrier): no task starts a pass before every
// task has finished the one before, nor unmaps before all have finished, whatever the scheduler does.

import { afterEach, describe, expect, it, vi } from 'vitest'
import { Vm, type Task } from '../mm/vm'
import { runOnce } from './testKit'

afterEach(() => vi.restoreAllMocks())

/** The passes of each touch, in the order the tasks made them. */
function passOrder(barrier: boolean): number[] {
  const pages = 256
  const count = new Map<number, number>()
  const order: number[] = []
  const touch = Vm.prototype.touch
  vi.spyOn(Vm.prototype, 'touch').mockImplementation(function (this: Vm, task: Task, vpn: number, write: boolean) {
    const n = count.get(task.id) ?? 0
    count.set(task.id, n + 1)
    order.push(Math.floor(n / pages))
    return touch.call(this, task, vpn, write)
  })
  const unmap = Vm.prototype.unmap
  vi.spyOn(Vm.prototype, 'unmap').mockImplementation(function (this: Vm, task: Task, start: number, n: number) {
    order.push(-1) // an unmap: must come after every touch
    return unmap.call(this, task, start, n)
  })
  // Three tasks on two CPUs: the one alone on its CPU runs ahead of the two that share one.
  runOnce({
    design: 'cluster',
    workload: { name: 'usemem', params: { tasks: 3, sizeBytes: pages * 4096, passes: 3, barrier } },
    memoryLimitBytes: 2 * 2 ** 20,
    devices: [{ sizeBytes: 16 * 2 ** 20, preset: 'nvme' }],
    cpus: 2
  })
  return order
}

/** Whether some touch of a pass came before the last touch of an earlier pass, or an unmap before a touch. */
const overlaps = (order: number[]): boolean =>
  order.some((p, i) => order.slice(i + 1).some((q) => (p === -1 ? q !== -1 : q !== -1 && q < p)))

describe('usemem --barrier', () => {
  it('keeps the passes apart', () => {
    const order = passOrder(true)
    expect(order).toHaveLength(3 * 3 * 256 + 3)
    expect(order.slice(-3)).toEqual([-1, -1, -1])
    expect(overlaps(order)).toBe(false)
  })
  it('without it, a task runs ahead into its next pass', () => {
    expect(overlaps(passOrder(false))).toBe(true)
  })
})
