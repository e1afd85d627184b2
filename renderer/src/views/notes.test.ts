// @vitest-environment happy-dom
// Issue 11 in the views: experiment tags and notes edited in Run detail and in the experiment
// rows of Runs, the search box over runs, tags and notes (with comparisons such as >1070),
// config files opened into the form (nothing starts) and saved, from the form's buttons and
// from the app menu, and "open as new experiment".
import { describe, expect, it } from 'vitest'
import { freshLab, mountView, settle } from '../testing/setup'
import { PREVIEW_DELAY_MS, useDraft } from '../stores/draft'
import { useNav } from '../stores/nav'
import { useRuns } from '../stores/runs'
import { useSettings } from '../stores/settings'
import { filterAndSort, matchesSearch } from '../lib/runColumns'
import type { RunRecord } from '../../../experiments/api'
import NewExperiment from './NewExperiment.vue'
import Runs from './Runs.vue'
import RunDetail from './RunDetail.vue'
import App from '../App.vue'

const MiB = 2 ** 20
const seed: Partial<RunRecord>[] = [
  { experimentId: 1, experimentName: 'nvme sweep', tags: ['odd'], note: 'fan was loud', headline: { throughput_bytes_per_s: 1200e6 } },
  {
    experimentId: 1,
    experimentName: 'nvme sweep',
    experimentTags: ['lsf'],
    experimentNote: 'for the slides',
    headline: { throughput_bytes_per_s: 900e6 }
  },
  { experimentId: 2, experimentName: 'zram', design: 'kernel', variantLabel: 'kernel host', headline: { throughput_bytes_per_s: 1500e6 } }
]

describe('search and filters over runs, tags and notes', () => {
  const runs = seed.map((r, i) => ({ id: i + 1, trial: 0, point: {}, tags: [], note: '', status: 'done', ...r }) as RunRecord)
  const ids = (search: string, filters = {}) => filterAndSort([...runs], filters, { column: 'id', dir: 'asc' }, search).map((r) => r.id)

  it('finds words in run tags and notes and in the experiment’s', () => {
    expect(ids('loud')).toEqual([1])
    expect(ids('#odd')).toEqual([1])
    expect(ids('lsf')).toEqual([2])
    expect(ids('slides nvme')).toEqual([2])
    expect(ids('nothing-like-this')).toEqual([])
    expect(ids('', { tags: 'slides' })).toEqual([2])
  })

  it('leaves comparisons to the column filters, in their units, alongside the search', () => {
    expect(ids('kernel', { throughput: '>1070' })).toEqual([3])
    expect(ids('', { throughput: '>1070' })).toEqual([1, 3])
    expect(ids('', { throughput: '<1 GB/s' })).toEqual([2])
    expect(matchesSearch(runs[0], '   ')).toBe(true)
  })
})

