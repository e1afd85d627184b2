// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { freshLab, settle } from '../testing/setup'
import { useDraft, PREVIEW_DELAY_MS } from './draft'
import { useCatalogue } from './catalogue'
import { useQueue } from './queue'
import { useRuns } from './runs'
import { useCompare } from './compare'
import { useDetail } from './detail'
import { useSettings, loadSettings, SETTINGS_KEY, defaultSettings } from './settings'
import { parseHash, placeHash, useNav } from './nav'
import { decodeIds, decodeState, encodeIds } from '../lib/compareState'

async function draftReady() {
  const t = freshLab()
  await useCatalogue().load()
  const draft = useDraft()
  draft.fromScratch()
  await settle(PREVIEW_DELAY_MS + 20)
  return { ...t, draft }
}

describe('draft store (New experiment)', () => {
  it('starts from scratch with a valid config and a preview from the lab', async () => {
    const { draft } = await draftReady()
    expect(draft.errors).toEqual([])
    expect(draft.preview?.runs).toBe(2)
    expect(draft.canStart).toBe(true)
  })

  it('reports field errors from the experiment schema as you type, and starts nothing', async () => {
    const { draft, lab } = await draftReady()
    draft.config!.cpus = 0
    await settle()
    expect(draft.errors).toEqual([expect.objectContaining({ field: 'cpus', message: expect.stringMatching(/at least 1|from 1/) })])
    expect(draft.canStart).toBe(false)
    expect(await draft.start()).toBeNull()
    expect(lab.calls.filter((c) => c.method === 'start')).toEqual([])
  })

  it('loads a preset, adds and removes designs, sweeps a parameter', async () => {
    const { draft } = await draftReady()
    const preset = useCatalogue().presets[0]
    draft.fromPreset(preset.id)
    expect(draft.config!.name).toBe(preset.config.name)
    draft.addDesign('vswap')
    expect(draft.config!.designs.at(-1)).toEqual({ design: 'vswap', options: { descriptorBytes: 24, zswapPoolBytes: 0 } })
    draft.removeDesign(draft.config!.designs.length - 1)
    draft.addSweepAxis('cpus')
    draft.setSweepText(0, '1, 2, 4')
    expect(draft.config!.sweep).toEqual({ mode: 'grid', axes: [{ path: 'cpus', values: [1, 2, 4] }] })
    await settle(PREVIEW_DELAY_MS + 20)
    expect(draft.preview?.runs).toBe(preset.config.designs.length * 3 * preset.config.trials)
    draft.removeSweepAxis(0)
    expect(draft.config!.sweep).toBeNull()
  })

  it('starts a valid experiment through the lab', async () => {
    const { draft, lab } = await draftReady()
    const ids = await draft.start()
    expect(ids).toHaveLength(2)
    expect(lab.runs.filter((r) => r.status === 'queued')).toHaveLength(2)
  })
})

describe('queue store (Running)', () => {
  it('follows events: queued, started with progress and samples, finished; overall progress and ETA', async () => {
    const { lab } = freshLab()
    const q = useQueue()
    await q.init()
    await lab.start((await lab.presets())[0].config)
    expect(q.runs.map((r) => r.status)).toEqual(['queued', 'queued'])
    lab.step()
    expect(q.running).toHaveLength(1)
    expect(q.watchedRunId).toBe(q.running[0].id)
    expect(q.liveSamples(q.watchedRunId)).toHaveLength(20)
    expect(q.overall).toEqual({ fraction: 0.25, done: 0, total: 2, etaSeconds: 12 })
    lab.step()
    lab.step('failed')
    expect(q.runs.map((r) => r.status)).toEqual(['done', 'running'])
    lab.step()
    expect(q.active).toHaveLength(0)
    expect(q.overall.fraction).toBe(1)
    q.clearFinished()
    expect(q.runs).toEqual([])
  })

  it('cancels one run or all', async () => {
    const { lab } = freshLab()
    const q = useQueue()
    await q.init()
    await lab.start((await lab.presets())[0].config)
    await q.cancel(q.runs[0].id)
    expect(q.runs[0].status).toBe('cancelled')
    await q.cancel('all')
    expect(q.runs.every((r) => r.status === 'cancelled')).toBe(true)
  })

  it('picks up runs already running after a reload', async () => {
    const { lab } = freshLab([{ status: 'running' }, { status: 'queued' }, { status: 'done' }])
    const q = useQueue()
    await q.init()
    expect(q.runs.map((r) => r.id)).toEqual([1, 2])
    expect(q.watchedRunId).toBe(1)
    expect(lab.runs).toHaveLength(3)
  })
})

describe('runs store (Runs)', () => {
  it('lists, sorts, filters, selects, pins a baseline and deletes', async () => {
    const { lab } = freshLab([
      { variantLabel: 'cluster' },
      { variantLabel: 'swap-table P4', design: 'swap-table' },
      { variantLabel: 'vswap', design: 'vswap' }
    ])
    const runs = useRuns()
    await runs.init()
    expect(runs.rows.map((r) => r.id)).toEqual([3, 2, 1])
    runs.sortBy('design')
    expect(runs.rows.map((r) => r.design)).toEqual(['cluster', 'swap-table', 'vswap'])
    runs.filters.design = 'table'
    expect(runs.rows.map((r) => r.id)).toEqual([2])
    runs.filters.design = ''
    runs.toggle(1)
    runs.toggle(3)
    runs.pinBaseline(3)
    expect(useSettings().settings.baselineRunId).toBe(3)
    expect(await runs.remove([3])).toBe(1)
    expect(runs.selected).toEqual([1])
    expect(useSettings().settings.baselineRunId).toBeNull()
    expect(lab.runs.map((r) => r.id)).toEqual([1, 2])
  })

  it('adds runs from events and reruns with the same config', async () => {
    const { lab } = freshLab([{}])
    const runs = useRuns()
    await runs.init()
    const ids = await runs.rerun(1)
    expect(lab.calls).toContainEqual({ method: 'rerun', args: [1] })
    expect(runs.all.map((r) => r.id)).toEqual([1, ids[0]])
    expect(runs.message).toMatch(/queued again/)
  })
})

