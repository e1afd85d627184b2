// The whole app in a real browser against the real lab service and engine: bad input starts
// nothing; an experiment from a preset with two designs runs with visible progress; one run
// is cancelled; compare with differences-only; CSV export checked row by row. Screenshots of
// every view at 1280x800 go to artifacts/screenshots/.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { api, browser, page, ROOT, screenshot, served, useLab, type ApiRun } from './harness'

/** The lab's own view of the runs, straight from the bridge (what the UI should agree with). */
const apiRuns = (): Promise<ApiRun[]> => api<ApiRun[]>('listRuns', [])

useLab()

// Page functions below reach the DOM through globalThis: this file is typechecked without the
// DOM library, and string expressions would need 'unsafe-eval', which the app's CSP forbids.
describe('Swap Lab in the browser', () => {
  it('shows a field message for bad input and starts nothing', async () => {
    await page.goto(served.url)
    await page.waitForSelector('#f-source')
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('token=')
    await page.fill('#f-cpus', '0')
    const message = page.locator('p.field-error[data-field="cpus"]')
    await message.waitFor()
    expect(await message.textContent()).toMatch(/1/)
    expect(await page.locator('#f-cpus').getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('[data-test=start]').isDisabled()).toBe(true)
    await page.locator('[data-test=start]').click({ force: true })
    await page.locator('#f-cpus').evaluate((el: any) => el.scrollIntoView({ block: 'center' }))
    await screenshot(page, '01-new-experiment-invalid')
    expect(await apiRuns()).toEqual([])
  })

  it('creates an experiment from a preset with two designs, runs it with progress, and cancels one run', async () => {
    await page.selectOption('#f-source', 'quick')
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('[data-variant]').length === 2)
    // Longer runs than the smoke preset, so progress and a queued run to cancel are visible.
    await page.fill('#f-workload-params-passes', '40')
    await page.fill('#f-trials', '2')
    await page.fill('#f-name', 'e2e: legacy vs swap table')
    await page.waitForSelector('[data-test=preview]:has-text("4 runs")')
    await page.evaluate(() => (globalThis as any).document.querySelector('.content').scrollTo(0, 0))
    await screenshot(page, '02-new-experiment')
    await page.click('[data-test=start]')

    await page.waitForSelector('[data-test=overall]')
    expect(page.url()).toContain('#/running')
    // Cancel the last run while it still waits in the queue.
    const runs = await apiRuns()
    expect(runs).toHaveLength(4)
    expect(runs.filter((r) => r.status === 'failed').map((r) => r.error)).toEqual([])
    const last = Math.max(...runs.map((r) => r.id))
    await page.click(`[data-test=cancel-${last}]`)
    await page.waitForSelector(`[data-run="${last}"] .status-cancelled`)

    // Progress: some run reports a fraction above zero, or has already finished.
    await page.waitForFunction(
      () =>
        [...(globalThis as any).document.querySelectorAll('.queue-list [role=progressbar]')].some(
          (p: any) => Number(p.getAttribute('aria-valuenow')) > 0
        ),
      null,
      { timeout: 60_000 }
    )
    // Live charts: samples arrive in batches; wait until the watched run's charts have some.
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.live .chart-empty').length === 0, null, {
      timeout: 60_000
    })
    await screenshot(page, '03-running')

    await page.waitForSelector('[data-test=overall]:has-text("Queue empty")', { timeout: 180_000 })
    const final = await apiRuns()
    expect(final.filter((r) => r.status === 'failed').map((r) => r.error)).toEqual([])
    expect(final.find((r) => r.id === last)!.status).toBe('cancelled')
    expect(final.filter((r) => r.id !== last).map((r) => r.status)).toEqual(['done', 'done', 'done'])
    await screenshot(page, '04-running-finished')
  })

  it('lists the runs, opens one, compares them with differences-only, and exports CSV', async () => {
    await page.click('[data-nav=runs]')
    await page.waitForSelector('tr[data-run]')
    expect(await page.locator('tbody tr[data-run]').count()).toBe(4)
    const runs = await apiRuns()
    const done = runs.filter((r) => r.status === 'done').sort((a, b) => a.id - b.id)
    await page.click(`[data-test=pin-${done[0].id}]`)
    for (const r of done) await page.check(`input[aria-label="select run ${r.id}"]`)
    await screenshot(page, '05-runs')

    await page.click(`tr[data-run="${done[1].id}"] td:nth-child(4)`)
    await page.waitForSelector('[data-test=summary]')
    await page.waitForTimeout(300)
    await screenshot(page, '06-run-detail')

    await page.click('[data-nav=compare]')
    await page.waitForSelector('[data-test=deltas]')
    await page.waitForTimeout(500)
    await screenshot(page, '07-compare')
    const configRows = () => page.locator('[data-test=config-table] tbody tr').count()
    expect(await page.locator('[data-test=diff-only]').isChecked()).toBe(true)
    const onlyDiffs = await configRows()
    await page.uncheck('[data-test=diff-only]')
    const everything = await configRows()
    expect(everything).toBeGreaterThan(onlyDiffs)
    await page.check('[data-test=diff-only]')
    expect(await configRows()).toBe(onlyDiffs)
    const diffKeys = await page.locator('[data-test=config-table] tbody tr th').allTextContents()
    expect(diffKeys.join(' ')).toMatch(/Design|Seed/)
    expect(diffKeys.join(' ')).not.toMatch(/designOptions|workload\.params|Bytes\b/)
    await page.locator('[data-test=config-table]').scrollIntoViewIfNeeded()
    await screenshot(page, '08-compare-config')

    const downloads: { name: string; path: string }[] = []
    const saved = new Promise<void>((done) => {
      page.on('download', async (d) => {
        const path = join(served.dir, d.suggestedFilename())
        await d.saveAs(path)
        downloads.push({ name: d.suggestedFilename(), path })
        if (downloads.length === 2) done()
      })
    })
    await page.click('[data-test=compare-export]')
    await saved
    expect(downloads.map((d) => d.name).sort()).toEqual(['swaplab-runs-samples.csv', 'swaplab-runs.csv'])
    // Summary: one row per design variant (hyperfine style), its trials' run ids in run_ids.
    const summary = parse(readFileSync(downloads.find((d) => d.name === 'swaplab-runs.csv')!.path, 'utf8'), { columns: true }) as Record<
      string,
      string
    >[]
    expect(summary.map((r) => r.variant).sort()).toEqual(['legacy', 'swap-table P4'])
    const exportedIds = summary.flatMap((r) => r.run_ids.split(' ').map(Number)).sort((a, b) => a - b)
    expect(exportedIds).toEqual(done.map((r) => r.id))
    expect(Object.keys(summary[0])).toEqual(expect.arrayContaining(['sim_time_s_mean', 'metadata_peak_bytes_mean']))
    // Samples: long format, every exported run present.
    const samples = parse(readFileSync(downloads.find((d) => d.name === 'swaplab-runs-samples.csv')!.path, 'utf8'), {
      columns: true
    }) as Record<string, string>[]
    expect(Object.keys(samples[0])).toEqual(['run_id', 't_sim_ns', 't_wall_ms', 'ops', 'metric', 'value'])
    expect([...new Set(samples.map((r) => Number(r.run_id)))].sort((a, b) => a - b)).toEqual(done.map((r) => r.id))

    // One naming in both files: snake_case with the unit, no doubled suffix (free_latency_s_mean_mean), deltas against the baseline.
    const columns = [...Object.keys(summary[0]), ...new Set(samples.map((r) => r.metric))]
    for (const c of columns) {
      expect(c).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/)
      expect(c).not.toMatch(/(_[a-z0-9]+)\1(_|$)/)
      expect(c).not.toMatch(/_(mean|max|min|p\d+)_(mean|max|min|median|stddev)$/)
    }
    expect(Object.keys(summary[0])).toEqual(expect.arrayContaining(['sim_time_s_vs_baseline_percent', 'sim_time_s_vs_baseline_p']))
    const other = summary.find((r) => r.baseline !== 'yes')!
    expect(Number(other.sim_time_s_vs_baseline_percent)).not.toBeNaN()
    // Values rounded to their precision: no float noise (33.759751999999935, 0.010531351642816163) in either file.
    const noisy = [
      ...summary.flatMap((r) => Object.entries(r)),
      ...samples.flatMap((r) => Object.entries(r).filter(([k]) => k !== 'metric'))
    ].filter(([, v]) => /^-?\d*\.\d{10,}(e-?\d+)?$/.test(v))
    expect(noisy.slice(0, 5)).toEqual([])

    // Per-trial rows of the same runs, from the CLI on the app's database: one row per run, the same names, its group's delta.
    const perTrial = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'swaplab.cjs'), 'export', '--per-trial', '--db', join(served.dir, 'e2e.db'), ...done.map((r) => String(r.id))],
      { cwd: ROOT, encoding: 'utf8' }
    )
    expect(perTrial.status, perTrial.stderr).toBe(0)
    const trials = parse(perTrial.stdout, { columns: true }) as Record<string, string>[]
    expect(trials.map((r) => Number(r.run_id)).sort((a, b) => a - b)).toEqual(done.map((r) => r.id))
    expect(Object.keys(trials[0])).toEqual(expect.arrayContaining(['trial', 'seed', 'sim_time_s', 'sim_time_s_vs_baseline_percent']))
    expect(Object.keys(trials[0]).filter((c) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(c))).toEqual([])
  })

  it('saves any chart as a PNG', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-chart^="compare-"] button:has-text("PNG")').first().click()
    ])
    expect(download.suggestedFilename()).toMatch(/^compare-.+\.png$/)
    const path = join(served.dir, download.suggestedFilename())
    await download.saveAs(path)
    const png = readFileSync(path)
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect(png.length).toBeGreaterThan(5_000)
  })

  it('loaded without console errors or CSP violations', () => {
    expect(browser.problems).toEqual([])
  })
})
