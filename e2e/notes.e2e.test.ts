// Tags and notes, search and filters, exports and "open as new experiment" in a real browser
// against the real lab (issue 11, "Finding and sharing"): an experiment's tags and note are
// edited in Runs and in Run detail, the search box finds runs by them, numeric filters such as
// >1070 compare in the column's unit, CSV and JSON exports carry them, and any run (a kernel
// run too) opens as a new experiment in the form without starting anything.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { api, openRuns, page, preset, runToEnd, screenshot, served, useLab, type ApiRun } from './harness'

const shownRuns = (): Promise<number[]> =>
  page.locator('tr[data-run]').evaluateAll((rows: any[]) => rows.map((r) => Number(r.dataset.run)).sort((a, b) => a - b))

let quick: number[]
let kernelRuns: number[]
let experimentId: number

useLab(async () => {
  quick = (await runToEnd({ ...(await preset('quick')), name: 'notes e2e', trials: 2 })).map((r) => r.id)
  experimentId = (await api<ApiRun[]>('listRuns', [])).find((r) => r.id === quick[0])!.experimentId
  kernelRuns = (await api<{ runIds: number[] }>('importJson', [readFileSync(join(__dirname, 'fixtures', 'kernel-runs.json'), 'utf8')]))
    .runIds
})

describe('Tags and notes on experiments and runs', () => {
  it('edits an experiment’s tags and note in its Runs row, and the search box finds its runs by them', async () => {
    await page.goto(served.url)
    await openRuns()
    await page.check('[data-test=group]')
    const row = page.locator(`tr.group-row[data-experiment="${experimentId}"]`)
    await row.locator(`[data-test=edit-experiment-${experimentId}]`).click()
    await row.locator('[data-test=exp-tags]').fill('lsf, nvme')
    await row.locator('[data-test=exp-note]').fill('for the LSF slides')
    await row.locator('[data-test=exp-save]').click()
    await page.waitForSelector(`tr.group-row[data-experiment="${experimentId}"] .tag:has-text("#lsf")`)
    expect(await row.innerText()).toMatch(/for the LSF slides/)
    await screenshot(page, '40-runs-experiment-notes')

    await page.fill('[data-test=search]', 'slides')
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('tr[data-run]').length === n, quick.length)
    expect(await shownRuns()).toEqual([...quick].sort((a, b) => a - b))
    await page.fill('[data-test=search]', '#nvme legacy')
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('tr[data-run]').length === n, quick.length / 2)
    await page.fill('[data-test=search]', '')
    // Stored in the lab, not only on the page.
    const runs = await api<(ApiRun & { experimentTags: string[]; experimentNote: string })[]>('listRuns', [])
    expect(runs.find((r) => r.id === quick[0])).toMatchObject({ experimentTags: ['lsf', 'nvme'], experimentNote: 'for the LSF slides' })
  })

  it('numeric filters such as >1070 compare in the column’s unit', async () => {
    const runs = await api<ApiRun[]>('listRuns', [])
    const mbps = (r: ApiRun): number | null =>
      r.headline?.throughput_bytes_per_s === undefined ? null : r.headline.throughput_bytes_per_s / 1e6
    const values = runs.map(mbps).filter((v): v is number => v !== null)
    // A threshold between the smallest and the largest throughput, in MB/s as the column shows it.
    const sorted = [...values].sort((a, b) => a - b)
    const threshold = Math.round((sorted[0] + sorted[sorted.length - 1]) / 2)
    const expected = runs.filter((r) => (mbps(r) ?? -Infinity) > threshold).map((r) => r.id)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(runs.length)
    await page.fill('[data-filter=throughput]', `>${threshold}`)
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('tr[data-run]').length === n, expected.length)
    expect(await shownRuns()).toEqual(expected.sort((a, b) => a - b))
    // The same threshold in GB/s.
    await page.fill('[data-filter=throughput]', `> ${threshold / 1000} GB/s`)
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('tr[data-run]').length === n, expected.length)
    await page.fill('[data-filter=throughput]', '')
  })

  it('edits a run’s tags and note and its experiment’s in Run detail; the search finds the run', async () => {
    await page.click(`tr[data-run="${quick[0]}"] td:nth-child(3)`)
    await page.waitForSelector('[data-test=experiment-notes]')
    expect(await page.inputValue('[data-test=experiment-notes] [data-test=exp-tags]')).toBe('lsf, nvme')
    await page.fill('[data-test=tags]', 'odd one, rerun')
    await page.press('[data-test=tags]', 'Enter')
    await page.fill('textarea[aria-label=notes]', 'the fan was loud during this one')
    await page.click('button:has-text("Save note")')
    await page.waitForSelector('button:has-text("Saved")')
    await page.fill('[data-test=experiment-notes] [data-test=exp-note]', 'for the LSF slides, second take')
    await page.click('[data-test=experiment-notes] [data-test=exp-save]')
    await page.waitForSelector('[data-test=experiment-notes] [role=status]:has-text("Saved")')
    await screenshot(page, '41-run-detail-notes')
    expect(await api<{ tags: string[]; note: string; experimentNote: string }>('getRun', [quick[0]])).toMatchObject({
      tags: ['odd one', 'rerun'],
      note: 'the fan was loud during this one',
      experimentNote: 'for the LSF slides, second take'
    })
    await openRuns()
    await page.fill('[data-test=search]', 'fan loud')
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-run]').length === 1)
    expect(await shownRuns()).toEqual([quick[0]])
    await page.fill('[data-test=search]', '')
  })

  it('exports tags and notes in both CSV files’ summary and in the JSON export', async () => {
    await page.check(`input[aria-label="select run ${quick[0]}"]`)
    await page.check(`input[aria-label="select run ${quick[1]}"]`)
    const downloads: { name: string; text: string }[] = []
    const done = new Promise<void>((resolve) => {
      page.on('download', async (d) => {
        const file = join(served.dir, d.suggestedFilename())
        await d.saveAs(file)
        downloads.push({ name: d.suggestedFilename(), text: readFileSync(file, 'utf8') })
        if (downloads.length === 2) resolve()
      })
    })
    await page.click('[data-test=export]')
    await done
    const summary = parse(downloads.find((d) => d.name === 'swaplab-runs.csv')!.text, { columns: true }) as Record<string, string>[]
    const legacy = summary.find((r) => r.run_ids.split(' ').map(Number).includes(quick[0]))!
    expect(legacy).toMatchObject({
      experiment_tags: 'lsf, nvme',
      experiment_note: 'for the LSF slides, second take',
      tags: 'odd one, rerun',
      notes: 'the fan was loud during this one'
    })
    const json = JSON.parse(await api<string>('exportJson', [[quick[0]]]))
    expect(json.schemaVersion).toBe(3)
    expect(json.runs[0].experiment).toMatchObject({ note: 'for the LSF slides, second take', tags: ['lsf', 'nvme'] })
    expect(json.runs[0]).toMatchObject({ tags: ['odd one', 'rerun'], note: 'the fan was loud during this one' })
  })
})

