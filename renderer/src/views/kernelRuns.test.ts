// @vitest-environment happy-dom
// Kernel runs in the views: the kernel design's image picker in New experiment, and the
// kernel badge with its caveats in Runs, run detail and Compare.
import { describe, expect, it } from 'vitest'
import { freshLab, mountView, settle } from '../testing/setup'
import { PREVIEW_DELAY_MS, useDraft } from '../stores/draft'
import { useNav } from '../stores/nav'
import { useRuns } from '../stores/runs'
import type { KernelBadge, RunRecord } from '../../../experiments/api'
import NewExperiment from './NewExperiment.vue'
import Runs from './Runs.vue'
import RunDetail from './RunDetail.vue'
import Compare from './Compare.vue'

const VM_TCG: KernelBadge = {
  release: '6.12.57+deb13-cloud-amd64',
  where: 'vm',
  accel: 'tcg',
  timingsAreKernel: false,
  countersSystemWide: false,
  pairedDesign: 'cluster'
}
const HOST: KernelBadge = {
  release: '6.18.1',
  where: 'host',
  accel: null,
  timingsAreKernel: true,
  countersSystemWide: true,
  pairedDesign: null
}

describe('the kernel design in New experiment', () => {
  it('offers the host, cached and fetchable kernels from the lab, and starts a run on the one picked', async () => {
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await w.get('select[aria-label="design to add"]').setValue('kernel')
    await w
      .findAll('button')
      .find((b) => b.text() === 'Add design')!
      .trigger('click')
    await settle()
    const picker = w.get('#f-designs-2-options-image')
    expect(picker.findAll('option').map((o) => o.attributes('value'))).toEqual(['host', 'debian-6.12.57-1', 'debian-6.1.170-3'])
    expect(picker.text()).toMatch(/fetched on first use/)
    expect(t.lab.calls.filter((c) => c.method === 'kernels')).toHaveLength(1)
    await picker.setValue('debian-6.12.57-1')
    await w.get('.kernel-advanced summary').trigger('click')
    await w.get('#f-designs-2-options-accel').setValue('tcg')
    expect(useDraft().config!.designs[2]).toEqual({
      design: 'kernel',
      options: { image: 'debian-6.12.57-1', accel: 'tcg', lru: 'default' }
    })
    await settle(PREVIEW_DELAY_MS + 20)
    await w.get('[data-test=start]').trigger('click')
    await settle()
    const [start] = t.lab.calls.filter((c) => c.method === 'start')
    expect((start.args[0] as { designs: unknown[] }).designs[2]).toEqual({
      design: 'kernel',
      options: { image: 'debian-6.12.57-1', accel: 'tcg', lru: 'default' }
    })
  })

  it('shows the lab’s message beside the kernel when the workload has no program', async () => {
    freshLab()
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await w.get('select[aria-label="design to add"]').setValue('kernel')
    await w
      .findAll('button')
      .find((b) => b.text() === 'Add design')!
      .trigger('click')
    await w.get('#f-workload-name').setValue('fill')
    await settle(PREVIEW_DELAY_MS + 20)
    expect(w.get('p.field-error[data-field="workload.name"]').text()).toMatch(/no program for a real kernel/)
  })
})

describe('kernel runs in Runs, run detail and Compare', () => {
  const seed: Partial<RunRecord>[] = [
    {
      variantLabel: 'kernel debian-6.12',
      design: 'kernel' as const,
      kernel: VM_TCG,
      headline: { pswpout: 12901, engine_wall_time_s: 2.2 }
    },
    { variantLabel: 'kernel host', design: 'kernel' as const, kernel: HOST, headline: { pswpout: 12410, engine_wall_time_s: 6 } },
    { variantLabel: 'swap-table P1', design: 'swap-table' as const, headline: { pswpout: 12288, sim_time_s: 0.04 } }
  ]

  it('marks kernel runs in the run list with the release, VM or host, the accelerator and the caveat', async () => {
    const t = freshLab(seed)
    await useRuns().init()
    const w = await mountView(Runs, t)
    const badges = (id: number) =>
      w
        .get(`tr[data-run="${id}"]`)
        .findAll('[data-test=kernel-badge] .badge')
        .map((b) => b.text())
    expect(badges(1)).toEqual(['kernel 6.12.57+deb13-cloud-amd64 · VM · TCG', 'wall times are emulation'])
    expect(badges(2)).toEqual(['kernel 6.18.1 · host', 'system-wide counters'])
    expect(w.get('tr[data-run="3"]').find('[data-test=kernel-badge]').exists()).toBe(false)
  })

  it('says in the run detail what the numbers of a TCG run mean and which design models the kernel', async () => {
    const t = freshLab(seed)
    useNav().go('detail', 1)
    const w = await mountView(RunDetail, t)
    const text = w.get('[data-test=kernel-run]').text()
    expect(text).toMatch(/kernel 6\.12\.57\+deb13-cloud-amd64 · VM · TCG/)
    expect(text).toMatch(/wall times are emulation \(TCG\), not kernel timings/)
    expect(text).toMatch(/modelled by cluster/)
  })

  it('compares kernel runs beside a simulated design, with – where a run did not measure a metric', async () => {
    const t = freshLab(seed)
    const runs = useRuns()
    await runs.init()
    runs.setSelection([1, 2, 3])
    runs.pinBaseline(3)
    const w = await mountView(Compare, t)
    await settle()
    const rows = w.findAll('[data-test=deltas] tbody tr')
    expect(rows.map((r) => r.find('[data-test=kernel-badge] .badge.kernel').exists())).toEqual([true, true, false])
    expect(rows[0].text()).toMatch(/wall times are emulation/)
    expect(rows[1].text()).toMatch(/system-wide counters/)
    // The kernels have no simulated clock: their sim_time_s cell is '–', with no delta.
    const header = w.findAll('[data-test=deltas] thead th').map((h) => h.text())
    const col = header.findIndex((h) => /sim/i.test(h))
    expect(col).toBeGreaterThan(1)
    expect(rows.map((r) => r.findAll('td')[col].text())).toEqual(['–', '–', expect.stringMatching(/\d/)])
  })
})
