// Model-based test of the VM: many threads in several address spaces on many simulated
// CPUs touch pages at random (reads and writes) under a tight memory limit, and now and then
// unmap a range, while every design swaps them out and in on a real device file (every read
// is verified). A naive reference (a set of live pages per address space, updated at each
// access's completion, which is atomic with the check) says what must hold after every
// access and at the end:
// - the access completed with its page present, mapped by a live folio that holds it (the
//   folio's identity is the page's); a fault that returns leaving the page unmapped is lost;
// - without mTHP, minor (anonymous) faults equal the pages the reference instantiated;
// - present + swapped ptes are exactly the live pages of the reference;
// - the engine's own counter of lost faults stays 0, and vm.check() / design.check() hold.
// Before the swapin race was fixed (the synchronously read folio unlocked before it was
// mapped, so reclaim could free it and its id be reused) this failed with lost faults and a
// TypeError for most seeds.

import { afterAll, describe, expect, it } from 'vitest'
import * as path from 'node:path'
import { resolveEngineConfig } from '../config'
import { createDesign } from '../designs/factory'
import { emptyCounters } from '../metrics/counters'
import { FileDevice } from '../device/fileDevice'
import { makeDeviceDir, removeDeviceDir } from '../device/tempDir'
import { Rng } from '../sim/rng'
import { CHECKPOINT, Scheduler, type Program } from '../sim/scheduler'
import { PAGE_SIZE, type DesignName, type DesignOptions, type DevicePresetName } from '../types'
import { Vm, type Mm, type Task } from './vm'
import { MM_KMEM_PAGES, TASK_KMEM_PAGES } from './memcg'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDeviceDir))

interface Case {
  design: DesignName
  designOptions: DesignOptions
  preset: DevicePresetName
  thp: boolean
  seed: number
}

