// Runs side by side: runs of the same experiment, design variant and sweep point are the
// trials of one group; each group gets trial statistics per metric and, per metric, its
// difference to the baseline at the same sweep point with a test against trial noise and,
// where the experiment has cost-model sensitivity runs, whether its sign survives them.

import type { CompareBaseline, CompareData, CompareGroup, Delta, KernelMark, RunRecord, SensitivityResult } from './api'
import { relativeDifference, significance, trialStats } from './stats'
import { compareSensitivity, describeVerdict, isSensitivityPoint, sensitivityOf, type SensitivityVerdict } from './sensitivity'

type Point = Record<string, number | string | boolean>

export function pointKey(point: Point): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}

export function groupKey(run: Pick<RunRecord, 'experimentId' | 'variantLabel' | 'point'>): string {
  const point = pointKey(run.point)
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

/** Sweep values in order: numbers numerically, then the rest as text. */
export function compareValues(a: number | string | boolean | undefined, b: number | string | boolean | undefined): number {
  if (a === b) return 0
  if (a === undefined) return -1
  if (b === undefined) return 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return String(a).localeCompare(String(b))
}

export interface CompareInputs {
  /** Metrics of runs that finished as done (kernel runs without what they did not measure). */
  metricsByRun: Map<number, Record<string, number>>
  configsByRun: Map<number, unknown>
  kernelByRun?: Map<number, KernelMark>
}

type Group = CompareGroup & { values: Map<string, number[]>; firstRun: number }

/**
 * Groups runs and computes their statistics and deltas. Groups are ordered by experiment (in
 * order of first appearance), then by sweep point (numerically, axis by axis), then by design
 * variant in the order the experiment created them. The baseline is a run (its group, matched
 * to the other sweep points of its experiment through its design) or a design variant (matched
 * at every sweep point); without one, the first variant of the first experiment, said so.
 */
export function buildCompare(allRuns: RunRecord[], inputs: CompareInputs, baseline?: number | CompareBaseline): CompareData {
  // Sensitivity runs (the same runs with one cost group scaled) are not trials of the main
  // groups: they only judge the main differences below. Compared on their own, they are groups.
  const sensitivityRuns = allRuns.filter((r) => isSensitivityPoint(r.point))
  const withSensitivity = sensitivityRuns.length > 0 && sensitivityRuns.length < allRuns.length
  const runs = withSensitivity ? allRuns.filter((r) => !isSensitivityPoint(r.point)) : allRuns
  const groups = new Map<string, Group>()
  for (const run of [...runs].sort((a, b) => a.id - b.id)) {
    const key = groupKey(run)
    let g = groups.get(key)
    if (!g) {
      g = {
        key,
        experimentId: run.experimentId,
        experimentName: run.experimentName,
        variantLabel: run.variantLabel,
        point: run.point,
        runIds: [],
        metrics: {},
        kernel: null,
        values: new Map(),
        firstRun: run.id
      }
      groups.set(key, g)
    }
    g.runIds.push(run.id)
    g.kernel ??= run.kernel ?? inputs.kernelByRun?.get(run.id) ?? null
    const metrics = inputs.metricsByRun.get(run.id)
    if (!metrics) continue
    for (const [name, v] of Object.entries(metrics)) {
      if (!Number.isFinite(v)) continue
      if (!g.values.has(name)) g.values.set(name, [])
      g.values.get(name)!.push(v)
    }
  }

  // Order: experiments by first run, axes by their order in the points, values numerically, variants by first run.
  const all = [...groups.values()]
  const expOrder = new Map<number, number>()
  const variantOrder = new Map<string, number>()
  for (const g of [...all].sort((a, b) => a.firstRun - b.firstRun)) {
    if (!expOrder.has(g.experimentId)) expOrder.set(g.experimentId, g.firstRun)
    const vk = `${g.experimentId}/${g.variantLabel}`
    if (!variantOrder.has(vk)) variantOrder.set(vk, g.firstRun)
  }
  const axes: string[] = []
  for (const g of all) for (const k of Object.keys(g.point)) if (!axes.includes(k)) axes.push(k)
  all.sort((a, b) => {
    const e = expOrder.get(a.experimentId)! - expOrder.get(b.experimentId)!
    if (e) return e
    for (const k of axes) {
      const c = compareValues(a.point[k], b.point[k])
      if (c) return c
    }
    return variantOrder.get(`${a.experimentId}/${a.variantLabel}`)! - variantOrder.get(`${b.experimentId}/${b.variantLabel}`)!
  })

  const out: CompareGroup[] = all.map(({ values, firstRun: _first, ...g }) => {
    for (const [name, xs] of values) g.metrics[name] = trialStats(xs)
    return g
  })

  // The baseline: a run's group, or a variant; by default the first variant of the first experiment.
  let base: CompareData['baseline'] = null
  let anchor: CompareGroup | undefined
  if (typeof baseline === 'number' || (baseline && 'runId' in baseline)) {
    const id = typeof baseline === 'number' ? baseline : baseline.runId
    anchor = out.find((g) => g.runIds.includes(id))
    if (anchor) base = { variant: anchor.variantLabel, runId: id, chosen: true, kernel: !!anchor.kernel }
  } else if (baseline && 'variant' in baseline) {
    anchor = out.find((g) => g.variantLabel === baseline.variant)
    if (anchor) base = { variant: anchor.variantLabel, runId: null, chosen: true, kernel: !!anchor.kernel }
  }
  if (!base && out.length) {
    const firstExp = out[0].experimentId
    anchor = out
      .filter((g) => g.experimentId === firstExp)
      .sort(
        (a, b) => variantOrder.get(`${a.experimentId}/${a.variantLabel}`)! - variantOrder.get(`${b.experimentId}/${b.variantLabel}`)!
      )[0]
    base = { variant: anchor.variantLabel, runId: null, chosen: false, kernel: !!anchor.kernel }
  }

  /** The baseline group a group is measured against: the baseline's variant at the same sweep point. */
  const referenceOf = (g: CompareGroup): CompareGroup | undefined => {
    if (!base || !anchor) return undefined
    const pk = pointKey(g.point)
    const same = out.filter((c) => c.variantLabel === base.variant && pointKey(c.point) === pk)
    // A chosen run: its own experiment first; a design: the group's own experiment first.
    const preferExp = base.runId !== null ? anchor.experimentId : g.experimentId
    const own = same.find((c) => c.experimentId === preferExp) ?? same.find((c) => c.experimentId === g.experimentId)
    // Another experiment's runs are a baseline only when the user chose them.
    if (!base.chosen) return own
    if (own ?? same[0]) return own ?? same[0]
    // A chosen baseline that was not swept (a single run, a kernel run) stands for every point.
    if (Object.keys(anchor.point).length === 0) return anchor
    return undefined
  }

  // The sign of each difference under every scaled cost model both groups were rerun with.
  const judgedPairs = new Map<string, Record<string, SensitivityVerdict>>()
  const sensitivityFor = (ref: CompareGroup, g: CompareGroup): Record<string, SensitivityVerdict> => {
    const key = `${ref.key}|${g.key}`
    let v = judgedPairs.get(key)
    if (!v) {
      const side = (x: CompareGroup) => ({ experimentId: x.experimentId, variantLabel: x.variantLabel, point: x.point })
      v = compareSensitivity(allRuns, inputs.metricsByRun, side(ref), side(g), Object.keys(g.metrics))
      judgedPairs.set(key, v)
    }
    return v
  }

  const deltas: CompareData['deltas'] = {}
  const sig: CompareData['significance'] = {}
  const baselineKeys = new Set<string>()
  for (const g of out) {
    const ref = referenceOf(g)
    if (!ref) continue
    baselineKeys.add(ref.key)
    for (const [name, stats] of Object.entries(g.metrics)) {
      const b = ref.metrics[name]
      if (!b) continue
      const rel = relativeDifference(stats.mean, b.mean)
      if (rel === undefined) continue
      ;(deltas[name] ??= {})[g.key] = rel
      if (ref.key === g.key) continue
      const s = significance(stats, b)
      const d: Delta = { relative: rel, baselineKey: ref.key, verdict: s.verdict, p: s.p, why: s.why }
      const judged = withSensitivity ? sensitivityFor(ref, g)[name] : undefined
      if (judged) d.sensitivity = sensitivityResult(judged)
      ;(sig[name] ??= {})[g.key] = d
    }
  }

  const sweep = axes
    .map((path) => {
      const values: (number | string | boolean)[] = []
      for (const g of out) {
        const v = g.point[path]
        if (v !== undefined && !values.includes(v)) values.push(v)
      }
      return { path, values: values.sort(compareValues) }
    })
    .filter((a) => a.values.length > 1)

  const configs: CompareData['configs'] = {}
  for (const run of runs) configs[run.id] = flattenConfig(inputs.configsByRun.get(run.id) ?? {})
  const keys = out.filter((g) => baselineKeys.has(g.key)).map((g) => g.key)
  const data: CompareData = {
    groups: out,
    baseline: base,
    baselineKeys: keys,
    baselineKey: keys[0] ?? null,
    deltas,
    significance: sig,
    sweep,
    configs
  }
  if (withSensitivity) data.sensitivity = sensitivitySummary(sensitivityRuns)
  return data
}

/** A verdict as the API carries it: robust or not, and one line with the range and what it flips with. */
export function sensitivityResult(v: SensitivityVerdict): SensitivityResult {
  const { minRel, maxRel } = v.range
  return {
    verdict: v.verdict === 'robust' ? 'robust' : 'depends-on-cost-model',
    detail: describeVerdict(v),
    range: minRel !== null && maxRel !== null ? { minRel, maxRel } : null,
    // Flips are scaled cases, so their group is set.
    flips: v.flips.map((f) => ({ group: f.group!, factor: f.factor })),
    cases: v.cases.length
  }
}

/** Which sensitivity runs were set aside, and the cost groups and factors they scaled. */
function sensitivitySummary(runs: RunRecord[]): NonNullable<CompareData['sensitivity']> {
  const groups: string[] = []
  const factors: number[] = []
  for (const r of runs) {
    const s = sensitivityOf(r.point)
    if (!s) continue
    if (!groups.includes(s.group)) groups.push(s.group)
    if (!factors.includes(s.factor)) factors.push(s.factor)
  }
  return {
    runIds: runs.map((r) => r.id),
    groups: groups as NonNullable<CompareData['sensitivity']>['groups'],
    factors: factors.sort((a, b) => a - b)
  }
}
