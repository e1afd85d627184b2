// Sensitivity of a comparison to the cost model. An experiment with `sensitivity` reruns each
// simulated variant with one cost group scaled by one factor per run (planRuns; the point of
// such a run carries `sensitivity.<group>: factor`). For a metric, the difference between two
// variants is then known under the main cost model and under every scaled one: if its sign is
// the same in all of them the conclusion is "robust", otherwise it "depends on the cost model"
// and must be shown as such, never as a plain percentage. Pure functions over plain data.

import { COST_GROUPS, type CostGroup } from '../engine/pure'
import type { RunRecord } from './api'

/** Point keys of sensitivity runs: `sensitivity.device`, `sensitivity.lock`, ... */
export const SENSITIVITY_PREFIX = 'sensitivity.'

type Point = Record<string, number | string | boolean>

/** The scaled group and factor of a sensitivity run's point, or null for a main run. */
export function sensitivityOf(point: Point): { group: CostGroup; factor: number } | null {
  for (const [k, v] of Object.entries(point))
    if (k.startsWith(SENSITIVITY_PREFIX) && typeof v === 'number') {
      const group = k.slice(SENSITIVITY_PREFIX.length) as CostGroup
      if ((COST_GROUPS as readonly string[]).includes(group)) return { group, factor: v }
    }
  return null
}

export function isSensitivityPoint(point: Point): boolean {
  return Object.keys(point).some((k) => k.startsWith(SENSITIVITY_PREFIX))
}

/** The sweep point a run belongs to, without its sensitivity key. */
export function mainPoint(point: Point): Point {
  return Object.fromEntries(Object.entries(point).filter(([k]) => !k.startsWith(SENSITIVITY_PREFIX)))
}

/** One metric of one variant at one sweep point: the main runs' values (one per trial) and each scaled case's. */
export interface VariantSamples {
  main: number[]
  scaled: { group: CostGroup; factor: number; values: number[] }[]
}

/** The difference other - baseline under one cost model (group null: the main one). */
export interface SensitivityCase {
  group: CostGroup | null
  factor: number
  diff: number
  /** diff / baseline mean; null when the baseline mean is 0. */
  rel: number | null
}

export type SensitivityVerdictKind = 'robust' | 'depends on the cost model'

export interface SensitivityVerdict {
  metric: string
  verdict: SensitivityVerdictKind
  /** Sign of the main difference (other - baseline). */
  sign: 1 | -1 | 0
  main: SensitivityCase
  /** Over the main and every scaled case: smallest and largest difference, absolute and relative. */
  range: { minDiff: number; maxDiff: number; minRel: number | null; maxRel: number | null }
  /** Every scaled case judged, in group then factor order. */
  cases: SensitivityCase[]
  /** The scaled cases whose sign differs from the main one (empty when robust). */
  flips: SensitivityCase[]
  /** Scaled cases one variant has and the other lacks: not judged. */
  missing: { group: CostGroup; factor: number }[]
}

/** Differences this small relative to the baseline are float noise, taken as 0. */
const ZERO_REL = 1e-9

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

function caseOf(group: CostGroup | null, factor: number, base: number[], other: number[]): SensitivityCase {
  const b = mean(base)
  let diff = mean(other) - b
  if (Math.abs(diff) <= ZERO_REL * Math.max(Math.abs(b), 1e-300)) diff = 0
  return { group, factor, diff, rel: b === 0 ? null : diff / Math.abs(b) }
}

/**
 * Whether the sign of (other - baseline) for a metric holds under every scaled cost model both
 * variants were run with. Null when there is nothing to judge (no main values, or no scaled
 * case both variants have).
 */
