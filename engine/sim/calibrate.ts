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
// A parameter is a group (all its constants scaled together) or one constant of COST alone
// (`faultBase`): a run set that exercises the paths of a group in different mixes can tell
// its constants apart, while one factor per group cannot fit them all (engine/sim/profiles/
// host.json is fitted per constant for that reason). A constant and its own group are never
// fitted together.
//
// Input is a plain array of { counts, measured } records: counts from contributions() (or
// any other source of the same shape), measured from the kernel backend.

import { COST_GROUPS, type CostGroup, type CostProfileSpec, type DevicePresetName, type EngineConfig, type RunSummary } from '../types'
import { COST_PROFILE_FORMAT, defaultCosts, effectiveCosts, type CostProfileFile } from './costProfile'
import { DEVICE_PRESETS, DEVICE_TIMING_KEYS } from '../types'
import { COST_SOURCES, DEVICE_SOURCES, type CostSourceKind } from './costProfile'
import { nnls } from './nnls'

/** A fitted parameter: a cost group, or one constant of COST by name. */
export type CalibrationParam = CostGroup | string

/** Whether `p` names a group or a CPU-side constant (one with a COST_SOURCES entry). */
export function isCalibrationParam(p: string): boolean {
  return (COST_GROUPS as readonly string[]).includes(p) || p in COST_SOURCES
}

/** What a simulated run's times are made of at the reference profile, ns. */
export interface CalibrationCounts {
  /** Simulated system time (all CPUs) each parameter (group or constant) contributes. */
  systemNs: Partial<Record<CalibrationParam, number>>
  /** Simulated elapsed time each parameter contributes. */
  elapsedNs: Partial<Record<CalibrationParam, number>>
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
  /**
   * Parameters to fit: groups and/or single constants; everything else keeps its reference
   * value. Default: the CPU-side groups (paths, metadata, lock, compression).
   */
  groups?: CalibrationParam[]
  /** Weight of the wall-time rows against the system-time rows (0 fits system time only). Default 1. */
  wallWeight?: number
  /** The profile the counts were taken at (default: the default constants). */
  reference?: CostProfileSpec
  /** Name and description written into the profile. */
  name?: string
  description?: string
  /**
   * Device presets the device group's factor is applied to in the profile (default: all). A
   * fit to runs on one kind of device says nothing about the others' timings.
   */
  devicePresets?: DevicePresetName[]
  /** Free-form facts about the measured runs (kernel release, date, run set) kept in the profile. */
  provenance?: Record<string, unknown>
}

/** Where a constant of a fitted profile comes from (written into the profile's calibration). */
export interface FittedSource {
  source: CostSourceKind
  note: string
}

export interface RunResidual {
  label: string
  system: { measuredNs: number; referenceNs: number; fittedNs: number; relError: number }
  wall: { measuredNs: number; referenceNs: number; fittedNs: number; relError: number }
}

export interface CalibrationResult {
  /** Fitted factor per group (1 for groups not fitted or not identified) and per fitted constant. */
  scales: Record<CostGroup, number> & Record<string, number>
  /** Fitted parameters no run gives any time to: left at 1, the data cannot say. */
  unidentified: CalibrationParam[]
  /** Fitted parameters whose factor hit the lower bound (0, stored as MIN_SCALE so the profile stays valid). */
  atLowerBound: CalibrationParam[]
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
        if (!isCalibrationParam(g)) throw new Error(`${where}: counts.${part}.${g} is not a cost group or constant`)
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
          throw new Error(`${where}: counts.${part}.${g} must be a non-negative number of ns`)
      }
  })
}

