// Sweep expansion: an experiment becomes runs (design variant x sweep point x trial), each
// with a complete engine config. Pure functions; the schema uses them to check every run.

import { resolveEngineConfig, type EngineConfig, type DesignOptions } from '../engine/pure'
import type { DesignVariant, ExperimentConfig } from './api'

export type SweepPoint = Record<string, number | string | boolean>

export interface PlannedRun {
  variantIndex: number
  variantLabel: string
  point: SweepPoint
  trial: number
  seed: number
  engineConfig: EngineConfig
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

export function countRuns(config: Pick<ExperimentConfig, 'designs' | 'sweep' | 'trials'>): number {
  return config.designs.length * countSweepPoints(config.sweep) * config.trials
}

/** "swap-table P2", "swap-table P4 +discontiguousSwapout", "vswap 48B": options that differ from the catalogue defaults. */
export function variantLabel(v: DesignVariant): string {
  if (v.label) return v.label
  const parts: string[] = [v.design]
  const o = v.options as DesignOptions
  // The release a kernel image runs is known only after the run (RunRecord.kernel shows it).
  if (o.image !== undefined) parts.push(o.image)
  if (o.accel !== undefined && o.accel !== 'auto') parts.push(o.accel)
  if (o.phase !== undefined) parts.push(`P${o.phase}`)
  if (o.descriptorBytes !== undefined) parts.push(`${o.descriptorBytes}B`)
  if (o.zswapPoolBytes) parts.push(`zswap=${o.zswapPoolBytes}`)
  if (o.discontiguousSwapout) parts.push('+discontiguousSwapout')
  if (o.mthpSwapin) parts.push('+mthpSwapin')
  return parts.join(' ')
}

/** The experiment with one sweep point's values written into it (options.* go to every variant). */
export function applyPoint(config: ExperimentConfig, point: SweepPoint): ExperimentConfig {
  const out: ExperimentConfig = structuredClone(config)
  for (const [path, value] of Object.entries(point)) {
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
  return resolveEngineConfig({
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
    tickNs: config.tickNs
  })
}

/** Every run of a validated experiment, in queue order: point, then trial, then variant (so designs interleave and drift in the machine's speed hits them alike). */
export function planRuns(config: ExperimentConfig): PlannedRun[] {
  const runs: PlannedRun[] = []
  for (const point of sweepPoints(config.sweep)) {
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
  return runs
}
