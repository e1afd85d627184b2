import { describe, expect, it } from 'vitest'
import { validateExperiment } from './schema'
import { countRuns, planRuns, sweepPoints, variantLabel } from './sweep'
import type { ExperimentConfig } from './api'

const MiB = 2 ** 20
function config(extra: Record<string, unknown>): ExperimentConfig {
  const r = validateExperiment({
    designs: [{ design: 'legacy' }, { design: 'swap-table', options: { phase: 2 } }],
    workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 1 } },
    memoryLimitBytes: 8 * MiB,
    devices: [{ sizeBytes: 64 * MiB }],
    ...extra
  })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.config
}

describe('sweep expansion', () => {
  it('makes every combination in grid mode', () => {
    const c = config({
      sweep: {
        mode: 'grid',
        axes: [
          { path: 'cpus', values: [1, 2, 4] },
          { path: 'workload.params.random', values: [false, true] }
        ]
      }
    })
    expect(sweepPoints(c.sweep)).toHaveLength(6)
    expect(sweepPoints(c.sweep)[1]).toEqual({ cpus: 1, 'workload.params.random': true })
    expect(countRuns(c)).toBe(12)
  })

  it('pairs the i-th values in list mode', () => {
    const c = config({
      sweep: {
        mode: 'list',
        axes: [
          { path: 'cpus', values: [2, 8] },
          { path: 'workload.params.tasks', values: [2, 8] }
        ]
      }
    })
    expect(sweepPoints(c.sweep)).toEqual([
      { cpus: 2, 'workload.params.tasks': 2 },
      { cpus: 8, 'workload.params.tasks': 8 }
    ])
  })

  it('plans design x point x trial runs with seed + trial and the point applied', () => {
    const c = config({ trials: 3, seed: 40, sweep: { axes: [{ path: 'workload.params.tasks', values: [2, 4] }] } })
    const runs = planRuns(c)
    expect(runs).toHaveLength(12)
    expect(runs.map((r) => r.seed)).toEqual([40, 40, 41, 41, 42, 42, 40, 40, 41, 41, 42, 42])
    expect(runs.map((r) => r.variantLabel).slice(0, 2)).toEqual(['legacy', 'swap-table P2'])
    const last = runs[11]
    expect(last.engineConfig).toMatchObject({
      design: 'swap-table',
      designOptions: { phase: 2 },
      seed: 42,
      workload: { params: { tasks: 4 } }
    })
    expect(last.point).toEqual({ 'workload.params.tasks': 4 })
  })

  it('sweeps a design option across every variant and sizes given as text', () => {
    const c = config({
      designs: [{ design: 'swap-table' }],
      sweep: {
        axes: [
          { path: 'options.phase', values: [1, 3] },
          { path: 'devices.0.sizeBytes', values: ['64MiB', '128MiB'] }
        ]
      }
    })
    const runs = planRuns(c)
    expect(runs.map((r) => [r.engineConfig.designOptions.phase, r.engineConfig.devices[0].sizeBytes])).toEqual([
      [1, 64 * MiB],
      [1, 128 * MiB],
      [3, 64 * MiB],
      [3, 128 * MiB]
    ])
    expect(runs[2].variantLabel).toBe('swap-table P3')
  })

  it('labels variants by the options that matter', () => {
    expect(variantLabel({ design: 'swap-table', options: { phase: 4, discontiguousSwapout: true, mthpSwapin: false } })).toBe(
      'swap-table P4 +discontiguousSwapout'
    )
    expect(variantLabel({ design: 'vswap', options: { descriptorBytes: 48, zswapPoolBytes: 0 } })).toBe('vswap 48B')
    expect(variantLabel({ design: 'cluster', options: {}, label: 'mine' })).toBe('mine')
  })
})
