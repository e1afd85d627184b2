// Sweep expansion: an experiment becomes runs (design variant x sweep point x trial), each
// with a complete engine config. Pure functions; the schema uses them to check every run.

import { resolveEngineConfig, DESIGN_NAMES, type CostGroup, type EngineConfig, type DesignOptions } from '../engine/pure'
import type { DesignVariant, ExperimentConfig, SensitivityOption } from './api'
import { SENSITIVITY_DEFAULT } from './fields'
import { SENSITIVITY_PREFIX } from './sensitivity'
import { autoSampleIntervalNs } from './estimate'

export type SweepPoint = Record<string, number | string | boolean>

/** Path segments that would reach Object.prototype when a dotted path is set: refused everywhere a path is set. */
export const FORBIDDEN_SEGMENTS: readonly string[] = ['__proto__', 'constructor', 'prototype']

/** The first forbidden segment of a dotted path, or null. */
export function unsafeSegment(dotted: string): string | null {
  return dotted.split('.').find((s) => FORBIDDEN_SEGMENTS.includes(s)) ?? null
}

/** The dotted path of the first own key named __proto__, constructor or prototype anywhere in a value (JSON.parse makes such keys own properties), or null. */
export function findUnsafeKey(value: unknown, at = ''): string | null {
  if (typeof value !== 'object' || value === null) return null
  for (const key of Object.keys(value)) {
    const here = at ? `${at}.${key}` : key
    if (FORBIDDEN_SEGMENTS.includes(key)) return here
    const inner = findUnsafeKey((value as Record<string, unknown>)[key], here)
    if (inner) return inner
  }
  return null
}

export interface PlannedRun {
  variantIndex: number
  variantLabel: string
  point: SweepPoint
  trial: number
  seed: number
  engineConfig: EngineConfig
  /** Sensitivity runs only: the cost group scaled and its factor (also in point as sensitivity.<group>). */
  sensitivity?: { group: CostGroup; factor: number }
}

/** Sweep points in run order (the empty point when there is no sweep). */
export function sweepPoints(sweep: ExperimentConfig['sweep']): SweepPoint[] {
  if (!sweep || sweep.axes.length === 0) return [{}]
  if (sweep.mode === 'list') {
    const n = Math.min(...sweep.axes.map((a) => a.values.length))
    return Array.from({ length: n }, (_, i) => Object.fromEntries(sweep.axes.map((a) => [a.path, a.values[i]])))
  }
  let points: SweepPoint[] = [{}]
  for (const axis of sweep.axes) points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.path]: v })))
  return points
}

/** Number of sweep points without building them (grid sizes can be huge before the cap). */
export function countSweepPoints(sweep: ExperimentConfig['sweep']): number {
  if (!sweep || sweep.axes.length === 0) return 1
  if (sweep.mode === 'list') return Math.min(...sweep.axes.map((a) => a.values.length))
  return sweep.axes.reduce((n, a) => n * a.values.length, 1)
}

/** The groups and factors of an experiment's sensitivity runs, or null when it has none. */
export function sensitivityPlan(config: Pick<ExperimentConfig, 'sensitivity'>): SensitivityOption | null {
  const s = config.sensitivity
  if (!s) return null
  return s === true ? SENSITIVITY_DEFAULT : s
}

/** Variants that run in the simulation (sensitivity runs rescale the simulation's cost model only). */
export function isSimulatedVariant(v: Pick<DesignVariant, 'design'>): boolean {
  return v.design !== 'kernel' && (DESIGN_NAMES as readonly string[]).includes(v.design)
}

/** Main runs (designs x sweep points x trials) plus sensitivity runs (simulated designs x points x trials x groups x factors). */
export function countRuns(config: Pick<ExperimentConfig, 'designs' | 'sweep' | 'trials' | 'sensitivity'>): number {
  const points = countSweepPoints(config.sweep)
  const main = config.designs.length * points * config.trials
  const s = sensitivityPlan(config)
  if (!s) return main
  return main + config.designs.filter(isSimulatedVariant).length * points * config.trials * s.groups.length * s.factors.length
}

