// The memcg page counter beside the folios (memcg.ts): the per-CPU charge stock as
// try_charge_memcg uses it, and the page tables, kernel and program memory a run charges.

import { afterAll, describe, expect, it } from 'vitest'
import * as path from 'node:path'
import { resolveEngineConfig } from '../config'
import { createDesign } from '../designs/factory'
import { emptyCounters } from '../metrics/counters'
import { FileDevice } from '../device/fileDevice'
import { makeDeviceDir, removeDeviceDir } from '../device/tempDir'
import { CHECKPOINT, Scheduler, type Program } from '../sim/scheduler'
import { PAGE_SIZE } from '../types'
import { Vm, type Task } from './vm'
import { Memcg, MEMCG_CHARGE_BATCH, MM_KMEM_PAGES, TASK_KMEM_PAGES } from './memcg'
import { usememProgramPages } from '../workloads/usemem'
import { runOnce } from '../workloads/testKit'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDeviceDir))

describe('the per-CPU charge stock (try_charge_memcg, consume_stock, refill_stock, drain_all_stock)', () => {
  it('charges a batch while it fits, serves later charges from the stock, and charges one at a time at the limit', () => {
    const m = new Memcg(1000, 2)
    expect(m.tryCharge(0, 1)).toBe(true)
    // The counter took a whole batch; the surplus waits in CPU 0's stock.
    expect(m.counter).toBe(MEMCG_CHARGE_BATCH)
    expect(m.stock[0]).toBe(MEMCG_CHARGE_BATCH - 1)
    for (let i = 0; i < MEMCG_CHARGE_BATCH - 1; i++) expect(m.tryCharge(0, 1)).toBe(true)
    expect(m.counter).toBe(MEMCG_CHARGE_BATCH)
    expect(m.stock[0]).toBe(0)
    // CPU 1 has its own stock.
    expect(m.tryCharge(1, 4)).toBe(true)
    expect(m.stock[1]).toBe(MEMCG_CHARGE_BATCH - 4)
    expect(m.counter).toBe(2 * MEMCG_CHARGE_BATCH)
    // Near the limit the batch no longer fits: nr alone is charged, the stock is not refilled.
    while (m.counter + MEMCG_CHARGE_BATCH <= 1000) expect(m.tryCharge(0, MEMCG_CHARGE_BATCH)).toBe(true)
    const before = m.counter
    expect(m.tryCharge(0, 1)).toBe(true)
    expect(m.counter).toBe(before + 1)
    expect(m.stock[0]).toBe(0)
    while (m.counter < 1000) expect(m.tryCharge(0, 1)).toBe(true)
    expect(m.tryCharge(0, 1)).toBe(false)
    // CPU 1 still has its stock: its charges succeed at the limit, until the stock is drained.
    expect(m.fits(1, 1)).toBe(true)
    m.drainAll()
    expect(m.stockPages).toBe(0)
    expect(m.counter).toBe(1000 - (MEMCG_CHARGE_BATCH - 4))
    expect(m.drains).toBe(1)
  })

  it('returns freed kernel pages to the stock and drains a stock that grows past the batch', () => {
    const m = new Memcg(10_000, 1)
    m.forceCharge(0, 100)
    m.kernelPages = 100
    expect(m.counter).toBe(100)
    m.unchargeKernel(0, 40)
    expect(m.stock[0]).toBe(40)
    expect(m.counter).toBe(100)
    m.unchargeKernel(0, 40)
    // 80 > MEMCG_CHARGE_BATCH: drain_stock gave them all back.
    expect(m.stock[0]).toBe(0)
    expect(m.counter).toBe(20)
  })
})

describe('what a run charges besides its folios', () => {
  function vmOf(limitPages: number, cpus = 2): Vm {
    const dir = makeDeviceDir()
    dirs.push(dir)
    const cfg = resolveEngineConfig({
      design: 'cluster',
      devices: [{ sizeBytes: 4096 * PAGE_SIZE, preset: 'nvme' }],
      memoryLimitBytes: limitPages * PAGE_SIZE,
      cpus,
      storage: 'file',
      checkInvariants: true
    })
    const counters = emptyCounters()
    const sched = new Scheduler(cpus)
    const store = new FileDevice(path.join(dir, 'swap0.img'), 0, 4096, false)
    return new Vm(cfg, sched, createDesign(cfg, [store], counters, sched.clock), counters)
  }

  it('charges a PTE page per 2 MiB touched and a PMD page per 1 GiB, the task and mm kernel memory, and frees them at exit', () => {
    const vm = vmOf(100_000)
    const mm = vm.newMm(16384) // 64 MiB
    const t: Task = vm.newTask(mm, 0)
    expect(vm.memcg.kernelPages).toBe(TASK_KMEM_PAGES + MM_KMEM_PAGES)
    vm.chargeProgramPages(t, usememProgramPages(16384))
    expect(usememProgramPages(16384)).toBe(23)
    function* toucher(): Program {
      // Every other 2 MiB region: 16 PTE pages and their PMD page.
      for (let v = 0; v < 16384; v += 1024) {
        const f = vm.touch(t, v, true)
        if (f) yield* f
        yield CHECKPOINT
      }
    }
    t.program = toucher()
    vm.sched.addTask(t)
    expect(vm.sched.run(() => false)).toBe(true)
    expect(mm.ptePages).toBe(16)
    expect(mm.pmdPages).toBe(1)
    expect(vm.memcg.pageTablePages).toBe(17)
    expect(vm.memcg.kernelPages).toBe(TASK_KMEM_PAGES + MM_KMEM_PAGES + 23 + 17)
    expect(vm.memcg.counter).toBe(vm.usedPages + vm.memcg.kernelPages + vm.memcg.stockPages)
    vm.check()
    vm.exit(t)
    expect(vm.memcg.kernelPages).toBe(0)
    expect(vm.memcg.pageTablePages).toBe(0)
    expect(vm.usedPages).toBe(0)
    // What is left charged is stock, within the batch per CPU.
    expect(vm.memcg.counter).toBe(vm.memcg.stockPages)
    expect(vm.memcg.stockPages).toBeLessThanOrEqual(MEMCG_CHARGE_BATCH * 2)
    vm.check()
  })

  it('leaves the workload less room than the limit: usemem writes out more than it would with only its folios charged', () => {
    // 1 task x 16 MiB, limit 8 MiB: the folios of the mapping get the limit minus the page
    // tables (8 + 1), the kernel memory (19), the program (11) and the stock.
    const s = runOnce({
      design: 'cluster',
      workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 16 * 2 ** 20, passes: 1 } },
      memoryLimitBytes: 8 * 2 ** 20,
      devices: [{ sizeBytes: 64 * 2 ** 20, preset: 'nvme' }],
      cpus: 1
    })
    // Sequential, one pass: everything beyond what stays resident is written once.
    const resident = 4096 - s.counters.pswpout
    expect(resident).toBeLessThanOrEqual(2048 - (9 + TASK_KMEM_PAGES + MM_KMEM_PAGES + usememProgramPages(4096)))
    expect(resident).toBeGreaterThan(2048 - 200)
  })
})
