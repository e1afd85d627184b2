// Calibration: fit the cost model's CPU-side constants to times measured on a real kernel.
//
// Model. For one workload, the simulation's system time (summed over CPUs) and elapsed time
// are, near a reference profile, linear in a scale factor s_g per cost group g:
//     sim(s) = base + sum_g s_g * T_g
// where T_g is the time the group's constants contribute at the reference (s_g = 1) and base
// is what no group explains (waits for asynchronous I/O, HAS_CACHE sleeps). T_g is measured
// with the engine itself: one extra run with the group doubled gives T_g = sim(2) - sim(1)
// (exact when the run's events do not depend on the group's costs, a linearisation where
// contention or I/O overlap changes with them). The fit picks s >= 0 minimising the squared
// relative error against the measured system and wall times of every run (non-negative least
// squares, nnls.ts), and the profile is the reference constants of each group times s_g.
//
// Input is a plain array of { counts, measured } records: counts from contributions() (or
// any other source of the same shape), measured from the kernel backend.

import { COST_GROUPS, type CostGroup, type CostProfileSpec, type EngineConfig, type RunSummary } from '../types'
import { COST_PROFILE_FORMAT, effectiveCosts, type CostProfileFile } from './costProfile'
import { DEVICE_PRESETS, DEVICE_TIMING_KEYS } from '../types'
import { COST_SOURCES } from './costProfile'
import { nnls } from './nnls'

/** What a simulated run's times are made of at the reference profile, ns. */
export interface CalibrationCounts {
  /** Simulated system time (all CPUs) each group's constants contribute. */
  systemNs: Partial<Record<CostGroup, number>>
  /** Simulated elapsed time each group's constants contribute. */
  elapsedNs: Partial<Record<CostGroup, number>>
  /** The rest of the system time: what no group explains. */
  systemBaseNs: number
  elapsedBaseNs: number
}

export interface CalibrationRecord {
  /** What ran, e.g. "usemem sequential, 2 tasks, file device". */
  label: string
  counts: CalibrationCounts
  /** The same workload on the kernel: system time (all CPUs) and wall time, ns. */
  measured: { systemTimeNs: number; wallTimeNs: number }
}

export interface CalibrationOptions {
  /** Groups to fit; the others keep their reference constants. Default: the CPU side (paths, metadata, lock, compression). */
  groups?: CostGroup[]
  /** Weight of the wall-time rows against the system-time rows (0 fits system time only). Default 1. */
  wallWeight?: number
  /** The profile the counts were taken at (default: the default constants). */
  reference?: CostProfileSpec
  /** Name and description written into the profile. */
  name?: string
  description?: string
}

export interface RunResidual {
  label: string
  system: { measuredNs: number; referenceNs: number; fittedNs: number; relError: number }
  wall: { measuredNs: number; referenceNs: number; fittedNs: number; relError: number }
}

export interface CalibrationResult {
  /** Fitted factor per group (1 for groups not fitted or not identified). */
  scales: Record<CostGroup, number>
  /** Fitted groups no run gives any time to: left at 1, the data cannot say. */
  unidentified: CostGroup[]
  /** Fitted groups whose factor hit the lower bound (0, stored as MIN_SCALE so the profile stays valid). */
  atLowerBound: CostGroup[]
  residuals: RunResidual[]
  /** Root mean square of the relative errors over every row, before (reference) and after the fit. */
  rms: { reference: number; fitted: number }
  profile: CostProfileFile
}

export const DEFAULT_FIT_GROUPS: CostGroup[] = ['paths', 'metadata', 'lock', 'compression']
/** Smallest factor written into a profile (constants must stay positive). */
export const MIN_SCALE = 1e-3

/** Checks the records and names the first thing wrong. */
function checkRecords(runs: CalibrationRecord[]): void {
  if (!Array.isArray(runs) || runs.length === 0) throw new Error('calibration needs at least one run')
  runs.forEach((r, i) => {
    const where = `runs.${i} (${r?.label ?? 'no label'})`
    if (!r || typeof r.counts !== 'object' || typeof r.measured !== 'object') throw new Error(`${where}: needs counts and measured`)
    for (const k of ['systemTimeNs', 'wallTimeNs'] as const)
      if (!(Number.isFinite(r.measured[k]) && r.measured[k] > 0)) throw new Error(`${where}: measured.${k} must be a positive number of ns`)
    for (const k of ['systemBaseNs', 'elapsedBaseNs'] as const)
      if (!Number.isFinite(r.counts[k])) throw new Error(`${where}: counts.${k} must be a number of ns`)
    for (const part of ['systemNs', 'elapsedNs'] as const)
      for (const [g, v] of Object.entries(r.counts[part] ?? {})) {
        if (!(COST_GROUPS as readonly string[]).includes(g)) throw new Error(`${where}: counts.${part}.${g} is not a cost group`)
        if (!Number.isFinite(v) || v < 0) throw new Error(`${where}: counts.${part}.${g} must be a non-negative number of ns`)
      }
  })
}