describe('compare and detail stores', () => {
  it('compares exactly the selection: a run pinned outside it is offered, never joined silently', async () => {
    const { lab } = freshLab([{}, {}, {}])
    const runs = useRuns()
    await runs.init()
    runs.setSelection([2, 3])
    runs.pinBaseline(1)
    useNav().go('compare')
    const cmp = useCompare()
    await cmp.open()
    expect(cmp.runIds).toEqual([2, 3])
    expect(lab.calls.find((c) => c.method === 'compare')!.args).toEqual([[2, 3], undefined])
    expect(cmp.series.map((s) => s.runId)).toEqual([2, 3])
    expect(cmp.data!.baseline).toMatchObject({ chosen: false })
    expect(cmp.pinnedOutside?.id).toBe(1)
    expect(location.hash).toBe('#/compare?runs=2-3&x=sim')
    // The user adds it: now it is compared, and it is the baseline.
    await cmp.addRuns([1], true)
    expect(cmp.runIds).toEqual([2, 3, 1])
    expect(cmp.data!.baseline).toMatchObject({ runId: 1, chosen: true })
    expect(cmp.pinnedOutside).toBeNull()
    expect(decodeState(location.hash.split('?')[1])).toMatchObject({ runIds: [1, 2, 3], baseline: { runId: 1 } })
  })

  it('takes the pinned run as the baseline when it is among the selection', async () => {
    freshLab([{}, {}])
    const runs = useRuns()
    await runs.init()
    runs.setSelection([1, 2])
    runs.pinBaseline(2)
    const cmp = useCompare()
    await cmp.open()
    expect(cmp.data!.baseline).toMatchObject({ runId: 2, chosen: true })
  })

  it('restores selection, baseline, metrics and x axis from the address, and follows a new baseline there', async () => {
    const { lab } = freshLab([{ variantLabel: 'a' }, { variantLabel: 'b' }, { variantLabel: 'a' }])
    history.replaceState(null, '', '#/compare?runs=1-3&base=design%3Ab&metrics=sim_time_s&x=ops')
    const runs = useRuns()
    await runs.init()
    const cmp = useCompare()
    await cmp.open()
    expect(cmp.runIds).toEqual([1, 2, 3])
    expect(runs.selected).toEqual([1, 2, 3])
    expect(lab.calls.find((c) => c.method === 'compare')!.args).toEqual([[1, 2, 3], { variant: 'b' }])
    expect(cmp.data!.baseline).toMatchObject({ variant: 'b', chosen: true })
    expect(cmp.metrics).toEqual(['sim_time_s'])
    expect(useSettings().settings.xAxis).toBe('ops')
    await cmp.setBaseline({ variant: 'a' })
    expect(location.hash).toContain('base=design%3Aa')
    expect(cmp.data!.baseline).toMatchObject({ variant: 'a' })
  })

  it('writes run ids as ranges and reads them back', () => {
    expect(encodeIds([5, 1, 2, 3, 9, 10])).toBe('1-3,5,9-10')
    expect(decodeIds('1-3,5,9-10,x,0')).toEqual([1, 2, 3, 5, 9, 10])
  })

  it('opens a run and saves its note', async () => {
    const { lab } = freshLab([{ status: 'failed', error: 'device full' }])
    const d = useDetail()
    await d.open(1)
    expect(d.run!.error).toBe('device full')
    expect(d.series!.samples.length).toBeGreaterThan(0)
    d.editNote('retry with a bigger device')
    expect(d.noteSaved).toBe(false)
    await d.saveNote()
    expect(lab.calls).toContainEqual({ method: 'setNote', args: [1, 'retry with a bigger device'] })
    expect(d.noteSaved).toBe(true)
    await d.open(99)
    expect(d.error).toMatch(/not found/)
  })
})

describe('settings and navigation', () => {
  it('persist across restarts and survive junk in storage', () => {
    freshLab()
    const { settings } = useSettings()
    settings.xAxis = 'ops'
    settings.baselineRunId = 7
    settings.runColumns = ['id', 'status']
    expect(loadSettings(localStorage)).toMatchObject({ xAxis: 'ops', baselineRunId: 7, runColumns: ['id', 'status'] })
    localStorage.setItem(SETTINGS_KEY, '{not json')
    expect(loadSettings(localStorage)).toEqual(defaultSettings())
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ xAxis: 'sideways', runColumns: ['id', 'rm -rf'] }))
    expect(loadSettings(localStorage)).toMatchObject({ xAxis: 'sim', runColumns: ['id'] })
  })

  it('maps views to and from the location hash', () => {
    expect(parseHash('#/run/12')).toEqual({ view: 'detail', runId: 12, query: '' })
    expect(parseHash('#/compare')).toEqual({ view: 'compare', runId: null, query: '' })
    expect(parseHash('#/compare?runs=1-3')).toEqual({ view: 'compare', runId: null, query: 'runs=1-3' })
    expect(parseHash('#/../../x')).toEqual({ view: 'new', runId: null, query: '' })
    expect(placeHash({ view: 'detail', runId: 3 })).toBe('#/run/3')
    expect(placeHash({ view: 'compare', runId: null, query: 'runs=1' })).toBe('#/compare?runs=1')
  })
})