describe('experiment tags and notes in the app', () => {
  it('are edited in Run detail and saved through the lab', async () => {
    const t = freshLab(seed)
    useNav().go('detail', 2)
    const w = await mountView(RunDetail, t)
    await settle()
    const card = w.get('[data-test=experiment-notes]')
    expect((card.get('[data-test=exp-tags]').element as HTMLInputElement).value).toBe('lsf')
    await card.get('[data-test=exp-tags]').setValue('lsf, nvme ,lsf')
    await card.get('[data-test=exp-note]').setValue('the cpus sweep for LSF')
    await card.get('[data-test=exp-save]').trigger('click')
    await settle()
    expect(t.lab.calls.filter((c) => c.method.startsWith('setExperiment'))).toEqual([
      { method: 'setExperimentTags', args: [1, ['lsf', 'nvme']] },
      { method: 'setExperimentNote', args: [1, 'the cpus sweep for LSF'] }
    ])
    expect(t.lab.runs.filter((r) => r.experimentId === 1).every((r) => r.experimentNote === 'the cpus sweep for LSF')).toBe(true)
  })

  it('are shown and edited in the experiment rows of Runs, and the search box finds them', async () => {
    const t = freshLab(seed)
    useSettings().settings.groupByExperiment = true
    const w = await mountView(Runs, t)
    await settle()
    const row = w.get('tr.group-row[data-experiment="1"]')
    expect(row.text()).toMatch(/#lsf/)
    expect(row.text()).toMatch(/for the slides/)
    await row.get('[data-test=edit-experiment-1]').trigger('click')
    await row.get('[data-test=exp-note]').setValue('now with zswap')
    await row.get('[data-test=exp-save]').trigger('click')
    await settle()
    expect(t.lab.experimentNotes.get(1)?.note).toBe('now with zswap')
    await w.get('[data-test=search]').setValue('zswap')
    await settle()
    expect(useRuns().rows.map((r) => r.experimentId)).toEqual([1, 1])
    await w.get('[data-test=search]').setValue('')
    await w.get('[data-filter=throughput]').setValue('>1070')
    await settle()
    expect(w.findAll('tr[data-run]').map((r) => Number(r.attributes('data-run')))).toEqual(expect.arrayContaining([1, 3]))
    expect(w.findAll('tr[data-run]')).toHaveLength(2)
  })
})

describe('config files and open as new experiment', () => {
  it('opens a file into the form without starting anything; a bad file names the field and leaves the form alone', async () => {
    const t = freshLab()
    const w = await mountView(NewExperiment, t)
    await settle(PREVIEW_DELAY_MS + 20)
    const before = JSON.stringify(useDraft().config)
    t.lab.nextOpenFile = {
      name: 'bad.json',
      text: JSON.stringify({ designs: [{ design: 'legacy' }], workload: { name: 'usemem', params: { tasks: 0 } } })
    }
    await w.get('[data-test=open-config]').trigger('click')
    await settle()
    expect(w.get('[data-test=file-message]').text()).toMatch(/bad\.json was not opened/)
    expect(w.get('[data-test=file-errors]').text()).toMatch(
      /workload\.params\.tasks \(Tasks\): must be a whole number from 1 to 256; got 0/
    )
    expect(JSON.stringify(useDraft().config)).toBe(before)

    t.lab.nextOpenFile = {
      name: 'mine.swaplab.json',
      text: JSON.stringify({
        name: 'From a file',
        designs: [{ design: 'vswap' }],
        workload: { name: 'usemem', params: { tasks: 3 } },
        memoryLimitBytes: 64 * MiB
      })
    }
    await w.get('[data-test=open-config]').trigger('click')
    await settle(PREVIEW_DELAY_MS + 20)
    expect((w.get('#f-name').element as HTMLInputElement).value).toBe('From a file')
    expect((w.get('#f-workload-params-tasks').element as HTMLInputElement).value).toBe('3')
    expect(w.get('#f-source').text()).toMatch(/File: mine\.swaplab\.json/)
    expect(t.lab.calls.filter((c) => c.method === 'start')).toEqual([])

    await w.get('[data-test=save-config]').trigger('click')
    await settle()
    expect(t.lab.savedConfigs).toHaveLength(1)
    expect(t.lab.savedConfigs[0]).toMatchObject({ name: 'From a file', workload: { params: { tasks: 3 } } })
  })

  it('"open as new experiment" in Runs fills the form with the run’s config, kernel runs too', async () => {
    const t = freshLab(seed)
    const w = await mountView(Runs, t)
    await settle()
    await w.get('[data-test=open-as-new-3]').trigger('click')
    await settle()
    expect(useNav().view).toBe('new')
    expect(useDraft().source).toBe('run:3')
    expect(useDraft().config).toMatchObject({
      name: 'zram (from run 3)',
      designs: [{ design: 'kernel', options: { image: 'host' } }],
      trials: 1
    })
    expect(t.lab.calls.filter((c) => c.method === 'start')).toEqual([])
  })

  it('"open as new experiment" in Run detail does the same', async () => {
    const t = freshLab(seed)
    useNav().go('detail', 1)
    const w = await mountView(RunDetail, t)
    await settle()
    await w.get('[data-test=open-as-new]').trigger('click')
    await settle(20)
    expect(useNav().view).toBe('new')
    expect(w.text()).not.toMatch(/Cannot open/)
    expect(t.lab.calls.map((c) => c.method)).toContain('runConfig')
    expect(useDraft().config?.name).toBe('nvme sweep (from run 1)')
  })
})

describe('config files from the app menu (File > Open/Save Experiment Config…)', () => {
  it('open: from another view, shows New experiment with the file in the form; nothing starts', async () => {
    const t = freshLab(seed)
    useNav().go('runs')
    const w = await mountView(App, t)
    expect(w.find('.runs-table').exists()).toBe(true)
    t.lab.nextOpenFile = {
      name: 'menu.swaplab.json',
      text: JSON.stringify({ name: 'From the menu', designs: [{ design: 'vswap' }], workload: { name: 'usemem', params: { tasks: 5 } } })
    }
    t.lab.menu('open-config')
    await settle(PREVIEW_DELAY_MS + 20)
    expect(useNav().view).toBe('new')
    expect(location.hash).toBe('#/new')
    expect((w.get('#f-name').element as HTMLInputElement).value).toBe('From the menu')
    expect((w.get('#f-workload-params-tasks').element as HTMLInputElement).value).toBe('5')
    expect(w.get('[data-test=file-message]').text()).toMatch(/Opened menu\.swaplab\.json\. Nothing has started/)
    expect(t.lab.calls.filter((c) => c.method === 'start')).toEqual([])
    // A bad file from the menu: named field by field, the form left as it was.
    t.lab.nextOpenFile = { name: 'bad.json', text: '{"designs": [' }
    t.lab.menu('open-config')
    await settle()
    expect(w.get('[data-test=file-message]').text()).toMatch(/bad\.json was not opened: the form is unchanged/)
    expect(useDraft().config?.name).toBe('From the menu')
    w.unmount()
  })

  it('save: refuses an invalid form and says why, as the button does; saves a valid one', async () => {
    const t = freshLab(seed)
    const w = await mountView(App, t)
    await settle(PREVIEW_DELAY_MS + 20)
    await w.get('#f-name').setValue('')
    await settle()
    // The button cannot be pressed, and says why.
    expect(w.get('[data-test=save-config]').attributes('disabled')).toBeDefined()
    expect(w.get('[data-test=save-config]').attributes('title')).toMatch(/Fix the fields first/)
    t.lab.menu('save-config')
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'saveConfig')).toEqual([])
    expect(w.get('[data-test=file-message]').text()).toMatch(/Not saved: fix the fields first, a saved file runs as it is \(1 field\)/)
    expect(w.get('[data-test=file-errors]').text()).toMatch(/^name \(Name\): must not be empty$/)

    await w.get('#f-name').setValue('Saved from the menu')
    await settle()
    t.lab.menu('save-config')
    await settle()
    expect(t.lab.savedConfigs).toHaveLength(1)
    expect(t.lab.savedConfigs[0]).toMatchObject({ name: 'Saved from the menu' })
    expect(w.get('[data-test=file-message]').text()).toBe('Saved experiment.swaplab.json')
    w.unmount()
  })

  it('save from another view before the form was ever shown: goes to New experiment and saves the form it shows', async () => {
    const t = freshLab(seed)
    useNav().go('compare')
    const w = await mountView(App, t)
    expect(useDraft().config).toBeNull()
    t.lab.menu('save-config')
    await settle(PREVIEW_DELAY_MS + 20)
    expect(useNav().view).toBe('new')
    expect(t.lab.savedConfigs).toHaveLength(1)
    expect(t.lab.savedConfigs[0]).toMatchObject({ name: (w.get('#f-name').element as HTMLInputElement).value })
    w.unmount()
  })
})
