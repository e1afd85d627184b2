// Calibration: NNLS against a brute-force reference, recovery of known constants from
// synthetic and noisy data, and a fit of the engine to itself under a known profile.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { leastSquares, nnls } from './nnls'
import { calibrate, calibrateEngine, checkParams, contributions, MIN_SCALE, type CalibrationRecord } from './calibrate'
import { parseCostProfile, defaultCosts } from './costProfile'
import { Rng } from './rng'
import { runEngine, resolveEngineConfig } from '../index'
import type { CostGroup } from '../types'

/** Exhaustive NNLS for small n: the best unconstrained fit over every support set that is non-negative. */
function bruteNnls(A: number[][], b: number[]): { x: number[]; r: number } {
  const n = A[0].length
  let best = { x: new Array<number>(n).fill(0), r: Math.hypot(...b) }
  for (let mask = 1; mask < 1 << n; mask++) {
    const idx = Array.from({ length: n }, (_, j) => j).filter((j) => mask & (1 << j))
    const sub = leastSquares(
      A.map((row) => idx.map((j) => row[j])),
      b
    )
    if (sub.some((v) => v < 0)) continue
    const x = new Array<number>(n).fill(0)
    idx.forEach((j, k) => (x[j] = sub[k]))
    const r = Math.hypot(...b.map((bi, i) => bi - A[i].reduce((s, a, j) => s + a * x[j], 0)))
    if (r < best.r - 1e-12) best = { x, r }
  }
  return best
}

describe('nnls', () => {
  it('solves an exact non-negative system and clamps a component the data want negative', () => {
    const A = [
      [1, 0],
      [0, 1],
      [1, 1]
    ]
    expect(nnls(A, [2, 3, 5]).x.map((v) => +v.toFixed(9))).toEqual([2, 3])
    // Unconstrained: x = [3, -1]; with x >= 0 the best is x = [2.5, 0]... checked against brute force.
    const b = [3, -1, 2]
    const got = nnls(A, b)
    expect(got.x[1]).toBe(0)
    expect(got.residualNorm).toBeCloseTo(bruteNnls(A, b).r, 9)
  })

  it('agrees with an exhaustive search on random problems', () => {
    const rng = new Rng(7)
    for (let t = 0; t < 300; t++) {
      const m = 3 + rng.int(8)
      const n = 1 + rng.int(4)
      const A = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.next() * 2 - 0.5))
      const b = Array.from({ length: m }, () => rng.next() * 4 - 1)
      const got = nnls(A, b)
      const want = bruteNnls(A, b)
      expect(got.x.every((v) => v >= 0)).toBe(true)
      expect(got.residualNorm).toBeCloseTo(want.r, 6)
    }
  })
})

/** Runs whose measured times come exactly from known group factors. */
function synthetic(truth: Partial<Record<CostGroup, number>>, runs: number, seed: number, noise = 0): CalibrationRecord[] {
  const rng = new Rng(seed)
  const groups: CostGroup[] = ['device', 'paths', 'metadata', 'lock', 'compression']
  return Array.from({ length: runs }, (_, i) => {
    const systemNs: Partial<Record<CostGroup, number>> = {}
    const elapsedNs: Partial<Record<CostGroup, number>> = {}
    for (const g of groups) {
      if (g === 'compression') continue // never charged by these workloads
      systemNs[g] = 1e6 * (0.2 + rng.next() * 5)
      elapsedNs[g] = systemNs[g]! * (0.3 + rng.next() * 0.5)
    }
    const systemBaseNs = 1e6 * rng.next()
    const elapsedBaseNs = 1e6 * (1 + rng.next() * 3)
    const time = (parts: Partial<Record<CostGroup, number>>, base: number): number =>
      base + groups.reduce((s, g) => s + (truth[g] ?? 1) * (parts[g] ?? 0), 0)
    const jitter = (): number => 1 + noise * (rng.next() * 2 - 1)
    return {
      label: `run ${i}`,
      counts: { systemNs, elapsedNs, systemBaseNs, elapsedBaseNs },
      measured: { systemTimeNs: time(systemNs, systemBaseNs) * jitter(), wallTimeNs: time(elapsedNs, elapsedBaseNs) * jitter() }
    }
  })
}

