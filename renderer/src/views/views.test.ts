// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { freshLab, mountView, settle } from '../testing/setup'
import { PREVIEW_DELAY_MS, useDraft } from '../stores/draft'

const useDraftConfig = () => useDraft().config!
import { useNav } from '../stores/nav'
import { useRuns } from '../stores/runs'
import { useCompare } from '../stores/compare'
import { useQueue } from '../stores/queue'
import { useSettings } from '../stores/settings'
import NewExperiment from './NewExperiment.vue'
import Running from './Running.vue'
import Runs from './Runs.vue'
import RunDetail from './RunDetail.vue'
import Compare from './Compare.vue'
import App from '../App.vue'

describe('New experiment view', () => {
  it('shows the message beside the field as you type and starts nothing', async () => {
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await settle(PREVIEW_DELAY_MS + 20)
    expect(w.get('[data-test=preview]').text()).toMatch(/2 runs/)
    await w.get('#f-cpus').setValue('0')
    await settle()
    const msg = w.get('p.field-error[data-field=cpus]')
    expect(msg.text()).toMatch(/cpus|1/)
    expect(w.get('#f-cpus').attributes('aria-invalid')).toBe('true')
    expect(w.get('[data-test=start]').attributes('disabled')).toBeDefined()
    await w.get('[data-test=start]').trigger('click')
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'start')).toEqual([])
    await w.get('#f-cpus').setValue('4')
    await settle(PREVIEW_DELAY_MS + 20)
    expect(w.find('p.field-error[data-field=cpus]').exists()).toBe(false)
  })

  it('checks the advanced fields too', async () => {
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await w.get('details.advanced summary').trigger('click')
    await w.get('#f-pageCluster').setValue('9')
    await settle()
    expect(w.get('p.field-error[data-field=pageCluster]').text()).toMatch(/0 to 5/)
    await w.get('#f-devices-0-discard').setValue(true)
    expect(useDraftConfig().devices[0].discard).toBe(true)
  })

  it('loads a preset, shows design options, and starts the experiment', async () => {
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await w.get('#f-source').setValue('fill-metadata')
    await settle(PREVIEW_DELAY_MS + 20)
    expect((w.get('#f-name').element as HTMLInputElement).value).toBe('Metadata at 50 % fill')
    expect(w.find('#f-workload-params-targetPercent').exists()).toBe(true)
    expect(w.find('#f-designs-1-options-phase').exists()).toBe(true)
    await w.get('[data-test=start]').trigger('click')
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'start')).toHaveLength(1)
    expect(useNav().view).toBe('running')
  })

  it('names fields to fix by their labels in the side panel, not by schema paths', async () => {
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await w.get('#f-source').setValue('fill-metadata')
    await settle(PREVIEW_DELAY_MS + 20)
    await w.get('#f-cpus').setValue('0')
    await settle(PREVIEW_DELAY_MS + 20)
    const links = w.findAll('.error-fields a').map((a) => a.text())
    expect(links.length).toBeGreaterThan(0)
    for (const l of links) expect(l).not.toMatch(/^[a-z]+(\.[A-Za-z0-9]+)+$/)
    expect(links.join(' ')).toMatch(/CPUs|cpus/i)
  })

  it('starts with Ctrl+Enter from anywhere in the form, and not while the form has errors', async () => {
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await w.get('#f-source').setValue('fill-metadata')
    await settle(PREVIEW_DELAY_MS + 20)
    await w.get('#f-cpus').setValue('0')
    await settle(PREVIEW_DELAY_MS + 20)
    await w.get('#f-name').trigger('keydown', { key: 'Enter', ctrlKey: true })
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'start')).toHaveLength(0)
    await w.get('#f-cpus').setValue('2')
    await settle(PREVIEW_DELAY_MS + 20)
    await w.get('#f-name').trigger('keydown', { key: 'Enter', ctrlKey: true })
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'start')).toHaveLength(1)
  })
})