function runCase(c: Case): { lost: number; faults: number } {
  const CPUS = 8
  const MMS = 4
  const THREADS = 4
  const PAGES = 192
  const ACCESSES = 500
  const dir = makeDeviceDir()
  dirs.push(dir)
  const devPages = 4096
  const cfg = resolveEngineConfig({
    design: c.design,
    designOptions: c.designOptions,
    devices: [{ sizeBytes: devPages * PAGE_SIZE, preset: c.preset }],
    // A quarter of the pages, plus the kernel memory of the tasks and address spaces and their
    // page tables (memcg.ts), which the cgroup is charged for too.
    memoryLimitBytes: ((MMS * PAGES) / 4 + MMS * (MM_KMEM_PAGES + THREADS * TASK_KMEM_PAGES + 2)) * PAGE_SIZE,
    cpus: CPUS,
    thpOrders: c.thp ? [0, 2, 4] : [0],
    storage: 'file',
    checkInvariants: true,
    seed: c.seed
  })
  const counters = emptyCounters()
  const sched = new Scheduler(CPUS)
  const store = new FileDevice(path.join(dir, 'swap0.img'), 0, devPages, false)
  const vm = new Vm(cfg, sched, createDesign(cfg, [store], counters, sched.clock), counters)
  const rng = new Rng(c.seed)
  // The reference: live pages per mm, and how many pages were instantiated (first touch
  // after creation or unmap).
  const live = new Map<number, Set<number>>()
  let instantiated = 0
  let steps = 0
  const mms: Mm[] = []
  const F = vm.folios

  const completed = (mm: Mm, vpn: number, what: string): void => {
    const p = mm.pte[vpn]
    const where = `${c.design} ${JSON.stringify(c.designOptions)} ${c.preset} seed ${c.seed}: mm ${mm.id} page ${vpn} after ${what}`
    if (!(p > 0)) throw new Error(`${where}: not present (pte ${p}): the fault was lost`)
    const f = p - 1
    if (!F.isLive(f)) throw new Error(`${where}: maps freed folio ${f}`)
    if (!F.mappers(f).includes(mm.id)) throw new Error(`${where}: folio ${f} does not list the mm`)
    const nr = 1 << F.order[f]
    if (vpn < F.vpn[f] || vpn >= F.vpn[f] + nr) throw new Error(`${where}: folio ${f} holds pages ${F.vpn[f]}+${nr}`)
    if (F.origin[f] !== mm.origin[vpn] || F.gen[f] !== mm.gen[vpn])
      throw new Error(`${where}: folio ${f} holds data ${F.origin[f]}/${F.gen[f]}, the page is ${mm.origin[vpn]}/${mm.gen[vpn]}`)
    const set = live.get(mm.id)!
    if (!set.has(vpn)) instantiated++
    // A fault maps the whole folio (an mTHP anonymous fault instantiates all its pages).
    for (let v = F.vpn[f]; v < F.vpn[f] + nr; v++) if (mm.pte[v] === p) set.add(v)
  }

  const thread = function* (t: Task, r: Rng): Program {
    const mm = t.mm
    for (let i = 0; i < ACCESSES; i++) {
      if (r.next() < 0.01) {
        // munmap of a small range (a concurrent access to it re-faults a fresh page).
        const start = r.int(PAGES - 8)
        vm.unmap(t, start, 8)
        for (let v = start; v < start + 8; v++) live.get(mm.id)!.delete(v)
      } else {
        const vpn = r.int(PAGES)
        const write = r.next() < 0.5
        const f = vm.touch(t, vpn, write)
        if (f) yield* f
        completed(mm, vpn, write ? 'a write' : 'a read')
      }
      if (++steps % 500 === 0) {
        vm.check()
        vm.design.check()
      }
      yield CHECKPOINT
    }
  }

  let cpu = 0
  for (let m = 0; m < MMS; m++) {
    const mm = vm.newMm(PAGES)
    mms.push(mm)
    live.set(mm.id, new Set())
    for (let k = 0; k < THREADS; k++) {
      const t = vm.newTask(mm, cpu++ % CPUS)
      t.program = thread(t, rng.fork(m * THREADS + k))
      sched.addTask(t)
    }
  }
  try {
    expect(sched.run(() => false)).toBe(true)
    vm.check()
    vm.design.check()
    for (const mm of mms) {
      const set = live.get(mm.id)!
      for (let v = 0; v < PAGES; v++) expect(mm.pte[v] !== 0, `mm ${mm.id} page ${v} mapped or swapped iff live`).toBe(set.has(v))
      expect(mm.residentPages + mm.swapPtes).toBe(set.size)
    }
    if (!c.thp) expect(counters.minorFaults, 'minor faults = pages instantiated').toBe(instantiated)
    expect(store.stats.verifiedReads).toBe(store.stats.pagesRead)
  } finally {
    store.close()
  }
  const lost = (counters as { lostFaults?: number }).lostFaults ?? 0
  return { lost, faults: counters.majorFaults + counters.minorFaults }
}

const designs: [DesignName, DesignOptions][] = [
  ['legacy', {}],
  ['mthp-6.10', {}],
  ['cluster', {}],
  ['swap-table', { phase: 1 }],
  ['swap-table', { phase: 2 }],
  ['swap-table', { phase: 4 }],
  ['swap-table', { phase: 4, memcgLayout: 'shadow' }],
  ['vswap', {}],
  ['vswap', { backing: 'zswap-only', zswapPoolBytes: 1 << 20 }]
]

describe('VM against a naive reference: threads, CPUs, random access, unmaps', () => {
  for (const [design, designOptions] of designs)
    for (const preset of ['zram', 'nvme'] as const)
      it(`${design} ${JSON.stringify(designOptions)} on ${preset}`, () => {
        for (const seed of [1, 2, 3])
          for (const thp of [false, true]) {
            let r: { lost: number; faults: number }
            try {
              r = runCase({ design, designOptions, preset, thp, seed })
            } catch (e) {
              throw new Error(`seed ${seed}${thp ? ', mTHP' : ''}: ${String(e)}`, { cause: e })
            }
            expect(r.lost).toBe(0)
            expect(r.faults).toBeGreaterThan(0)
          }
      })
})
