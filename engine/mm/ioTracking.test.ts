// The VM remembers only I/O still in flight (reclaim may wait for it): synchronous reads
// finish on the faulting CPU and completed ones are forgotten, so a long swapin-heavy run
// does not accumulate one entry per page.

import { expect, it } from 'vitest'
import { resolveEngineConfig } from '../config'
import { createDesign } from '../designs/factory'
import { emptyCounters } from '../metrics/counters'
import { MetadataOnlyStore } from '../device/pageStore'
import { CHECKPOINT, Scheduler, type Program } from '../sim/scheduler'
import { Vm } from './vm'

function swapinHeavy(preset: 'zram' | 'nvme'): { swapins: number; tracked: number } {
  const cfg = resolveEngineConfig({
    design: 'swap-table',
    designOptions: { phase: 2 },
    devices: [{ sizeBytes: 64 * 2 ** 20, preset }],
    memoryLimitBytes: 256 * 1024,
    cpus: 1,
    storage: 'metadata-only'
  })
  const counters = emptyCounters()
  const sched = new Scheduler(1)
  const vm = new Vm(cfg, sched, createDesign(cfg, [new MetadataOnlyStore()], counters, sched.clock), counters)
  const task = vm.newTask(vm.newMm(4096), 0)
  task.program = (function* (): Program {
    for (let pass = 0; pass < 3; pass++)
      for (let v = 0; v < 4096; v++) {
        const f = vm.touch(task, v, false)
        if (f) yield* f
        yield CHECKPOINT
      }
  })()
  sched.addTask(task)
  expect(sched.run(() => false)).toBe(true)
  vm.check()
  return { swapins: counters.pswpin, tracked: (vm as unknown as { ioEnds: number[] }).ioEnds.length }
}

it('keeps no completion for synchronous reads and prunes finished asynchronous ones', () => {
  const zram = swapinHeavy('zram')
  expect(zram.swapins).toBeGreaterThan(8000)
  expect(zram.tracked).toBe(0)
  const nvme = swapinHeavy('nvme')
  expect(nvme.swapins).toBeGreaterThan(8000)
  expect(nvme.tracked).toBeLessThanOrEqual(1024)
})