/** Fits the groups' scale factors to the measured times and writes the profile. */
export function calibrate(runs: CalibrationRecord[], options: CalibrationOptions = {}): CalibrationResult {
  checkRecords(runs)
  const groups = options.groups ?? DEFAULT_FIT_GROUPS
  const wallWeight = options.wallWeight ?? 1
  const fixed = COST_GROUPS.filter((g) => !groups.includes(g))
  const identified = groups.filter((g) =>
    runs.some((r) => (r.counts.systemNs[g] ?? 0) > 0 || (wallWeight > 0 && (r.counts.elapsedNs[g] ?? 0) > 0))
  )
  const unidentified = groups.filter((g) => !identified.includes(g))

  // Rows: relative error of system time and (weighted) of wall time per run; fixed groups stay in the base.
  const A: number[][] = []
  const b: number[] = []
  const rowFor = (parts: Partial<Record<CostGroup, number>>, base: number, measured: number, w: number): void => {
    const rest = base + fixed.reduce((s, g) => s + (parts[g] ?? 0), 0) + unidentified.reduce((s, g) => s + (parts[g] ?? 0), 0)
    A.push(identified.map((g) => (w * (parts[g] ?? 0)) / measured))
    b.push((w * (measured - rest)) / measured)
  }
  for (const r of runs) {
    rowFor(r.counts.systemNs, r.counts.systemBaseNs, r.measured.systemTimeNs, 1)
    if (wallWeight > 0) rowFor(r.counts.elapsedNs, r.counts.elapsedBaseNs, r.measured.wallTimeNs, wallWeight)
  }
  // Columns scaled to unit norm for conditioning; the solution is scaled back.
  const norms = identified.map((_, j) => Math.hypot(...A.map((row) => row[j])) || 1)
  const fit = nnls(
    A.map((row) => row.map((a, j) => a / norms[j])),
    b
  )
  const scales = Object.fromEntries(COST_GROUPS.map((g) => [g, 1])) as Record<CostGroup, number>
  const atLowerBound: CostGroup[] = []
  identified.forEach((g, j) => {
    const s = fit.x[j] / norms[j]
    if (s < MIN_SCALE) atLowerBound.push(g)
    scales[g] = Math.max(MIN_SCALE, s)
  })

  const predict = (parts: Partial<Record<CostGroup, number>>, base: number, s: Record<CostGroup, number>): number =>
    base + COST_GROUPS.reduce((sum, g) => sum + s[g] * (parts[g] ?? 0), 0)
  const ones = Object.fromEntries(COST_GROUPS.map((g) => [g, 1])) as Record<CostGroup, number>
  const rel = (fitted: number, measured: number): number => (fitted - measured) / measured
  const residuals = runs.map((r): RunResidual => {
    const side = (parts: Partial<Record<CostGroup, number>>, base: number, measuredNs: number): RunResidual['system'] => {
      const fittedNs = predict(parts, base, scales)
      return { measuredNs, referenceNs: predict(parts, base, ones), fittedNs, relError: rel(fittedNs, measuredNs) }
    }
    return {
      label: r.label,
      system: side(r.counts.systemNs, r.counts.systemBaseNs, r.measured.systemTimeNs),
      wall: side(r.counts.elapsedNs, r.counts.elapsedBaseNs, r.measured.wallTimeNs)
    }
  })
  const rmsOf = (pick: (x: RunResidual['system']) => number): number => {
    const errs = residuals.flatMap((x) => (wallWeight > 0 ? [pick(x.system), pick(x.wall)] : [pick(x.system)]))
    return Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / errs.length)
  }
  const rms = { reference: rmsOf((x) => rel(x.referenceNs, x.measuredNs)), fitted: rmsOf((x) => x.relError) }
  return {
    scales,
    unidentified,
    atLowerBound,
    residuals,
    rms,
    profile: profileFromScales(scales, groups, options, { runs: runs.length, residuals, rms, unidentified, atLowerBound })
  }
}

