// Two threads fault the same swapped-out page at once on a synchronous device (zram). The
// read runs on the faulting CPU, but the other CPU runs meanwhile: with HAS_CACHE (legacy
// to swap table P1) it finds the pin and sleeps (a tick before 6.12, until the pin clears
// from 6.12: swapcache_wq); from P2 on it finds the folio in
// the swap cache and waits on its lock. Before the fix the read and the unpin ran as one
// step, so the other thread never saw the pin and neither counter could move.

import { describe, expect, it } from 'vitest'
import { resolveEngineConfig } from '../config'
import { createDesign } from '../designs/factory'
import { emptyCounters } from '../metrics/counters'
import { MetadataOnlyStore } from '../device/pageStore'
import { CHECKPOINT, Scheduler, type Program } from '../sim/scheduler'
import type { DesignName, DesignOptions } from '../types'
import { Vm, type Task } from './vm'

const KiB = 1024

function race(design: DesignName, designOptions: DesignOptions) {
  const cfg = resolveEngineConfig({
    design,
    designOptions,
    devices: [{ sizeBytes: 8 * 1024 * KiB, preset: 'zram' }],
    memoryLimitBytes: 256 * KiB,
    cpus: 2,
    storage: 'metadata-only'
  })
  const counters = emptyCounters()
  const sched = new Scheduler(2)
  const vm = new Vm(cfg, sched, createDesign(cfg, [new MetadataOnlyStore()], counters, sched.clock), counters)
  const mm = vm.newMm(128)
  const [a, b] = [vm.newTask(mm, 0), vm.newTask(mm, 1)]
  const touch = function* (t: Task, vpn: number, write: boolean): Program {
    const f = vm.touch(t, vpn, write)
    if (f) yield* f
  }
  const start = (t: Task, p: Program, at?: number): void => {
    t.program = p
    sched.addTask(t, at)
  }
  start(
    a,
    (function* (): Program {
      // 128 pages against a 64-page limit: page 0 goes out first.
      for (let v = 0; v < 128; v++) {
        yield* touch(a, v, true)
        yield CHECKPOINT
      }
      expect(mm.pte[0]).toBeLessThan(0)
      // Free the resident half so neither fault has to reclaim: both reach the pin at once.
      vm.unmap(a, 64, 64)
      // Thread b starts at this moment on the other CPU and faults the same page.
      start(b, touch(b, 0, false), vm.cpuOf(a).now)
      yield* touch(a, 0, false)
    })()
  )
  expect(sched.run(() => false)).toBe(true)
  vm.check()
  expect(mm.pte[0]).toBeGreaterThan(0)
  return counters
}

describe('racing swapins on a synchronous device', () => {
  it('HAS_CACHE designs: the second fault finds the bypass pin and retries after a tick', () => {
    for (const [design, opts] of [
      ['legacy', {}],
      ['cluster', {}],
      ['swap-table', { phase: 1 }]
    ] as const) {
      const c = race(design, opts)
      expect(c.syncBypassSwapins, design).toBe(1)
      expect(c.hasCacheRetries, design).toBe(1)
      expect(c.folioLockWaits, design).toBe(0)
      // 6.6-6.10 sleep a whole tick (HZ=250: 4 ms); from 6.12 the sleeper is on swapcache_wq
      // and wakes when the pin clears (do_swap_page: wake_up after swapcache_clear).
      if (design === 'legacy') expect(c.hasCacheRetryNs, design).toBe(4_000_000)
      else {
        expect(c.hasCacheRetryNs, design).toBeGreaterThan(0)
        expect(c.hasCacheRetryNs, design).toBeLessThan(100_000)
      }
    }
  })

  it('swap table P2+: the second fault waits on the folio lock, no retry', () => {
    for (const phase of [2, 3, 4] as const) {
      const c = race('swap-table', { phase })
      expect(c.hasCacheRetries, `P${phase}`).toBe(0)
      expect(c.folioLockWaits, `P${phase}`).toBe(1)
      expect(c.folioLockWaitNs, `P${phase}`).toBeGreaterThan(0)
    }
  })
})