describe('calibrate', () => {
  const truth = { paths: 1.7, metadata: 0.6, lock: 2.5 }

  it('recovers known group factors from exact synthetic data, with zero residuals, and writes a valid profile', () => {
    const r = calibrate(synthetic(truth, 8, 1))
    expect(r.scales.paths).toBeCloseTo(1.7, 9)
    expect(r.scales.metadata).toBeCloseTo(0.6, 9)
    expect(r.scales.lock).toBeCloseTo(2.5, 9)
    expect(r.scales.device).toBe(1)
    expect(r.unidentified).toEqual(['compression'])
    expect(r.rms.fitted).toBeLessThan(1e-9)
    expect(r.rms.reference).toBeGreaterThan(0.1)
    for (const x of r.residuals) expect(Math.abs(x.system.relError)).toBeLessThan(1e-9)
    const d = defaultCosts()
    expect(r.profile.cost!.faultBase).toBeCloseTo(d.cost.faultBase * 1.7, 2)
    expect(r.profile.cost!.lockBase).toBeCloseTo(d.cost.lockBase * 2.5, 2)
    expect(r.profile.cost!.zswapCompress).toBe(d.cost.zswapCompress)
    expect(r.profile.devices).toBeUndefined()
    // The profile is a valid profile file.
    expect(parseCostProfile(JSON.parse(JSON.stringify(r.profile)), 'fit.json').cost!.faultBase).toBe(r.profile.cost!.faultBase)
  })

  it('fits the device group too when asked', () => {
    const r = calibrate(synthetic({ ...truth, device: 0.8 }, 10, 2), { groups: ['device', 'paths', 'metadata', 'lock'] })
    expect(r.scales.device).toBeCloseTo(0.8, 9)
    expect(r.profile.devices!.nvme!.readLatencyNs).toBeCloseTo(defaultCosts().devices.nvme.readLatencyNs * 0.8, 2)
  })

  it('stays close on noisy data and reports each run residual', () => {
    const r = calibrate(synthetic(truth, 40, 3, 0.03))
    for (const [g, v] of Object.entries(truth)) expect(Math.abs(r.scales[g as CostGroup] / v - 1), g).toBeLessThan(0.1)
    expect(r.residuals).toHaveLength(40)
    expect(r.rms.fitted).toBeLessThan(0.03)
    expect(r.rms.fitted).toBeLessThan(r.rms.reference)
    expect(r.residuals[5].label).toBe('run 5')
  })

  it('keeps constants positive when the data say a group costs nothing', () => {
    const runs = synthetic({ paths: 1, metadata: 0, lock: 1 }, 8, 4)
    const r = calibrate(runs)
    expect(r.atLowerBound).toEqual(['metadata'])
    expect(r.scales.metadata).toBe(MIN_SCALE)
    expect(r.profile.cost!.scanSlot).toBeGreaterThan(0)
  })

  it('refuses records it cannot use, naming them', () => {
    expect(() => calibrate([])).toThrow('at least one run')
    const bad = synthetic(truth, 2, 5)
    bad[1].measured.systemTimeNs = 0
    expect(() => calibrate(bad)).toThrow('runs.1 (run 1): measured.systemTimeNs must be a positive number of ns')
    const worse = synthetic(truth, 2, 5)
    ;(worse[0].counts.systemNs as Record<string, number>).cpu = 5
    expect(() => calibrate(worse)).toThrow('runs.0 (run 0): counts.systemNs.cpu is not a cost group')
  })
})

