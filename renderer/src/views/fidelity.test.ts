// @vitest-environment happy-dom
// The Fidelity view: the report of recorded runs (real runs of the set's first case on the host
// kernel and Debian 6.12 under TCG with their paired designs, e2e/fixtures/fidelity-runs.json),
// out-of-goal cells marked, kernels marked with their badge; starting the set on chosen kernels.
import { describe, expect, it } from 'vitest'
import { freshLab, mountView, settle } from '../testing/setup'
import { buildFidelityReport, type FidelityRun } from '../../../experiments/fidelity'
import { emptyCounters } from '../../../engine/metrics/counters'
import Fidelity from './Fidelity.vue'
import recorded from '../../../e2e/fixtures/fidelity-runs.json'

interface ExportedRun extends Omit<FidelityRun, 'id' | 'experimentName'> {
  sourceRunId: number
  experiment: { name: string }
}

/** As `swaplab import` reads an export: a counter a kernel did not measure is null there, empty in the store. */
const EMPTY = emptyCounters() as unknown as Record<string, unknown>
const unexported = (v: unknown, k: string): unknown => (v === null ? structuredClone(EMPTY[k] ?? 0) : v)

function recordedReport() {
  const runs = (recorded.runs as unknown as ExportedRun[]).map((r) => ({
    ...r,
    id: r.sourceRunId,
    experimentName: r.experiment.name,
    summary: r.summary && {
      ...r.summary,
      counters: Object.fromEntries(Object.entries(r.summary.counters).map(([k, v]) => [k, unexported(v, k)])) as never
    }
  }))
  return buildFidelityReport(runs, { hostProfile: false })!
}

describe('the Fidelity view', () => {
  it('shows each kernel against its paired design, marks what misses the goal, and badges the kernels', async () => {
    const t = freshLab()
    t.lab.fidelity = recordedReport()
    const w = await mountView(Fidelity, t)
    await settle()
    expect(w.text()).toMatch(/set 20261128T0740Z/)
    const section = w.get('[data-case="usemem-seq-1p-32M"]')
    const hostOut = section.get('tr[data-pair="host"][data-metric="pswpout"]')
    expect(hostOut.text()).toMatch(/26,984 ± 1,303.*24,576 ± 0.*-8\.9 %.*MISS/s)
    expect(hostOut.find('[data-test=miss]').exists()).toBe(true)
    const vmOut = section.get('tr[data-pair="debian-6.12.117-1~deb12u1"][data-metric="pswpout"]')
    expect(vmOut.text()).toMatch(/-2\.0 %.*ok/s)
    expect(vmOut.find('[data-test=miss]').exists()).toBe(false)
    const badges = section.findAll('[data-test=kernel-badge]').map((b) => b.text())
    expect(badges[0]).toMatch(/kernel 6\.18\.44.*host.*system-wide counters/s)
    expect(badges[1]).toMatch(/kernel 6\.12\.117\+deb12-cloud-amd64 · VM · TCG.*wall times are emulation/s)
    expect(w.get('[data-test=host-profile]').text()).toBe('Host profile: not fitted.')
    expect(w.get('[data-test=fidelity-worst]').text()).toMatch(/pswpout\s*-8\.9 %\s*usemem-seq-1p-32M\s*host/)
    // The set on show can be simulated again against its kernel runs.
    await w.get('[data-test=fidelity-resimulate]').trigger('click')
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'startFidelity')).toEqual([
      { method: 'startFidelity', args: [{ resimulate: true, stamp: '20261128T0740Z' }] }
    ])
  })

  it('says when no set is recorded, and starts the set on the kernels ticked', async () => {
    const t = freshLab()
    const w = await mountView(Fidelity, t)
    await settle()
    expect(w.get('[data-test=fidelity-empty]').text()).toMatch(/No fidelity set is recorded yet/)
    expect(w.find('[data-test=fidelity-resimulate]').exists()).toBe(false)
    // Only the host and cached kernels are offered (fetching is for the CLI and New experiment).
    expect(w.findAll('[data-kernel]').map((c) => c.attributes('data-kernel'))).toEqual(['host', 'debian-6.12.57-1'])
    await w.get('[data-kernel="debian-6.12.57-1"]').setValue(true)
    await w.get('[data-test=fidelity-quick]').setValue(true)
    await w.get('[data-test=fidelity-run]').trigger('click')
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'startFidelity')).toEqual([
      { method: 'startFidelity', args: [{ kernels: ['debian-6.12.57-1'], quick: true }] }
    ])
    expect(w.get('[data-test=fidelity-started]').text()).toMatch(/Set 20261128T0800Z: 2 runs queued.*skipped host: needs root/s)
  })
})