describe('Running view', () => {
  it('shows a progress bar per run and overall, and cancels a run', async () => {
    const t = freshLab()
    await useQueue().init()
    await t.lab.start((await t.lab.presets())[0].config)
    t.lab.step()
    const w = await mountView(Running, t)
    expect(w.findAll('[role=progressbar]')).toHaveLength(3)
    expect(w.get('[data-test=overall]').text()).toMatch(/0 of 2 runs finished.*25 %.*ETA 12 s/s)
    expect(w.findAll('.chart-panel')).toHaveLength(5)
    await w.get('[data-test=cancel-2]').trigger('click')
    await settle()
    expect(t.lab.calls).toContainEqual({ method: 'cancel', args: [2] })
    expect(w.get('[data-run="2"]').text()).toMatch(/cancelled/)
  })
})

describe('Runs view', () => {
  const seed = [
    { variantLabel: 'cluster' },
    { variantLabel: 'swap-table P4', design: 'swap-table' as const },
    { variantLabel: 'vswap', design: 'vswap' as const, status: 'failed' as const }
  ]

  it('lists runs, filters by a column, sorts by a header, groups by experiment', async () => {
    const t = freshLab(seed)
    await useRuns().init()
    const w = await mountView(Runs, t)
    expect(w.findAll('tbody tr[data-run]').map((r) => r.attributes('data-run'))).toEqual(['3', '2', '1'])
    await w.get('[data-filter=status]').setValue('fail')
    expect(w.findAll('tbody tr[data-run]').map((r) => r.attributes('data-run'))).toEqual(['3'])
    await w.get('[data-filter=status]').setValue('')
    await w
      .findAll('th .th-button')
      .find((b) => b.text().startsWith('Design'))!
      .trigger('click')
    expect(w.findAll('tbody tr[data-run]').map((r) => r.attributes('data-run'))).toEqual(['1', '2', '3'])
    await w.get('[data-test=group]').setValue(true)
    expect(w.find('.group-row').text()).toMatch(/Seeded/)
  })

  it('deletes selected runs only after confirmation, and pins a baseline', async () => {
    const t = freshLab(seed)
    await useRuns().init()
    const w = await mountView(Runs, t)
    await w.get('input[aria-label="select run 2"]').setValue(true)
    await w.get('[data-test=delete]').trigger('click')
    expect(w.get('[role=dialog]').text()).toMatch(/Delete 1 run/)
    await w
      .findAll('[role=dialog] button')
      .find((b) => b.text() === 'Cancel')!
      .trigger('click')
    expect(t.lab.calls.filter((c) => c.method === 'deleteRuns')).toEqual([])
    await w.get('[data-test=delete]').trigger('click')
    await w
      .findAll('[role=dialog] button')
      .find((b) => b.text() === 'Delete')!
      .trigger('click')
    await settle()
    expect(t.lab.calls).toContainEqual({ method: 'deleteRuns', args: [[2]] })
    expect(w.find('tr[data-run="2"]').exists()).toBe(false)
    await w.get('[data-test=pin-1]').trigger('click')
    expect(useSettings().settings.baselineRunId).toBe(1)
    expect(w.get('[data-test=pin-1]').text()).toBe('★')
  })

  it('reruns a run and exports the selection', async () => {
    const t = freshLab(seed)
    await useRuns().init()
    const w = await mountView(Runs, t)
    await w.get('[data-test=rerun-1]').trigger('click')
    await settle()
    expect(t.lab.calls).toContainEqual({ method: 'rerun', args: [1] })
    await w.get('input[aria-label="select run 1"]').setValue(true)
    await w.get('[data-test=export]').trigger('click')
    await settle()
    expect(t.lab.calls).toContainEqual({ method: 'saveCsv', args: [[1]] })
  })
})

