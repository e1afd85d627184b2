// Sensitivity: the option's schema and run plan, the verdict on constructed inputs, and the
// verdict on a real small experiment run through the engine.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runEngine } from '../engine/index'
import { validateExperiment } from './schema'
import { countRuns, planRuns } from './sweep'
import { runMetrics } from './metrics'
import {
  compareSensitivity,
  describeVerdict,
  isSensitivityPoint,
  mainPoint,
  sensitivityOf,
  sensitivityVerdict,
  variantSamples,
  type VariantSamples
} from './sensitivity'
import type { ExperimentConfig } from './api'

const MiB = 2 ** 20
const base = {
  designs: [{ design: 'legacy' }, { design: 'swap-table', options: { phase: 4 } }],
  workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 4 * MiB, passes: 2, random: true } },
  memoryLimitBytes: 3 * MiB,
  devices: [{ sizeBytes: 64 * MiB }]
}

function valid(input: unknown): ExperimentConfig {
  const r = validateExperiment(input)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.config
}
function errors(input: unknown): string[] {
  const r = validateExperiment(input)
  return r.ok ? [] : r.errors.map((e) => `${e.field}: ${e.message}`)
}

describe('the sensitivity option and the cost profile field', () => {
  it('accepts true or groups and factors, and refuses what cannot run, naming the field', () => {
    expect(valid({ ...base, sensitivity: true }).sensitivity).toEqual({
      groups: ['device', 'paths', 'metadata', 'lock'],
      factors: [0.5, 2]
    })
    expect(valid({ ...base, sensitivity: false }).sensitivity).toBeUndefined()
    expect(valid({ ...base, sensitivity: { groups: ['lock'] } }).sensitivity).toEqual({ groups: ['lock'], factors: [0.5, 2] })
    expect(errors({ ...base, sensitivity: { groups: ['cpu'] } })[0]).toMatch(/^sensitivity\.groups\.0: unknown cost group "cpu"/)
    expect(errors({ ...base, sensitivity: { factors: [1] } })).toEqual(['sensitivity.factors.0: a factor of 1 is the main run itself'])
    expect(errors({ ...base, sensitivity: { factors: [0] } })).toEqual(['sensitivity.factors.0: must be above 0; got 0'])
    expect(errors({ ...base, sensitivity: { groups: [] } })).toEqual(['sensitivity.groups: needs at least one cost group'])
    expect(errors({ ...base, sensitivity: 'yes' })[0]).toMatch(/^sensitivity: must be true, false or \{ groups, factors \}/)
  })

  it('takes default or host as a cost profile, and will not sweep it', () => {
    expect(valid({ ...base, costProfile: 'default' }).costProfile).toBe('default')
    expect(valid({ ...base, costProfile: 'host' }).costProfile).toBe('host')
    expect(errors({ ...base, costProfile: '' })).toEqual(['costProfile: must not be empty'])
    expect(errors({ ...base, sweep: { axes: [{ path: 'costProfile', values: ['default', 'host'] }] } })[0]).toContain(
      'the cost profile cannot be swept'
    )
    // A file is checked by the front end that may read it, not by the schema.
    expect(valid({ ...base, costProfile: '/some/profile.json' }).costProfile).toBe('/some/profile.json')
  })

  it('plans the sensitivity runs after the main runs, labelled, with the group scaled, and counts them against the cap', () => {
    const c = valid({ ...base, trials: 2, sensitivity: { groups: ['device', 'lock'], factors: [0.5, 2] } })
    const plan = planRuns(c)
    expect(plan).toHaveLength(4 + 2 * 2 * 2 * 2)
    expect(countRuns(c)).toBe(plan.length)
    expect(plan.slice(0, 4).every((p) => !p.sensitivity && !isSensitivityPoint(p.point) && !p.engineConfig.costScale)).toBe(true)
    for (const p of plan.slice(4)) {
      expect(p.point).toEqual({ [`sensitivity.${p.sensitivity!.group}`]: p.sensitivity!.factor })
      expect(p.engineConfig.costScale).toEqual({ [p.sensitivity!.group]: p.sensitivity!.factor })
      expect(sensitivityOf(p.point)).toEqual(p.sensitivity)
    }
    expect(plan.slice(4, 8).map((p) => [p.variantLabel, p.trial, p.sensitivity])).toEqual([
      ['legacy', 0, { group: 'device', factor: 0.5 }],
      ['swap-table P4', 0, { group: 'device', factor: 0.5 }],
      ['legacy', 1, { group: 'device', factor: 0.5 }],
      ['swap-table P4', 1, { group: 'device', factor: 0.5 }]
    ])
    // Same seeds as the main runs: each scaled run is paired with its main run.
    expect(plan.slice(4, 8).map((p) => p.seed)).toEqual(plan.slice(0, 4).map((p) => p.seed))
    expect(errors({ ...base, trials: 60, sensitivity: true })[0]).toMatch(/^sweep: expands to 1080 runs/)
    expect(mainPoint({ 'workload.params.tasks': 2, 'sensitivity.lock': 2 })).toEqual({ 'workload.params.tasks': 2 })
  })

  it('carries a built-in profile name into the engine config', () => {
    expect(planRuns(valid({ ...base, costProfile: 'default' }))[0].engineConfig.costProfile).toBeUndefined()
    expect(planRuns(valid({ ...base, costProfile: '/p.json' }))[0].engineConfig.costProfile).toEqual({ name: '/p.json' })
  })
})