/** Six significant digits: enough for any fit, and a small constant never rounds to 0. */
const round = (v: number): number => Number(v.toPrecision(6))

/** The reference constants of the fitted groups times their factors, as a profile file. */
function profileFromScales(
  scales: Record<CostGroup, number>,
  groups: CostGroup[],
  options: CalibrationOptions,
  calibration: unknown
): CostProfileFile {
  const ref = effectiveCosts(options.reference)
  const cost: Record<string, number> = {}
  for (const [k, v] of Object.entries(ref.cost)) {
    const g = COST_SOURCES[k]?.group
    if (g && groups.includes(g)) cost[k] = round(v * scales[g])
  }
  const devices: CostProfileFile['devices'] = {}
  if (groups.includes('device'))
    for (const p of DEVICE_PRESETS)
      for (const k of DEVICE_TIMING_KEYS) if (ref.devices[p][k] > 0) (devices[p] ??= {})[k] = round(ref.devices[p][k] * scales.device)
  return {
    format: COST_PROFILE_FORMAT,
    name: options.name ?? 'calibrated',
    description:
      options.description ?? `fitted by non-negative least squares to measured system and wall times; groups ${groups.join(', ')}`,
    cost,
    ...(Object.keys(devices).length ? { devices } : {}),
    calibration: { scales, reference: options.reference?.name ?? 'default', ...(calibration as object) }
  }
}

/**
 * The counts of one workload, measured with the engine: one run at the reference profile and
 * one per group with that group doubled. `run` is runEngine (injected, so this file stays
 * below engine.ts). The config's own costProfile is the reference.
 */
export function contributions(
  config: EngineConfig,
  run: (c: EngineConfig) => RunSummary,
  groups: readonly CostGroup[] = COST_GROUPS
): { counts: CalibrationCounts; reference: RunSummary } {
  const reference = run({ ...config, costScale: undefined })
  const counts: CalibrationCounts = {
    systemNs: {},
    elapsedNs: {},
    systemBaseNs: reference.systemTimeNs,
    elapsedBaseNs: reference.simTimeNs
  }
  for (const g of groups) {
    const doubled = run({ ...config, costScale: { [g]: 2 } })
    // Clamp at 0: a group cannot take time away (a negative difference is scheduling noise).
    const sys = Math.max(0, doubled.systemTimeNs - reference.systemTimeNs)
    const wall = Math.max(0, doubled.simTimeNs - reference.simTimeNs)
    counts.systemNs[g] = sys
    counts.elapsedNs[g] = wall
    counts.systemBaseNs -= sys
    counts.elapsedBaseNs -= wall
  }
  return { counts, reference }
}

export interface EngineWorkload {
  label: string
  /** The simulated counterpart of the measured kernel run (its costProfile is ignored). */
  config: EngineConfig
  measured: CalibrationRecord['measured']
}

/**
 * Fits the engine to measured times by relinearising: counts at the current profile, a fit,
 * the fitted profile as the next reference, `iterations` times (runs with several CPUs are not
 * linear in the costs: contention and overlapping I/O change with them). The result's
 * residuals are those of the last linearisation; its profile is the last fit.
 */
export function calibrateEngine(
  workloads: EngineWorkload[],
  run: (c: EngineConfig) => RunSummary,
  options: CalibrationOptions & { iterations?: number } = {}
): CalibrationResult & { records: CalibrationRecord[] } {
  const groups = options.groups ?? DEFAULT_FIT_GROUPS
  const measureGroups = COST_GROUPS.filter((g) => groups.includes(g))
  let reference: CostProfileSpec | undefined = options.reference
  let result: (CalibrationResult & { records: CalibrationRecord[] }) | null = null
  for (let i = 0; i < Math.max(1, options.iterations ?? 3); i++) {
    const records = workloads.map((w) => ({
      label: w.label,
      counts: contributions({ ...w.config, costProfile: reference }, run, measureGroups).counts,
      measured: w.measured
    }))
    result = { ...calibrate(records, { ...options, reference }), records }
    reference = { name: `${options.name ?? 'calibrated'} (iteration ${i + 1})`, cost: result.profile.cost, devices: result.profile.devices }
  }
  return result!
}