/** "swap-table P2", "swap-table P4 +discontiguousSwapout", "vswap 48B": options that differ from the catalogue defaults. */
export function variantLabel(v: DesignVariant): string {
  if (v.label) return v.label
  const parts: string[] = [v.design]
  const o = v.options as DesignOptions
  // The release a kernel image runs is known only after the run (RunRecord.kernel shows it).
  if (o.image !== undefined) parts.push(o.image)
  if (o.accel !== undefined && o.accel !== 'auto') parts.push(o.accel)
  if (o.lru !== undefined && o.lru !== 'default') parts.push(`lru=${o.lru}`)
  if (o.phase !== undefined) parts.push(`P${o.phase}`)
  if (o.memcgLayout !== undefined) parts.push(`memcg=${o.memcgLayout}`)
  if (o.descriptorBytes !== undefined) parts.push(`${o.descriptorBytes}B`)
  if (o.zswapPoolBytes) parts.push(`zswap=${o.zswapPoolBytes}`)
  if (o.backing === 'zswap-only') parts.push('zswap-only')
  if (o.discontiguousSwapout) parts.push('+discontiguousSwapout')
  if (o.mthpSwapin) parts.push('+mthpSwapin')
  return parts.join(' ')
}

/** The experiment with one sweep point's values written into it (options.* go to every variant; sensitivity.* are not config fields). */
export function applyPoint(config: ExperimentConfig, point: SweepPoint): ExperimentConfig {
  const out: ExperimentConfig = structuredClone(config)
  for (const [path, value] of Object.entries(point)) {
    if (path.startsWith(SENSITIVITY_PREFIX)) continue
    const bad = unsafeSegment(path)
    if (bad) throw new Error(`sweep path ${path}: the segment "${bad}" is not allowed`)
    const parts = path.split('.')
    if (parts[0] === 'options') {
      for (const v of out.designs) (v.options as Record<string, unknown>)[parts[1]] = value
      continue
    }
    let target = out as unknown as Record<string, unknown>
    for (const key of parts.slice(0, -1)) target = target[key] as Record<string, unknown>
    target[parts[parts.length - 1]] = value
  }
  return out
}

export function toEngineConfig(config: ExperimentConfig, variant: DesignVariant, seed: number, deviceDir?: string): EngineConfig {
  const engineConfig = resolveEngineConfig({
    design: variant.design,
    designOptions: { ...variant.options },
    workload: { name: config.workload.name, params: { ...config.workload.params } },
    devices: config.devices.map((d) => ({ ...d })),
    storage: config.storage,
    deviceDir,
    memoryLimitBytes: config.memoryLimitBytes,
    cpus: config.cpus,
    seed,
    thpOrders: [...config.thpOrders],
    pageCluster: config.pageCluster,
    sampleIntervalNs: config.sampleIntervalNs,
    checkInvariants: config.checkInvariants,
    fsyncPerBatch: config.fsyncPerBatch,
    tickNs: config.tickNs,
    // A file profile's constants are read and filled in by the front end that may read files.
    ...(config.costProfile !== undefined && config.costProfile !== 'default' ? { costProfile: { name: config.costProfile } } : {})
  })
  // 0: automatic, from the run's expected length (each run gets about AUTO_SAMPLES samples).
  if (!config.sampleIntervalNs) engineConfig.sampleIntervalNs = autoSampleIntervalNs(engineConfig)
  return engineConfig
}

/**
 * Every run of a validated experiment, in queue order: point, then trial, then variant (so
 * designs interleave and drift in the machine's speed hits them alike). Sensitivity runs come
 * after every main run, in the same order per group and factor.
 */
export function planRuns(config: ExperimentConfig): PlannedRun[] {
  const runs: PlannedRun[] = []
  const points = sweepPoints(config.sweep)
  for (const point of points) {
    const atPoint = applyPoint(config, point)
    for (let trial = 0; trial < config.trials; trial++) {
      const seed = config.seed + trial
      atPoint.designs.forEach((variant, variantIndex) => {
        runs.push({
          variantIndex,
          variantLabel: variantLabel(variant),
          point,
          trial,
          seed,
          engineConfig: toEngineConfig(atPoint, variant, seed, config.deviceDir)
        })
      })
    }
  }
  const s = sensitivityPlan(config)
  if (!s) return runs
  for (const point of points) {
    const atPoint = applyPoint(config, point)
    for (const group of s.groups)
      for (const factor of s.factors)
        for (let trial = 0; trial < config.trials; trial++) {
          const seed = config.seed + trial
          atPoint.designs.forEach((variant, variantIndex) => {
            if (!isSimulatedVariant(variant)) return
            const engineConfig = toEngineConfig(atPoint, variant, seed, config.deviceDir)
            engineConfig.costScale = { [group]: factor }
            runs.push({
              variantIndex,
              variantLabel: variantLabel(variant),
              point: { ...point, [`${SENSITIVITY_PREFIX}${group}`]: factor },
              trial,
              seed,
              engineConfig,
              sensitivity: { group, factor }
            })
          })
        }
  }
  return runs
}
