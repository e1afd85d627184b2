// The swap-space check against the engine itself: a config it refuses runs out of swap, and
// the smallest device it accepts lets the run finish, for every simulated design.
import { describe, expect, it } from 'vitest'
import { OutOfSwapError, runEngine, resolveEngineConfig, type DesignName } from '../engine/index'
import { swapSpaceProblem, usableSwapBytes } from './estimate'

const MiB = 2 ** 20

function config(design: DesignName, deviceBytes: number, passes = 2) {
  return resolveEngineConfig({
    design,
    workload: { name: 'usemem', params: { tasks: 4, sizeBytes: 8 * MiB, passes } },
    memoryLimitBytes: 16 * MiB,
    devices: [{ sizeBytes: deviceBytes, preset: 'nvme', priority: 0, discard: false }],
    storage: 'metadata-only'
  })
}

describe('swapSpaceProblem', () => {
  it('counts every page of each device but its header', () => {
    expect(usableSwapBytes([{ sizeBytes: 16 * MiB }, { sizeBytes: 8 * MiB }])).toBe(24 * MiB - 2 * 4096)
  })

  // vswap is left out only for time (about 20 s here); it ran out at the same size when checked by hand.
  for (const design of ['legacy', 'cluster', 'swap-table'] as DesignName[])
    it(`${design}: a device it refuses runs out of swap; the smallest it accepts finishes`, () => {
      const tooSmall = config(design, 16 * MiB)
      expect(swapSpaceProblem(tooSmall)?.field).toBe('devices.0.sizeBytes')
      expect(() => runEngine(tooSmall)).toThrow(OutOfSwapError)
      const enough = config(design, 17 * MiB)
      expect(swapSpaceProblem(enough)).toBeNull()
      expect(runEngine(enough).counters.swpout[0]).toBeGreaterThan(0)
    })

  it('with one pass counts only one task as held (the first to finish unmaps while the others still touch theirs)', () => {
    // 4 x 8 MiB in 16 MiB with one pass finishes on a 16 MiB device: the peak is not all four tasks.
    expect(runEngine(config('legacy', 16 * MiB, 1)).counters.swpout[0]).toBeGreaterThan(0)
    expect(swapSpaceProblem(config('legacy', 16 * MiB, 1))).toBeNull()
    expect(swapSpaceProblem({ ...config('legacy', 4 * MiB, 1), memoryLimitBytes: 256 * 4096 })?.message).toMatch(/one task's 8 MiB/)
  })
})