const s = (main: number[], scaled: [string, number, number[]][] = []): VariantSamples => ({
  main,
  scaled: scaled.map(([group, factor, values]) => ({ group: group as 'device', factor, values }))
})

describe('sensitivityVerdict on constructed inputs', () => {
  it('is robust when the sign holds in every scaled case, with the range of the difference', () => {
    const v = sensitivityVerdict(
      'sim_time_s',
      s(
        [10, 12],
        [
          ['device', 0.5, [6]],
          ['device', 2, [20]],
          ['lock', 2, [11]]
        ]
      ),
      s(
        [8, 8],
        [
          ['device', 0.5, [5]],
          ['device', 2, [15]],
          ['lock', 2, [10.5]]
        ]
      )
    )!
    expect(v.verdict).toBe('robust')
    expect(v.sign).toBe(-1)
    expect(v.main).toEqual({ group: null, factor: 1, diff: -3, rel: -3 / 11 })
    expect(v.cases.map((c) => [c.group, c.factor, c.diff])).toEqual([
      ['device', 0.5, -1],
      ['device', 2, -5],
      ['lock', 2, -0.5]
    ])
    expect(v.range.minDiff).toBe(-5)
    expect(v.range.maxDiff).toBe(-0.5)
    expect(v.range.minRel).toBeCloseTo(-0.2727, 3)
    expect(v.range.maxRel).toBeCloseTo(-0.04545, 4)
    expect(v.flips).toEqual([])
    expect(describeVerdict(v)).toBe('robust (-27.3 % .. -4.5 %)')
  })

  it('depends on the cost model when one scaled case flips the sign, and names it', () => {
    const v = sensitivityVerdict(
      'sim_time_s',
      s(
        [10],
        [
          ['device', 0.5, [5]],
          ['device', 2, [20]]
        ]
      ),
      s(
        [11],
        [
          ['device', 0.5, [4]],
          ['device', 2, [22]]
        ]
      )
    )!
    expect(v.verdict).toBe('depends on the cost model')
    expect(v.sign).toBe(1)
    expect(v.flips.map((f) => [f.group, f.factor, f.diff])).toEqual([['device', 0.5, -1]])
    expect(v.range.minRel).toBeCloseTo(-0.2)
    expect(v.range.maxRel).toBeCloseTo(0.1)
    expect(describeVerdict(v)).toBe('depends on the cost model (-20.0 % .. +10.0 %; flips with device x0.5)')
  })

  it('treats a difference that vanishes under one model as not holding, and no difference anywhere as robust', () => {
    expect(sensitivityVerdict('m', s([10], [['lock', 2, [10]]]), s([12], [['lock', 2, [10]]]))!.verdict).toBe('depends on the cost model')
    const none = sensitivityVerdict('m', s([10], [['lock', 2, [10]]]), s([10], [['lock', 2, [10]]]))!
    expect([none.verdict, none.sign]).toEqual(['robust', 0])
    // Float noise is not a sign.
    expect(sensitivityVerdict('m', s([0.3], [['lock', 2, [0.3]]]), s([0.1 + 0.2], [['lock', 2, [0.3]]]))!.sign).toBe(0)
  })

  it('judges only the cases both variants have, and gives nothing without any', () => {
    const v = sensitivityVerdict(
      'm',
      s(
        [1],
        [
          ['device', 2, [1]],
          ['lock', 2, [1]]
        ]
      ),
      s(
        [2],
        [
          ['device', 2, [3]],
          ['paths', 2, [3]]
        ]
      )
    )!
    expect(v.cases.map((c) => c.group)).toEqual(['device'])
    expect(v.missing).toEqual([
      { group: 'lock', factor: 2 },
      { group: 'paths', factor: 2 }
    ])
    expect(sensitivityVerdict('m', s([1]), s([2]))).toBeNull()
    expect(sensitivityVerdict('m', s([], [['lock', 2, [1]]]), s([2], [['lock', 2, [1]]]))).toBeNull()
    // A zero baseline has no relative difference.
    expect(sensitivityVerdict('m', s([0], [['lock', 2, [0]]]), s([2], [['lock', 2, [1]]]))!.range.minRel).toBeNull()
  })
})

