// How a fidelity report reads: the CLI's table, its footer and the markdown report
// (docs/fidelity.md). Pure, and types only from the contract, so the renderer may use it too.

import type { FidelityMetric, FidelityReport, FidelityRow, FidelityStat } from './api'

export const METRIC_TITLES: Record<FidelityMetric, string> = {
  pswpout: 'pswpout',
  pswpin: 'pswpin',
  readahead_pages: 'readahead pages',
  readahead_hits: 'readahead hits',
  major_faults: 'major faults',
  mthp_fallback_per_iteration: 'mTHP fallback % per iteration',
  system_time_s: 'system time (s), default profile',
  system_time_s_host_profile: 'system time (s), host profile',
  throughput_bytes_per_s: 'throughput (B/s), default profile',
  throughput_bytes_per_s_host_profile: 'throughput (B/s), host profile'
}

/** "12,345", "0.0123", "1.2e9": counts as integers, the rest with 4 significant digits. */
export function fmtValue(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US')
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(3)
  return Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 })
}

export function fmtStat(s: FidelityStat | null, metric: FidelityMetric): string {
  if (!s) return '-'
  const round = (v: number): number =>
    metric.startsWith('system_time') || metric.startsWith('throughput') || metric.startsWith('mthp') ? v : Math.round(v)
  const m = fmtValue(round(s.mean))
  return s.n > 1 ? `${m} ± ${fmtValue(round(s.stddev))}` : m
}

export function fmtDiff(r: FidelityRow): string {
  if (r.diff === null) return r.kernel && r.sim ? '∞' : '-'
  if (r.diffKind === 'points') return `${r.diff >= 0 ? '+' : ''}${r.diff.toFixed(1)} pt`
  return `${r.diff >= 0 ? '+' : ''}${(r.diff * 100).toFixed(1)} %`
}

export function fmtGoal(r: FidelityRow): string {
  if (r.meets === null) return r.goal === null ? '' : '-'
  const g = r.diffKind === 'points' ? `${r.goal} pt` : `${(r.goal! * 100).toFixed(0)} %`
  return r.meets ? `ok (±${g})` : `MISS (±${g})`
}

/** Header and rows of the table the CLI prints (one row per case, kernel and metric). */
export function fidelityTableRows(report: FidelityReport): { header: string[]; rows: string[][] } {
  const header = ['case', 'kernel', 'sim', 'metric', 'kernel (mean ± sd)', 'sim (mean ± sd)', 'diff', 'goal']
  const rows: string[][] = []
  for (const p of report.pairs)
    for (const r of p.rows)
      rows.push([
        p.caseId,
        `${p.kernelImage} (${p.kernelRelease})`,
        p.simLabel ?? '-',
        METRIC_TITLES[r.metric],
        fmtStat(r.kernel, r.metric),
        fmtStat(r.sim, r.metric),
        fmtDiff(r),
        r.meets === null && r.note && (!r.kernel || !r.sim) ? r.note : fmtGoal(r)
      ])
  return { header, rows }
}

/** The lines under the table: problems, the worst row per metric, the totals. */
export function fidelityFooter(report: FidelityReport): string[] {
  const lines: string[] = []
  for (const p of report.pairs) for (const x of p.problems) lines.push(`${p.caseId} ${p.kernelImage}: ${x}`)
  if (!report.hostProfile) lines.push('host profile: not fitted (the host-profile rows fill in once engine/sim/profiles has host.json)')
  for (const w of report.worst)
    lines.push(
      `worst ${METRIC_TITLES[w.metric]}: ${fmtDiff({ diff: w.diff, diffKind: w.diffKind, kernel: null, sim: null } as unknown as FidelityRow).replace(/^-$/, '∞')} (${w.caseId}, ${w.kernelImage})`
    )
  lines.push(`${report.counts.meets} of ${report.counts.rows} judged rows meet their goal; ${report.counts.misses} miss`)
  return lines
}

/** The report as markdown: per case a table of kernel against simulation. */
export function fidelityMarkdown(report: FidelityReport, heading = `Fidelity set ${report.stamp}`): string {
  const out: string[] = [`## ${heading}`, '']
  out.push(
    `Goals: counters within ${report.goals.counterRelative * 100} % of the kernel, mTHP fallback within ${report.goals.fallbackPoints} points in every iteration, host-profile system time within ${report.goals.hostSystemTimeRelative * 100} %. Kernel and simulated values are mean ± standard deviation over trials; diff is (simulated - kernel) / kernel, or points for fallback.`,
    ''
  )
  for (const caseId of report.caseIds) {
    const ps = report.pairs.filter((p) => p.caseId === caseId)
    if (!ps.length) continue
    out.push(`### ${caseId}: ${ps[0].caseTitle}`, '')
    out.push('| kernel | simulated | metric | kernel | simulated | diff | goal |', '|---|---|---|---:|---:|---:|---|')
    for (const p of ps)
      for (const r of p.rows) {
        const goal = fmtGoal(r)
        out.push(
          `| ${p.kernelRelease} (${p.where === 'host' ? 'host' : `VM ${p.accel.toUpperCase()}`}${kernelOptions(p.kernelImage)}) | ${p.simLabel ?? '-'} | ${METRIC_TITLES[r.metric]} | ${fmtStat(r.kernel, r.metric)} | ${fmtStat(r.sim, r.metric)} | ${fmtDiff(r)} | ${goal.startsWith('MISS') ? `**${goal}**` : goal}${r.note ? ` ${r.note}` : ''} |`
        )
      }
    for (const p of ps) for (const x of p.problems) out.push('', `- ${p.kernelRelease}: ${x}`)
    out.push('')
  }
  out.push('### Worst disagreement per metric', '', '| metric | diff | case | kernel |', '|---|---:|---|---|')
  for (const w of report.worst)
    out.push(
      `| ${METRIC_TITLES[w.metric]} | ${w.diff === null ? '∞ (kernel 0)' : w.diffKind === 'points' ? `${w.diff.toFixed(1)} pt` : `${(w.diff * 100).toFixed(1)} %`} | ${w.caseId} | ${w.kernelImage} |`
    )
  out.push('', `${report.counts.meets} of ${report.counts.rows} judged rows meet their goal; ${report.counts.misses} miss.`)
  if (!report.hostProfile) out.push('', 'Host profile: not fitted.')
  return `${out.join('\n')}\n`
}

/** The options a kernel's label carries after its image ("debian-6.12 lru=classic" -> ", lru=classic"). */
function kernelOptions(image: string): string {
  const extra = image.split(' ').slice(1)
  return extra.length ? `, ${extra.join(', ')}` : ''
}
