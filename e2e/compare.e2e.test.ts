// Compare in a real browser against the real lab: a run pinned in Runs is offered, never
// silently added, and the baseline is chosen in Compare and kept in the address across a
// reload; a sweep is drawn against the swept parameter with deltas at the same point; deltas
// say whether they are beyond trial noise; runs the CLI adds while the app is open appear in
// Runs; 100 runs draw with a legend that hides nothing, and the time it takes is recorded.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { inflateSync } from 'node:zlib'
import { join } from 'node:path'
import { api, browser, openRuns, page, preset, ROOT, runToEnd, screenshot, served, useLab, type ApiRun } from './harness'

async function quickConfig(over: Record<string, unknown>): Promise<Record<string, unknown>> {
  return { ...(await preset('quick')), ...over }
}

/** Runs an experiment to its end; its run ids. */
const runIdsToEnd = async (config: Record<string, unknown>): Promise<number[]> => (await runToEnd(config)).map((r) => r.id)

/** Clears every filter and the selection, then selects the given runs. */
async function selectOnly(ids: number[]): Promise<void> {
  for (const f of await page.locator('[data-filter]').all()) await f.fill('')
  const all = page.locator('input[aria-label="select all shown runs"]')
  await all.check()
  await all.uncheck()
  for (const id of ids) await page.check(`input[aria-label="select run ${id}"]`)
}

async function openCompare(): Promise<void> {
  await page.click('[data-test=compare]')
  await page.waitForSelector('[data-test=deltas]')
  await page.waitForFunction(() => (globalThis as any).document.querySelector('.compare[data-drawn-ms]') !== null)
}

useLab()