/** Fits the groups' scale factors to the measured times and writes the profile. */
export function calibrate(runs: CalibrationRecord[], options: CalibrationOptions = {}): CalibrationResult {
  checkRecords(runs)
  const groups = checkParams(options.groups ?? DEFAULT_FIT_GROUPS)
  const wallWeight = options.wallWeight ?? 1
  // Contributions in the counts of parameters not fitted stay in the base.
  const counted = [...new Set(runs.flatMap((r) => [...Object.keys(r.counts.systemNs), ...Object.keys(r.counts.elapsedNs)]))]
  const fixed = counted.filter((g) => !groups.includes(g))
  const identified = groups.filter((g) =>
    runs.some((r) => (r.counts.systemNs[g] ?? 0) > 0 || (wallWeight > 0 && (r.counts.elapsedNs[g] ?? 0) > 0))
  )
  const unidentified = groups.filter((g) => !identified.includes(g))

  // Rows: relative error of system time and (weighted) of wall time per run; fixed groups stay in the base.
  const A: number[][] = []
  const b: number[] = []
  const rowFor = (parts: Partial<Record<CalibrationParam, number>>, base: number, measured: number, w: number): void => {
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
  const scales = Object.fromEntries([...COST_GROUPS, ...groups].map((g) => [g, 1])) as CalibrationResult['scales']
  const atLowerBound: CalibrationParam[] = []
  identified.forEach((g, j) => {
    const s = fit.x[j] / norms[j]
    if (s < MIN_SCALE) atLowerBound.push(g)
    scales[g] = Math.max(MIN_SCALE, s)
  })

  const predict = (parts: Partial<Record<CalibrationParam, number>>, base: number, s: Record<string, number>): number =>
    base + Object.entries(parts).reduce((sum, [g, v]) => sum + (s[g] ?? 1) * (v ?? 0), 0)
  const ones: Record<string, number> = {}
  const rel = (fitted: number, measured: number): number => (fitted - measured) / measured
  const residuals = runs.map((r): RunResidual => {
    const side = (parts: Partial<Record<CalibrationParam, number>>, base: number, measuredNs: number): RunResidual['system'] => {
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
    profile: profileFromScales(scales, groups, identified, options, {
      runs: runs.length,
      residuals,
      rms,
      unidentified,
      atLowerBound
    })
  }
}

/** Six significant digits: enough for any fit, and a small constant never rounds to 0. */
const round = (v: number): number => Number(v.toPrecision(6))

/** The reference constants of the fitted groups times their factors, as a profile file. */
function profileFromScales(
  scales: CalibrationResult['scales'],
  groups: CalibrationParam[],
  identified: CalibrationParam[],
  options: CalibrationOptions,
  calibration: object
): CostProfileFile {
  const ref = effectiveCosts(options.reference)
  const cost: Record<string, number> = {}
  const sources: Record<string, FittedSource> = {}
  const defaults = defaultCosts()
  const fitted = (g: string, value: number, def: number, was: CostSourceKind): string =>
    `${(value / def).toPrecision(4)} x the default (${was}) figure: ${g in COST_SOURCES ? 'constant' : `group ${g}`} fitted by least squares to the measured runs`
  for (const [k, v] of Object.entries(ref.cost)) {
    const src = COST_SOURCES[k]
    if (!src) continue
    // the constant's own parameter, else its group's
    const param = groups.includes(k) ? k : groups.includes(src.group) ? src.group : null
    if (param) cost[k] = round(v * scales[param])
    sources[k] =
      param && identified.includes(param)
        ? { source: 'measured', note: `${src.note}; ${fitted(param, cost[k], defaults.cost[k], src.source)}` }
        : {
            source: src.source,
            note: `${src.note} (not fitted: ${param ? 'no measured run spends time in it' : 'neither it nor its group was fitted'})`
          }
  }
  const devices: CostProfileFile['devices'] = {}
  const presets = options.devicePresets ?? DEVICE_PRESETS
  for (const p of DEVICE_PRESETS) {
    const fit = groups.includes('device') && identified.includes('device') && presets.includes(p)
    if (groups.includes('device') && presets.includes(p))
      for (const k of DEVICE_TIMING_KEYS) if (ref.devices[p][k] > 0) (devices[p] ??= {})[k] = round(ref.devices[p][k] * scales.device)
    sources[`devices.${p}`] = fit
      ? {
          source: 'measured',
          note: `${DEVICE_SOURCES[p].note}; every timing ${fitted('device', devices[p]!.writePageNs!, defaults.devices[p].writePageNs, DEVICE_SOURCES[p].source)}`
        }
      : { ...DEVICE_SOURCES[p] }
  }
  return {
    format: COST_PROFILE_FORMAT,
    name: options.name ?? 'calibrated',
    description:
      options.description ?? `fitted by non-negative least squares to measured system and wall times; groups ${groups.join(', ')}`,
    cost,
    ...(Object.keys(devices).length ? { devices } : {}),
    calibration: { scales, reference: options.reference?.name ?? 'default', ...options.provenance, ...calibration, sources }
  }
}

/** Checks a parameter list: known names, no constant together with its own group. */
export function checkParams(params: readonly CalibrationParam[]): CalibrationParam[] {
  for (const p of params) {
    if (!isCalibrationParam(p))
      throw new Error(
        `unknown cost group "${p}"; expected ${COST_GROUPS.join(', ')}, or one constant of the cost model (engine/sim/cost.ts)`
      )
    if (!(COST_GROUPS as readonly string[]).includes(p) && params.includes(COST_SOURCES[p].group))
      throw new Error(`${p} is in group ${COST_SOURCES[p].group}, which is fitted too: fit one or the other`)
  }
  return [...new Set(params)]
}

/** The config with one parameter doubled on top of its reference profile. */
function doubled(config: EngineConfig, param: CalibrationParam): EngineConfig {
  if ((COST_GROUPS as readonly string[]).includes(param)) return { ...config, costScale: { [param]: 2 } }
  const eff = effectiveCosts(config.costProfile)
  const devices = Object.fromEntries(
    DEVICE_PRESETS.map((p) => [
      p,
      Object.fromEntries(DEVICE_TIMING_KEYS.filter((k) => eff.devices[p][k] > 0).map((k) => [k, eff.devices[p][k]]))
    ])
  )
  return {
    ...config,
    costScale: undefined,
    costProfile: {
      name: `${config.costProfile?.name ?? 'default'} with ${param} x2`,
      cost: { ...eff.cost, [param]: eff.cost[param] * 2 },
      devices
    }
  }
}

/**
 * The counts of one workload, measured with the engine: one run at the reference profile and
 * one per parameter (group or constant) with it doubled. `run` is runEngine (injected, so this
 * file stays below engine.ts). The config's own costProfile is the reference.
 */
export function contributions(
  config: EngineConfig,
  run: (c: EngineConfig) => RunSummary,
  groups: readonly CalibrationParam[] = COST_GROUPS
): { counts: CalibrationCounts; reference: RunSummary } {
  const reference = run({ ...config, costScale: undefined })
  const counts: CalibrationCounts = {
    systemNs: {},
    elapsedNs: {},
    systemBaseNs: reference.systemTimeNs,
    elapsedBaseNs: reference.simTimeNs
  }
  for (const g of groups) {
    const twice = run(doubled(config, g))
    // Clamp at 0: a parameter cannot take time away (a negative difference is scheduling noise).
    const sys = Math.max(0, twice.systemTimeNs - reference.systemTimeNs)
    const wall = Math.max(0, twice.simTimeNs - reference.simTimeNs)
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
  const measureGroups = checkParams(options.groups ?? DEFAULT_FIT_GROUPS)
  let reference: CostProfileSpec | undefined = options.reference
  let result: (CalibrationResult & { records: CalibrationRecord[] }) | null = null
  let first: CalibrationResult | null = null
  const total: Record<string, number> = {}
  for (let i = 0; i < Math.max(1, options.iterations ?? 3); i++) {
    const records = workloads.map((w) => ({
      label: w.label,
      counts: contributions({ ...w.config, costProfile: reference }, run, measureGroups).counts,
      measured: w.measured
    }))
    // The device factor says something only about the presets the runs used whose timings the
    // fitted rows depend on (an asynchronous device reaches system time only through how often
    // tasks block and switch; a preset no run uses keeps its timings).
    const wallWeight = options.wallWeight ?? 1
    const devicePresets =
      options.devicePresets ??
      DEVICE_PRESETS.filter((p) =>
        workloads.some(
          (w, k) =>
            w.config.devices.some((d) => d.preset === p) &&
            ((records[k].counts.systemNs.device ?? 0) > 0 || (wallWeight > 0 && (records[k].counts.elapsedNs.device ?? 0) > 0))
        )
      )
    result = { ...calibrate(records, { ...options, devicePresets, reference }), records }
    first ??= result
    for (const [g, f] of Object.entries(result.scales)) total[g] = (total[g] ?? 1) * f
    reference = { name: `${options.name ?? 'calibrated'} (iteration ${i + 1})`, cost: result.profile.cost, devices: result.profile.devices }
  }
  // Factors and "before" times against the starting reference, not the last linearisation's.
  const r = result!
  r.scales = total as CalibrationResult['scales']
  r.residuals.forEach((x, i) => {
    x.system.referenceNs = first!.residuals[i].system.referenceNs
    x.wall.referenceNs = first!.residuals[i].wall.referenceNs
  })
  r.rms.reference = first!.rms.reference
  Object.assign(r.profile.calibration as object, { scales: total, iterations: Math.max(1, options.iterations ?? 3) })
  return r
}