describe('sensitivity of a real small experiment', () => {
  it('runs every scaled case through the engine and judges each metric from the recorded runs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-sens-'))
    try {
      const c = valid({ ...base, deviceDir: dir, sensitivity: { groups: ['device', 'metadata'], factors: [0.5, 2] } })
      const plan = planRuns(c)
      const runs = plan.map((p, i) => ({ id: i + 1, experimentId: 7, variantLabel: p.variantLabel, point: p.point }))
      const metrics = new Map<number, Record<string, number>>()
      plan.forEach((p, i) => {
        const summary = runEngine(p.engineConfig)
        expect(summary.costProfile!.scale).toEqual(p.engineConfig.costScale)
        metrics.set(i + 1, runMetrics(summary))
      })
      const baseline = { experimentId: 7, variantLabel: 'legacy', point: {} }
      const other = { experimentId: 7, variantLabel: 'swap-table P4', point: {} }
      const simTime = variantSamples(runs, metrics, baseline, 'sim_time_s')
      expect(simTime.main).toHaveLength(1)
      expect(simTime.scaled.map((x) => [x.group, x.factor])).toEqual([
        ['device', 0.5],
        ['device', 2],
        ['metadata', 0.5],
        ['metadata', 2]
      ])
      // Doubling device latency slows the run down; halving it speeds it up.
      const at = (g: string, f: number): number => simTime.scaled.find((x) => x.group === g && x.factor === f)!.values[0]
      expect(at('device', 2)).toBeGreaterThan(simTime.main[0])
      expect(at('device', 0.5)).toBeLessThan(simTime.main[0])
      const verdicts = compareSensitivity(runs, metrics, baseline, other, ['metadata_peak_bytes', 'sim_time_s', 'system_time_s'])
      // The swap table's smaller metadata does not hinge on the cost model.
      expect(verdicts.metadata_peak_bytes).toMatchObject({ verdict: 'robust', sign: -1 })
      for (const v of Object.values(verdicts)) {
        expect(v.cases).toHaveLength(4)
        expect(v.verdict).toBe(v.cases.every((x) => Math.sign(x.diff) === v.sign) ? 'robust' : 'depends on the cost model')
        expect(v.range.minDiff).toBeLessThanOrEqual(v.main.diff)
        expect(v.range.maxDiff).toBeGreaterThanOrEqual(v.main.diff)
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
