// Runs side by side: runs of the same experiment, design variant and sweep point are the
// trials of one group; each group gets trial statistics per metric and its relative
// difference to a baseline group.

import type { CompareData, CompareGroup, RunRecord } from './api'
import { relativeDifference, trialStats } from './stats'

export function groupKey(run: Pick<RunRecord, 'experimentId' | 'variantLabel' | 'point'>): string {
  const point = Object.entries(run.point)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
  return `${run.experimentId}/${run.variantLabel}${point ? `/${point}` : ''}`
}

/** Flattens a config object to dotted keys ("workload.params.tasks"); lists become "0,4". */
export function flattenConfig(
  value: unknown,
  prefix = '',
  out: Record<string, string | number | boolean> = {}
): Record<string, string | number | boolean> {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) out[prefix] = value.join(',')
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out)
  } else if (value !== undefined && value !== null) out[prefix] = value as string | number | boolean
  return out
}

/**
 * Groups runs (in the order given) and computes their statistics. Only finished runs with a
 * summary contribute metrics; the baseline is the group holding baselineRunId, else the first.
 */
export function buildCompare(
  runs: RunRecord[],
  metricsByRun: Map<number, Record<string, number>>,
  configsByRun: Map<number, unknown>,
  baselineRunId?: number
): CompareData {
  const groups = new Map<string, CompareGroup & { values: Map<string, number[]> }>()
  for (const run of runs) {
    const key = groupKey(run)
    let g = groups.get(key)
    if (!g) {
      g = { key, variantLabel: run.variantLabel, point: run.point, runIds: [], metrics: {}, values: new Map() }
      groups.set(key, g)
    }
    g.runIds.push(run.id)
    if (run.kernel && !g.kernel) g.kernel = run.kernel
    const metrics = metricsByRun.get(run.id)
    if (!metrics) continue
    for (const [name, v] of Object.entries(metrics)) {
      if (!Number.isFinite(v)) continue
      if (!g.values.has(name)) g.values.set(name, [])
      g.values.get(name)!.push(v)
    }
  }
  const out: CompareGroup[] = []
  for (const { values, ...g } of groups.values()) {
    for (const [name, xs] of values) g.metrics[name] = trialStats(xs)
    out.push(g)
  }
  const baselineRun = runs.find((r) => r.id === baselineRunId)
  const baselineKey = baselineRun ? groupKey(baselineRun) : (out[0]?.key ?? null)
  const baseline = out.find((g) => g.key === baselineKey)
  const deltas: CompareData['deltas'] = {}
  if (baseline) {
    for (const [name, base] of Object.entries(baseline.metrics)) {
      for (const g of out) {
        const stats = g.metrics[name]
        const d = stats && relativeDifference(stats.mean, base.mean)
        if (d === undefined) continue
        ;(deltas[name] ??= {})[g.key] = d
      }
    }
  }
  const configs: CompareData['configs'] = {}
  for (const run of runs) configs[run.id] = flattenConfig(configsByRun.get(run.id) ?? {})
  return { groups: out, baselineKey, deltas, configs }
}
