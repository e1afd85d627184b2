// Compare's state in the address: which runs, which baseline, which metrics and x axis, so a
// reload or a shared link shows the same comparison. Run ids are written as ranges (1-100).
import type { CompareBaseline } from '../../../experiments/api'
import type { XAxis } from '../charts/compareCharts'

export interface CompareState {
  runIds: number[]
  baseline: CompareBaseline | null
  metrics: string[]
  x: XAxis | null
}

export function encodeIds(ids: number[]): string {
  const s = [...new Set(ids)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < s.length;) {
    let j = i
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++
    parts.push(j > i ? `${s[i]}-${s[j]}` : String(s[i]))
    i = j + 1
  }
  return parts.join(',')
}

export function decodeIds(text: string): number[] {
  const out: number[] = []
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (!m) continue
    const a = Number(m[1])
    const b = m[2] ? Number(m[2]) : a
    // A hand-edited range of absurd length is cut rather than allocating millions of ids.
    for (let id = a; id <= b && out.length < 10_000; id++) if (id > 0) out.push(id)
  }
  return [...new Set(out)]
}

export function encodeState(s: CompareState): string {
  const q = new URLSearchParams()
  if (s.runIds.length) q.set('runs', encodeIds(s.runIds))
  if (s.baseline) q.set('base', 'runId' in s.baseline ? `run:${s.baseline.runId}` : `design:${s.baseline.variant}`)
  if (s.metrics.length) q.set('metrics', s.metrics.join(','))
  if (s.x) q.set('x', s.x)
  return q.toString()
}

export function decodeState(query: string): CompareState {
  const q = new URLSearchParams(query)
  const base = q.get('base') ?? ''
  let baseline: CompareBaseline | null = null
  const run = /^run:(\d+)$/.exec(base)
  if (run) baseline = { runId: Number(run[1]) }
  else if (base.startsWith('design:') && base.length > 7) baseline = { variant: base.slice(7) }
  const x = q.get('x')
  return {
    runIds: decodeIds(q.get('runs') ?? ''),
    baseline,
    metrics: (q.get('metrics') ?? '').split(',').filter(Boolean),
    x: x === 'sim' || x === 'wall' || x === 'ops' ? x : null
  }
}