describe('Open as new experiment', () => {
  it('from Run detail fills the form with the run’s config and starts nothing', async () => {
    const before = (await api<ApiRun[]>('listRuns', [])).length
    await page.goto(`${served.origin}/#/run/${quick[1]}`)
    await page.waitForSelector('[data-test=open-as-new]')
    await page.click('[data-test=open-as-new]')
    await page.waitForSelector('#f-name')
    expect(await page.inputValue('#f-name')).toBe(`notes e2e (from run ${quick[1]})`)
    expect(await page.locator('#f-source option:checked').innerText()).toBe(`Run #${quick[1]}`)
    expect(await page.inputValue('#f-trials')).toBe('1')
    expect(await page.locator('.variant').count()).toBe(1)
    await page.waitForSelector('[data-test=preview]:has-text("1 run")')
    expect((await api<ApiRun[]>('listRuns', [])).length).toBe(before)
  })

  it('from a kernel run’s row in Runs fills the form with the kernel design', async () => {
    const before = (await api<ApiRun[]>('listRuns', [])).length
    await openRuns()
    await page.click(`[data-test=open-as-new-${kernelRuns[0]}]`)
    await page.waitForSelector('#f-name')
    expect(await page.inputValue('#f-name')).toBe(`experiment (from run ${kernelRuns[0]})`)
    expect(await page.inputValue('#f-designs-0-design')).toBe('kernel')
    await page.waitForSelector('[data-test=kernel-options]')
    await screenshot(page, '42-open-kernel-run-as-new')
    expect((await api<ApiRun[]>('listRuns', [])).length).toBe(before)
  })
})