export function sensitivityVerdict(metric: string, baseline: VariantSamples, other: VariantSamples): SensitivityVerdict | null {
  if (baseline.main.length === 0 || other.main.length === 0) return null
  const main = caseOf(null, 1, baseline.main, other.main)
  const sign = Math.sign(main.diff) as 1 | -1 | 0
  const cases: SensitivityCase[] = []
  const missing: { group: CostGroup; factor: number }[] = []
  const key = (s: { group: CostGroup; factor: number }): string => `${s.group}@${s.factor}`
  const otherCases = new Map(other.scaled.filter((s) => s.values.length).map((s) => [key(s), s]))
  const seen = new Set<string>()
  const order = (a: { group: CostGroup; factor: number }, b: { group: CostGroup; factor: number }): number =>
    COST_GROUPS.indexOf(a.group) - COST_GROUPS.indexOf(b.group) || a.factor - b.factor
  for (const s of [...baseline.scaled].sort(order)) {
    if (!s.values.length) continue
    seen.add(key(s))
    const o = otherCases.get(key(s))
    if (!o) missing.push({ group: s.group, factor: s.factor })
    else cases.push(caseOf(s.group, s.factor, s.values, o.values))
  }
  for (const s of other.scaled) if (s.values.length && !seen.has(key(s))) missing.push({ group: s.group, factor: s.factor })
  if (cases.length === 0) return null
  const all = [main, ...cases]
  const flips = cases.filter((c) => Math.sign(c.diff) !== sign)
  const rels = all.map((c) => c.rel).filter((r): r is number => r !== null)
  return {
    metric,
    verdict: flips.length ? 'depends on the cost model' : 'robust',
    sign,
    main,
    range: {
      minDiff: Math.min(...all.map((c) => c.diff)),
      maxDiff: Math.max(...all.map((c) => c.diff)),
      minRel: rels.length === all.length ? Math.min(...rels) : null,
      maxRel: rels.length === all.length ? Math.max(...rels) : null
    },
    cases,
    flips,
    missing
  }
}

/** Which runs form one side of a comparison: an experiment's variant at a sweep point (sensitivity key ignored). */
export interface VariantKey {
  experimentId: number
  variantLabel: string
  point: Point
}

const samePoint = (a: Point, b: Point): boolean => {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

/** The values of `metric` for one variant: its main runs and its sensitivity runs, from finished runs' metrics. */
export function variantSamples(
  runs: Pick<RunRecord, 'id' | 'experimentId' | 'variantLabel' | 'point'>[],
  metrics: Map<number, Record<string, number>>,
  variant: VariantKey,
  metric: string
): VariantSamples {
  const want = mainPoint(variant.point)
  const out: VariantSamples = { main: [], scaled: [] }
  for (const r of runs) {
    if (r.experimentId !== variant.experimentId || r.variantLabel !== variant.variantLabel) continue
    if (!samePoint(mainPoint(r.point), want)) continue
    const v = metrics.get(r.id)?.[metric]
    if (typeof v !== 'number' || !Number.isFinite(v)) continue
    const s = sensitivityOf(r.point)
    if (!s) out.main.push(v)
    else {
      let c = out.scaled.find((x) => x.group === s.group && x.factor === s.factor)
      if (!c) out.scaled.push((c = { group: s.group, factor: s.factor, values: [] }))
      c.values.push(v)
    }
  }
  return out
}

/**
 * Verdicts for every metric of a comparison between two variants (what Compare shows beside
 * each difference); metrics with nothing to judge are left out.
 */
export function compareSensitivity(
  runs: Pick<RunRecord, 'id' | 'experimentId' | 'variantLabel' | 'point'>[],
  metrics: Map<number, Record<string, number>>,
  baseline: VariantKey,
  other: VariantKey,
  metricNames: string[]
): Record<string, SensitivityVerdict> {
  const out: Record<string, SensitivityVerdict> = {}
  for (const m of metricNames) {
    const v = sensitivityVerdict(m, variantSamples(runs, metrics, baseline, m), variantSamples(runs, metrics, other, m))
    if (v) out[m] = v
  }
  return out
}

/** One line for tables: "robust (+3.1 % .. +8.0 %)" or "depends on the cost model (-2.0 % .. +5.1 %; flips with device x0.5)". */
export function describeVerdict(v: SensitivityVerdict): string {
  const pct = (r: number | null): string => (r === null ? '?' : `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)} %`)
  const range = v.range.minRel !== null ? `${pct(v.range.minRel)} .. ${pct(v.range.maxRel)}` : `${v.range.minDiff} .. ${v.range.maxDiff}`
  if (v.verdict === 'robust') return `robust (${range})`
  return `depends on the cost model (${range}; flips with ${v.flips.map((f) => `${f.group} x${f.factor}`).join(', ')})`
}
