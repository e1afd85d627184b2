// The CLI's view of sensitivity runs: kept out of the comparison table (they are not trials of
// the main groups) and summed up under it, per pair of variants and metric, as "robust" or
// "depends on the cost model" with the range of the difference.

import type { RunRecord } from '../../experiments/api'
import { runMetrics } from '../../experiments/metrics'
import { compareSensitivity, describeVerdict, isSensitivityPoint, mainPoint, type VariantKey } from '../../experiments/sensitivity'
import type { LabService } from '../lab/service'
import { table } from './format'

/** The runs the comparison table shows: the main runs, or every run when there are only sensitivity runs. */
export function mainRunIds(runs: Pick<RunRecord, 'id' | 'point'>[], ids: number[]): number[] {
  const sens = new Set(runs.filter((r) => isSensitivityPoint(r.point)).map((r) => r.id))
  const main = ids.filter((id) => !sens.has(id))
  return main.length ? main : ids
}

const keyOf = (v: VariantKey): string => `${v.experimentId}/${v.variantLabel}/${JSON.stringify(Object.entries(v.point).sort())}`

/** Lines to print under the comparison table; '' when the runs have no sensitivity runs. */
export async function sensitivityNotes(lab: LabService, runs: RunRecord[], metrics: string[], baselineRunId?: number): Promise<string> {
  const done = runs.filter((r) => r.status === 'done')
  if (!done.some((r) => isSensitivityPoint(r.point))) return ''
  const values = new Map<number, Record<string, number>>()
  for (const r of done) {
    const s = (await lab.getRun(r.id)).summary
    if (s) values.set(r.id, runMetrics(s))
  }
  // Main groups in run order; the baseline is the given run's group, else the first (as compare does).
  const groups = new Map<string, VariantKey>()
  for (const r of done) {
    if (isSensitivityPoint(r.point)) continue
    const g = { experimentId: r.experimentId, variantLabel: r.variantLabel, point: mainPoint(r.point) }
    if (!groups.has(keyOf(g))) groups.set(keyOf(g), g)
  }
  const baseRun = done.find((r) => r.id === baselineRunId && !isSensitivityPoint(r.point))
  const base = baseRun
    ? { experimentId: baseRun.experimentId, variantLabel: baseRun.variantLabel, point: baseRun.point }
    : [...groups.values()][0]
  if (!base) return ''
  const rows: string[][] = []
  for (const g of groups.values()) {
    if (keyOf(g) === keyOf(base)) continue
    // Against the baseline variant at the same sweep point when there is one.
    const atPoint = { ...base, point: g.point }
    const b = groups.has(keyOf(atPoint)) && keyOf(atPoint) !== keyOf(g) ? atPoint : base
    const verdicts = compareSensitivity(done, values, b, g, metrics)
    const name = (v: VariantKey): string =>
      [v.variantLabel, ...Object.entries(v.point).map(([k, x]) => `${k.split('.').at(-1)}=${x}`)].join(' ')
    for (const m of metrics) if (verdicts[m]) rows.push([`${name(g)} vs ${name(b)}`, m, describeVerdict(verdicts[m])])
  }
  if (!rows.length) return ''
  return `\ncost-model sensitivity: does the sign of each difference hold with each cost group scaled?\n${table(['comparison', 'metric', 'verdict (range of the difference)'], rows, () => false)}\n`
}