describe('Run detail view', () => {
  it('shows the error of a failed run, its config, charts, an x-axis choice and notes', async () => {
    const t = freshLab([{ status: 'failed', error: 'devices.0.sizeBytes: device full' }])
    useNav().go('detail', 1)
    const w = await mountView(RunDetail, t)
    expect(w.get('[data-test=run-error]').text()).toMatch(/device full/)
    expect(w.text()).toMatch(/memoryLimitBytes/)
    expect(w.findAll('.chart-panel')).toHaveLength(5)
    await w.get('[data-test=x-axis]').setValue('wall')
    expect(useSettings().settings.xAxis).toBe('wall')
    await w.get('textarea').setValue('note text')
    await w
      .findAll('button')
      .find((b) => b.text() === 'Save note')!
      .trigger('click')
    await settle()
    expect(t.lab.calls).toContainEqual({ method: 'setNote', args: [1, 'note text'] })
  })
})

describe('Compare view', () => {
  it('shows overlays, error-bar charts, deltas in % and x, and a config table with differences only', async () => {
    const t = freshLab([
      { variantLabel: 'cluster', headline: { throughput_bytes_per_s: 100 } },
      { variantLabel: 'swap-table P4', design: 'swap-table', headline: { throughput_bytes_per_s: 150 } }
    ])
    const runs = useRuns()
    await runs.init()
    runs.setSelection([1, 2])
    runs.pinBaseline(1)
    const w = await mountView(Compare, t)
    await settle()
    expect(w.get('[data-test=baseline]').text()).toMatch(/Baseline:\s*run #1 \(cluster\)/)
    expect(w.findAll('.chart-panel').length).toBeGreaterThanOrEqual(4)
    // One trial each: the difference is shown, grey, and says it is untested.
    const delta = w.get('[data-test=deltas] [data-verdict]')
    expect(delta.text()).toMatch(/\+50 % · 1\.50x\s*untested/)
    expect(delta.classes()).toContain('noise')
    expect(delta.attributes('title')).toMatch(/one trial each/)
    const rows = () => w.findAll('[data-test=config-table] tbody th').map((x) => x.text())
    // Fields by name, not by schema path (issue 11); the path is in the title.
    expect(rows()).toEqual(['Design'])
    await w.get('[data-test=diff-only]').setValue(false)
    expect(rows()).toEqual(['CPUs', 'Design', 'Seed', 'Workload', 'Tasks'])
    expect(w.findAll('[data-test=config-table] tbody th').at(-1)!.attributes('title')).toBe('workload.params.tasks')
    expect(useSettings().settings.differencesOnly).toBe(false)
  })

  it('marks kernel runs, can make one the baseline, and shows – for what a kernel did not measure', async () => {
    const t = freshLab([
      { variantLabel: 'legacy', headline: { sim_time_s: 2, swpin: 10 } },
      { variantLabel: 'kernel host', design: 'legacy', headline: { sim_time_s: 3 } }
    ])
    t.lab.kernelRuns.set(2, { release: '6.12.57', where: 'host', timingsAreKernel: true })
    const runs = useRuns()
    await runs.init()
    runs.setSelection([1, 2])
    const w = await mountView(Compare, t)
    await settle()
    expect(w.get('[data-test=design-legend]').text()).toMatch(/kernel host.*kernel 6\.12\.57 \(host\)/)
    await w.get('[data-test=baseline-select]').setValue('design:kernel host')
    await settle()
    expect(w.get('[data-test=baseline]').text()).toMatch(/kernel host\s*kernel/)
    const kernelRow = w.get('[data-test=deltas] tr.baseline')
    expect(kernelRow.text()).toContain('kernel')
    // Choose the metrics: swpin was not measured on the kernel.
    useCompare().setMetrics(['sim_time_s', 'swpin'])
    await settle()
    expect(kernelRow.get('[data-metric=swpin]').text()).toBe('–')
    expect(w.get('[data-test=deltas] tr:not(.baseline) [data-metric=sim_time_s]').text()).toMatch(/−33/)
  })

  it('shows a cost-model sensitivity verdict when the lab gives one, and none otherwise', async () => {
    const t = freshLab([
      { variantLabel: 'a', headline: { sim_time_s: 2 } },
      { variantLabel: 'b', headline: { sim_time_s: 3 } }
    ])
    const compare = t.lab.compare.bind(t.lab)
    t.lab.compare = async (ids, base) => {
      const d = await compare(ids, base)
      d.significance.sim_time_s['1/b'].sensitivity = { verdict: 'depends-on-cost-model', detail: 'sign flips below 20 µs lock hold' }
      return d
    }
    const runs = useRuns()
    await runs.init()
    runs.setSelection([1, 2])
    const w = await mountView(Compare, t)
    await settle()
    const verdicts = w.findAll('[data-sensitivity]')
    expect(verdicts.map((c) => c.text())).toEqual(['depends on the cost model'])
    expect(verdicts[0].attributes('title')).toMatch(/lock hold/)
    // A conclusion that flips is never shown as a plain percentage.
    const cell = w.find('[data-group="1/b"] [data-metric=sim_time_s]')
    expect(cell.text()).not.toMatch(/\+50/)
  })

  it('shows a flipping difference as the range it spans and a robust one with its percentage', async () => {
    const t = freshLab([
      { variantLabel: 'a', headline: { sim_time_s: 2, swpout: 10 } },
      { variantLabel: 'b', headline: { sim_time_s: 3, swpout: 5 } }
    ])
    const compare = t.lab.compare.bind(t.lab)
    t.lab.compare = async (ids, base) => {
      const d = await compare(ids, base)
      d.sensitivity = { runIds: [7, 8], groups: ['device'], factors: [0.5, 2] }
      d.significance.sim_time_s['1/b'].sensitivity = {
        verdict: 'depends-on-cost-model',
        detail: 'depends on the cost model (-4.0 % .. +50.0 %; flips with device x2)',
        range: { minRel: -0.04, maxRel: 0.5 },
        flips: [{ group: 'device', factor: 2 }],
        cases: 2
      }
      d.significance.swpout['1/b'].sensitivity = {
        verdict: 'robust',
        detail: 'robust (-50.0 % .. -40.0 %)',
        range: { minRel: -0.5, maxRel: -0.4 },
        flips: [],
        cases: 2
      }
      return d
    }
    const runs = useRuns()
    await runs.init()
    runs.setSelection([1, 2])
    const w = await mountView(Compare, t)
    await settle()
    expect(w.find('[data-test=sensitivity-note]').text()).toMatch(
      /2 runs of the experiment reran each design with the device costs scaled x0.5, x2/
    )
    const flip = w.find('[data-group="1/b"] [data-metric=sim_time_s] [data-sensitivity]')
    expect(flip.text()).toMatch(/^depends on the cost model \([-−]4(\.0)? % … \+50(\.0)? %\)$/)
    expect(flip.classes()).not.toContain('better')
    expect(flip.classes()).not.toContain('worse')
    const robust = w.find('[data-group="1/b"] [data-metric=swpout]')
    expect(robust.find('[data-sensitivity]').text()).toBe('robust')
    expect(robust.find('.delta').text()).toMatch(/[-−]50/)
  })

  it('asks for a selection when there is none', async () => {
    const t = freshLab([{}])
    const w = await mountView(Compare, t)
    expect(w.text()).toMatch(/Select runs in Runs to compare them/)
  })
})

describe('App shell', () => {
  it('has a left nav with the five views and switches between them', async () => {
    const t = freshLab([{}])
    const w = await mountView(App, t)
    expect(w.findAll('nav a').map((a) => a.text().replace(/\d+$/, '').trim())).toEqual([
      'New experiment',
      'Running',
      'Runs',
      'Compare',
      'Fidelity'
    ])
    await w.get('[data-nav=runs]').trigger('click')
    await settle()
    expect(location.hash).toBe('#/runs')
    expect(w.find('.runs-table').exists()).toBe(true)
    expect(w.get('[data-nav=runs]').attributes('aria-current')).toBe('page')
    await w.get('[data-nav=fidelity]').trigger('click')
    await settle()
    expect(location.hash).toBe('#/fidelity')
    expect(w.find('[data-test=fidelity]').exists()).toBe(true)
  })
})