describe('calibrating the engine against itself', () => {
  const MiB = 2 ** 20
  const truthScale = { paths: 1.5, metadata: 0.5, lock: 2 }
  const workloads = (dir: string, shapes: { design: 'legacy' | 'cluster'; tasks: number; random: boolean; cpus: number }[]) =>
    shapes.map(({ design, tasks, random, cpus }) => {
      const config = resolveEngineConfig({
        design,
        workload: { name: 'usemem', params: { tasks, sizeBytes: 2 * MiB, passes: 2, random } },
        memoryLimitBytes: MiB,
        devices: [{ sizeBytes: 64 * MiB, preset: 'zram' }],
        storage: 'metadata-only',
        deviceDir: dir,
        cpus
      })
      // "Measured": the engine itself under a known profile.
      const m = runEngine({ ...config, costScale: truthScale })
      return {
        label: `${design} ${tasks} tasks ${random ? 'random' : 'sequential'} ${cpus} CPUs`,
        config,
        measured: { systemTimeNs: m.systemTimeNs, wallTimeNs: m.simTimeNs }
      }
    })

  // One task on one CPU on a synchronous device: nothing in the run depends on how long a step
  // takes, so simulated times are exactly linear in the constants.
  it('recovers the factors of a known profile exactly where the model is linear (one task, one CPU)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-cal-'))
    try {
      const w = workloads(dir, [
        { design: 'legacy', tasks: 1, random: false, cpus: 1 },
        { design: 'legacy', tasks: 1, random: true, cpus: 1 },
        { design: 'cluster', tasks: 1, random: false, cpus: 1 },
        { design: 'cluster', tasks: 1, random: true, cpus: 1 }
      ])
      const records = w.map((x) => ({
        label: x.label,
        counts: contributions(x.config, runEngine, ['paths', 'metadata', 'lock']).counts,
        measured: x.measured
      }))
      for (const rec of records) {
        expect(rec.counts.systemNs.paths, rec.label).toBeGreaterThan(0)
        expect(rec.counts.systemNs.metadata, rec.label).toBeGreaterThan(0)
      }
      const r = calibrate(records, { groups: ['paths', 'metadata', 'lock'] })
      for (const [g, v] of Object.entries(truthScale)) expect(r.scales[g as CostGroup], g).toBeCloseTo(v, 3)
      expect(r.rms.fitted).toBeLessThan(1e-4)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('gets close with several CPUs by relinearising, and the fitted profile reproduces the measured times', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-cal-'))
    try {
      const w = workloads(dir, [
        { design: 'legacy', tasks: 1, random: false, cpus: 1 },
        { design: 'legacy', tasks: 2, random: true, cpus: 2 },
        { design: 'cluster', tasks: 3, random: false, cpus: 2 },
        { design: 'cluster', tasks: 4, random: true, cpus: 4 }
      ])
      const r = calibrateEngine(w, runEngine, { groups: ['paths', 'metadata', 'lock'], iterations: 3 })
      // Contention makes the groups hard to tell apart (the factors need not come out as 1.5,
      // 0.5, 2), but the fit must explain the measured times.
      expect(r.rms.fitted).toBeLessThan(0.05)
      expect(r.records).toHaveLength(4)
      const spec = parseCostProfile(JSON.parse(JSON.stringify(r.profile)), 'fitted.json')
      for (const x of w) {
        const again = runEngine({ ...x.config, costProfile: spec })
        expect(Math.abs(again.systemTimeNs / x.measured.systemTimeNs - 1), x.label).toBeLessThan(0.05)
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)

  it('fits single constants beside groups, recovers them where the model is linear, and says where each comes from', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-cal-'))
    try {
      const d = defaultCosts().cost
      const truth = { name: 'truth', cost: { faultBase: d.faultBase * 3, anonPageAlloc: d.anonPageAlloc * 0.5, lockBase: d.lockBase * 2 } }
      const w = workloads(dir, [
        { design: 'legacy', tasks: 1, random: false, cpus: 1 },
        { design: 'legacy', tasks: 1, random: true, cpus: 1 },
        { design: 'cluster', tasks: 1, random: false, cpus: 1 },
        { design: 'cluster', tasks: 1, random: true, cpus: 1 }
      ]).map((x) => {
        const m = runEngine({ ...x.config, costProfile: truth })
        return { ...x, measured: { systemTimeNs: m.systemTimeNs, wallTimeNs: m.simTimeNs } }
      })
      const params = ['faultBase', 'anonPageAlloc', 'lock']
      const records = w.map((x) => ({ label: x.label, counts: contributions(x.config, runEngine, params).counts, measured: x.measured }))
      const r = calibrate(records, { groups: params, wallWeight: 0 })
      expect(r.scales.faultBase).toBeCloseTo(3, 3)
      expect(r.scales.anonPageAlloc).toBeCloseTo(0.5, 3)
      expect(r.scales.lock).toBeCloseTo(2, 3)
      expect(r.scales.paths).toBe(1) // the rest of the group is left alone
      expect(r.profile.cost!.faultBase).toBeCloseTo(d.faultBase * 3, 1)
      expect(r.profile.cost!.folioAlloc).toBeUndefined()
      const sources = (r.profile.calibration as { sources: Record<string, { source: string; note: string }> }).sources
      expect(sources.faultBase.source).toBe('measured')
      expect(sources.faultBase.note).toContain('3.000 x the default (guess) figure: constant fitted')
      expect(sources.lockBase.note).toContain('group lock fitted')
      expect(sources.folioAlloc).toMatchObject({ source: 'guess' })
      expect(sources.folioAlloc.note).toContain('not fitted')
      expect(sources['devices.nvme']).toMatchObject({ source: 'datasheet' })
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('refuses a constant fitted with its own group, and a name that is neither', () => {
    expect(checkParams(['faultBase', 'lock', 'faultBase'])).toEqual(['faultBase', 'lock'])
    expect(() => checkParams(['paths', 'faultBase'])).toThrow('faultBase is in group paths, which is fitted too: fit one or the other')
    expect(() => checkParams(['cpu'])).toThrow('unknown cost group "cpu"')
  })
})