describe('Compare in the browser', () => {
  let pinned: number
  let quick: number[]

  it('compares exactly the selected runs: a pinned run of another experiment is offered, not joined', async () => {
    // Run 1: another workload size, pinned in Runs. Runs 2-7: the Quick check preset.
    ;[pinned] = await runIdsToEnd(
      await quickConfig({
        name: 'usemem 16 MiB',
        designs: [{ design: 'legacy' }],
        trials: 1,
        workload: { name: 'usemem', params: { tasks: 2, sizeBytes: '16MiB', passes: 1, random: true } },
        memoryLimitBytes: '16MiB'
      })
    )
    quick = await runIdsToEnd(await quickConfig({ name: 'quick check' }))
    await page.goto(served.url)
    await openRuns()
    await page.click(`[data-test=pin-${pinned}]`)
    await selectOnly(quick)
    await openCompare()

    // Today: "Compare 7 runs" and every delta against run 1. Now: the six runs, run 1 offered.
    expect(await page.locator('[data-test=compare-count]').textContent()).toMatch(/^6 runs in 2 groups/)
    expect(await page.locator('[data-test=pinned-outside]').textContent()).toContain(`Run #${pinned}`)
    expect(await page.locator('[data-test=baseline]').textContent()).toMatch(/Baseline:\s*legacy\s*\(default: the first design/)
    // Every group, and so every baseline, is of the Quick check experiment.
    const quickExperiment = (await api<ApiRun[]>('listRuns', [])).find((r) => r.id === quick[0])!.experimentId
    const groups = await page.locator('[data-test=deltas] tbody tr').evaluateAll((rows: any[]) => rows.map((r) => r.dataset.group))
    expect(groups).toHaveLength(2)
    for (const g of groups) expect(g.startsWith(`${quickExperiment}/`)).toBe(true)
    expect(page.url()).toContain(`#/compare?runs=${quick[0]}-${quick[5]}`)
    await screenshot(page, '20-compare-pinned-offered')

    // Choose the baseline in Compare; a reload keeps selection and baseline.
    await page.selectOption('[data-test=baseline-select]', 'design:swap-table P4')
    await page.waitForSelector('[data-test=baseline]:has-text("swap-table P4")')
    expect(page.url()).toContain('base=design%3Aswap-table+P4')
    await page.reload()
    await page.waitForSelector('[data-test=deltas]')
    expect(await page.locator('[data-test=baseline]').textContent()).toMatch(/Baseline:\s*swap-table P4/)
    expect(await page.locator('[data-test=compare-count]').textContent()).toMatch(/^6 runs/)
    expect(await page.locator('tr.baseline').first().getAttribute('data-group')).toMatch(/swap-table P4/)

    // Adding the pinned run on purpose makes it the baseline.
    await page.click('[data-test=add-pinned]')
    await page.waitForSelector('[data-test=compare-count]:has-text("7 runs")')
    // The count changes at once, the comparison (and so its baseline) when the lab has answered.
    await page.waitForSelector(`[data-test=baseline]:has-text("run #${pinned} (legacy)")`)
  })

  it('says for every delta whether it is beyond trial noise; noise is grey whatever its sign', async () => {
    await openRuns()
    await selectOnly(quick)
    await openCompare()
    const verdicts = await page
      .locator('[data-test=deltas] [data-verdict]')
      .evaluateAll((els: any[]) => els.map((e) => ({ v: e.dataset.verdict, cls: e.className, why: e.title, text: e.textContent })))
    expect(verdicts.length).toBeGreaterThan(0)
    for (const d of verdicts) {
      expect(['significant', 'noise', 'exact', 'untested']).toContain(d.v)
      expect(d.why).toMatch(/Welch|one-sample|bit-identical|one trial/)
      if (d.v === 'noise' || d.v === 'untested') {
        expect(d.cls).toContain('noise')
        expect(d.text).toMatch(/within noise|untested/)
      } else expect(d.cls).not.toContain('noise')
    }
    // Three trials with different seeds: Welch's test ran (n = 3 vs 3).
    expect(verdicts.some((d) => /n = 3 vs 3/.test(d.why))).toBe(true)
  })

  it('draws a sweep against the swept parameter, ordered by its values, with deltas at the same point', async () => {
    const sweepIds = await runIdsToEnd(
      await quickConfig({
        name: 'tasks sweep',
        trials: 2,
        memoryLimitBytes: '4MiB',
        sweep: { mode: 'grid', axes: [{ path: 'workload.params.tasks', values: [3, 1, 2] }] }
      })
    )
    await openRuns()
    await selectOnly(sweepIds)
    await openCompare()
    expect(await page.locator('.compare h2').first().textContent()).toMatch(/Against the sweep: tasks/)
    expect(await page.locator('[data-chart^="compare-sweep-"]').count()).toBeGreaterThan(0)
    const rows = await page.locator('[data-test=deltas] tbody tr').evaluateAll((rs: any[]) => rs.map((r) => r.dataset.group))
    const tasks = rows.map((k: string) => Number(/tasks=(\d+)/.exec(k)![1]))
    expect(tasks).toEqual([1, 1, 2, 2, 3, 3])
    // Each swap-table row is measured against legacy at the same tasks value, never one fixed point.
    expect(await page.locator('tr.baseline').count()).toBe(3)
    const against = await page
      .locator('[data-test=deltas] tbody tr:not(.baseline) [data-verdict]')
      .evaluateAll((els: any[]) => els.map((e) => e.closest('tr').dataset.group))
    expect(against.length).toBeGreaterThan(0)
    for (const g of against) expect(g).toMatch(/^\d+\/swap-table P4\/workload\.params\.tasks=\d$/)
    // Bar/axis labels in human units: "tasks=2", never the schema path.
    expect(await page.locator('[data-test=deltas]').textContent()).not.toContain('workload.params.tasks')
    await page.evaluate(() => (globalThis as any).document.querySelector('.content').scrollTo(0, 0))
    await screenshot(page, '21-compare-sweep')
  })

  it('shows runs the CLI adds while the app is open, and draws 100 of them with a legend that hides nothing', async () => {
    await openRuns()
    const before = await page.locator('tbody tr[data-run]').count()
    // 100 runs recorded by another process on the same database.
    const cli = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'swaplab.cjs'),
        'run',
        '--preset',
        'quick',
        '--trials',
        '50',
        '--passes',
        '1',
        '--sample-interval-ns',
        '20000',
        '--name',
        'hundred',
        '--quiet',
        '--db',
        join(served.dir, 'e2e.db')
      ],
      { cwd: ROOT, env: { ...process.env, SWAPLAB_DEVICE_DIR: join(served.dir, 'devices') }, encoding: 'utf8', timeout: 600_000 }
    )
    expect(cli.status, cli.stderr).toBe(0)
    await page.waitForFunction(
      (n: number) => (globalThis as any).document.querySelectorAll('tbody tr[data-run]').length === n + 100,
      before,
      {
        timeout: 20_000
      }
    )
    await selectOnly([])
    await page.fill('[data-filter=experiment]', 'hundred')
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tbody tr[data-run]').length === 100)
    await page.check('input[aria-label="select all shown runs"]')

    // The figure: from the click to the last chart painted, and the longest main-thread block.
    const timing = await page.evaluate(async () => {
      const d = (globalThis as any).document
      const long: number[] = []
      const po = new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration)))
      po.observe({ entryTypes: ['longtask'] } as any)
      const t0 = performance.now()
      d.querySelector('[data-test=compare]').click()
      await new Promise<void>((ok) => {
        const tick = (): void => {
          if (d.querySelector('.compare[data-drawn-ms]')) ok()
          else (globalThis as any).requestAnimationFrame(tick)
        }
        tick()
      })
      const drawMs = performance.now() - t0
      po.disconnect()
      return {
        drawMs: Math.round(drawMs),
        longestTaskMs: Math.round(Math.max(0, ...long)),
        loadMs: Number(d.querySelector('.compare').dataset.loadMs)
      }
    })
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true })
    writeFileSync(join(ROOT, 'artifacts', 'compare-100-runs.json'), `${JSON.stringify({ runs: 100, ...timing }, null, 2)}\n`)
    console.log(
      `Compare with 100 runs: drawn in ${timing.drawMs} ms (lab answered in ${timing.loadMs} ms), longest task ${timing.longestTaskMs} ms`
    )

    expect(await page.locator('[data-test=compare-count]').textContent()).toMatch(/^100 runs in 2 groups/)
    // One entry per design, with how many runs it stands for: no run hidden without a word.
    const designs = await page.locator('[data-test=design-legend] .legend-item').allTextContents()
    expect(designs.map((t) => t.replace(/\s+/g, ' ').trim())).toEqual(['legacy · 50 runs', 'swap-table P4 · 50 runs'])
    const series = await page.locator('[data-test=series-legend]').textContent()
    expect(series).toMatch(/100 runs in 2 groups: each line is a group's mean/)
    expect(series).toContain('legacy (mean of 50 runs)')
    expect(series).toContain('swap-table P4 (mean of 50 runs)')
    // The same colour for a design in the design legend and the time-series legend.
    const colours = await page.evaluate(() => {
      const pick = (sel: string): string[] =>
        [...(globalThis as any).document.querySelectorAll(`${sel} .swatch`)].map((s: any) => s.style.background)
      return { designs: pick('[data-test=design-legend]'), series: pick('[data-test=series-legend]') }
    })
    expect(colours.series).toEqual(colours.designs)
    await screenshot(page, '22-compare-100-runs')

    // A chart exported as PNG: 1600 x 900, opaque (the top-left pixel's alpha is 255).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-chart^="compare-"] button:has-text("PNG")').first().click()
    ])
    const file = join(served.dir, download.suggestedFilename())
    await download.saveAs(file)
    const png = readFileSync(file)
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1600, 900])
    const idat: Buffer[] = []
    for (let at = 8; at < png.length;) {
      const len = png.readUInt32BE(at)
      if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len))
      at += 12 + len
    }
    const raw = inflateSync(Buffer.concat(idat))
    // Colour type 6 (RGBA): the first pixel of the first row is stored as is whatever the row filter.
    expect(png[25]).toBe(6)
    expect(raw[4]).toBe(255)
  })

  it('loaded without console errors or CSP violations', () => {
    expect(browser.problems).toEqual([])
  })
})
