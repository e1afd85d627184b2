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
import {
  api,
  browser,
  drawn,
  drawnTexts,
  exportSvg,
  openRuns,
  overlaps,
  page,
  preset,
  rgb,
  ROOT,
  runToEnd,
  screenshot,
  served,
  useLab,
  type ApiRun
} from './harness'

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

/** Unit families of chart ticks: a chart keeps to one ("0 s" and "50 ms" are one family, "50 ms" and "2 MB/s" are not). */
const UNIT_FAMILY: Record<string, string> = {
  '': 'count',
  '%': 'percent',
  ns: 'time',
  µs: 'time',
  us: 'time',
  ms: 'time',
  s: 'time',
  B: 'bytes',
  KiB: 'bytes',
  MiB: 'bytes',
  GiB: 'bytes',
  TiB: 'bytes',
  'B/s': 'rate',
  'kB/s': 'rate',
  'MB/s': 'rate',
  'GB/s': 'rate'
}

/**
 * What is wrong with the numeric ticks among a chart's texts ("150 KiB", "0 s", "2.5 ms"):
 * units of more than one family, or values that are not round (more than two significant
 * digits, as 1.37 ms or 3,291 MB/s would be). Texts that are not a number and a unit (titles,
 * "tasks=2") are not ticks.
 */
function tickProblems(texts: string[]): string[] {
  const ticks = texts.map((t) => /^(-?[\d,]*\.?\d+)\s*([^\d\s=]*)$/.exec(t)).filter((m): m is RegExpExecArray => m !== null)
  const problems: string[] = []
  const families = new Set(ticks.map((m) => UNIT_FAMILY[m[2]] ?? `unknown unit ${m[2]}`))
  if (families.size > 1) problems.push(`ticks in ${[...families].join(' and ')}: ${ticks.map((m) => m[0]).join(', ')}`)
  for (const m of ticks) {
    const digits = m[1].replace(/[-,.]/g, '').replace(/^0+/, '').replace(/0+$/, '')
    if (digits.length > 2) problems.push(`${m[0]} is not a round value`)
  }
  return problems
}

/** The drawn texts of the given charts (their SVG exports): those that overlap, and what is wrong with their ticks. */
async function chartTextProblems(charts: string[]): Promise<{ chart: string; overlapping: [string, string][]; ticks: string[] }[]> {
  const out = []
  for (const chart of charts) {
    const texts = await drawnTexts((await exportSvg(chart)).svg)
    expect(texts.length, chart).toBeGreaterThan(3)
    out.push({ chart, overlapping: overlaps(texts), ticks: chart === 'compare-parallel' ? [] : tickProblems(texts.map((t) => t.text)) })
  }
  return out
}

/** The data-chart names of the charts Compare shows, and whether any two tiles have the same title. */
async function chartTiles(): Promise<{ charts: string[]; titles: string[] }> {
  return {
    charts: await page.locator('[data-chart]').evaluateAll((els: any[]) => els.map((e) => e.dataset.chart)),
    titles: (await page.locator('[data-chart] h3').allTextContents()).map((t) => t.trim())
  }
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

  it('with nothing chosen the baseline is the experiment’s first design, not the group that sorts first; bit-identical trials say why', async () => {
    // The first design sorts last ("swap-table P4" after "legacy"); a sequential usemem is
    // deterministic, so its trials are bit-identical whatever the seed.
    const ids = await runIdsToEnd(
      await quickConfig({
        name: 'first design sorts last',
        designs: [{ design: 'swap-table', options: { phase: 4 } }, { design: 'legacy' }],
        trials: 2,
        workload: { name: 'usemem', params: { tasks: 2, sizeBytes: '8MiB', passes: 2, random: false } }
      })
    )
    await openRuns()
    await selectOnly(ids)
    await openCompare()
    // Before: the baseline was whichever group sorted first (legacy).
    expect(await page.locator('[data-test=baseline]').textContent()).toMatch(/Baseline:\s*swap-table P4\s*\(default: the first design/)
    const baselineRows = await page
      .locator('[data-test=deltas] tbody tr.baseline')
      .evaluateAll((rs: any[]) => rs.map((r) => r.dataset.group))
    expect(baselineRows).toHaveLength(1)
    expect(baselineRows[0]).toMatch(/\/swap-table P4/)
    // Bit-identical trials: the page says why the intervals have no width, the cells say
    // "identical" instead of a ± of zero, and a difference between such groups is exact, not noise.
    const note = (await page.locator('[data-test=identical-note]').textContent())!.replace(/\s+/g, ' ')
    expect(note).toMatch(/bit-identical results .*deterministic workload.* Their intervals have no width because there is no noise/)
    const cells = await page.locator('[data-test=deltas] tbody tr:not(.baseline) td[data-metric]').evaluateAll((tds: any[]) =>
      tds.map((td) => ({
        text: td.textContent.replace(/\s+/g, ' '),
        verdict: td.querySelector('[data-verdict]')?.dataset.verdict ?? null
      }))
    )
    const identical = cells.filter((c) => c.text.includes('identical'))
    expect(identical.length).toBeGreaterThan(0)
    for (const c of identical) {
      expect(c.text).not.toContain('±')
      expect(c.verdict, c.text).toBe('exact')
    }
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

  it('draws the sweep preset: a line per design against both swept parameters, parallel coordinates, readable labels', async () => {
    // "Swap table vs virtual swap at scale": a list sweep of cpus and tasks together (2, 8, 32), two trials a point.
    const ids = await runIdsToEnd({ ...(await preset('swap-table-vs-vswap')), trials: 2 })
    await openRuns()
    await selectOnly(ids)
    await openCompare()
    expect(await page.locator('[data-test=compare-count]').textContent()).toMatch(/^12 runs in 6 groups/)
    expect(await page.locator('.compare h2').first().textContent()).toBe('Against the sweep: cpus · tasks')
    expect(await page.locator('[data-test=baseline]').textContent()).toMatch(/compared at each sweep point/)
    // Groups in the order of the swept values; each vswap group against swap-table at its own point.
    const rows = await page.locator('[data-test=deltas] tbody tr').evaluateAll((rs: any[]) =>
      rs.map((r) => ({
        key: r.dataset.group as string,
        baseline: r.classList.contains('baseline'),
        deltas: r.querySelectorAll('[data-verdict]').length
      }))
    )
    expect(rows.map((r) => Number(/cpus=(\d+)/.exec(r.key)![1]))).toEqual([2, 2, 8, 8, 32, 32])
    const pointOf = (key: string): string => key.split('/').slice(2).join('/')
    const baselines = rows.filter((r) => r.baseline)
    expect(baselines.map((r) => r.key.split('/')[1])).toEqual(['swap-table P4', 'swap-table P4', 'swap-table P4'])
    for (const r of rows.filter((x) => !x.baseline)) {
      expect(r.key.split('/')[1]).toMatch(/^vswap/)
      expect(baselines.map((b) => pointOf(b.key))).toContain(pointOf(r.key))
      expect(r.deltas, r.key).toBeGreaterThan(0)
    }
    // Each group by its design and its point in human terms, never a schema path or a raw number of bytes.
    const names = await page.locator('[data-test=deltas] tbody tr td:first-child').allInnerTexts()
    for (const n of names) expect(n.trim()).toMatch(/^(swap-table P4|vswap 24B) · cpus=(2|8|32) · tasks=(2|8|32)(\s*baseline)?$/)

    // The screenshot before any export (an export leaves its "Downloaded" message on the page).
    await page.evaluate(() => (globalThis as any).document.querySelector('.content').scrollTo(0, 0))
    await screenshot(page, '23-compare-sweep-preset', { docs: 'compare-sweep' })

    // The charts: a line chart per metric against the sweep, parallel coordinates for the two
    // parameters, no two tiles alike, each design's colour in each sweep chart.
    const { charts, titles } = await chartTiles()
    const sweepCharts = charts.filter((c) => c.startsWith('compare-sweep-'))
    expect(sweepCharts.length).toBeGreaterThan(0)
    expect(charts).toContain('compare-parallel')
    expect(new Set(titles).size).toBe(titles.length)
    const designColours = await page
      .locator('[data-test=design-legend] .swatch')
      .evaluateAll((s: any[]) => s.map((x) => (globalThis as any).getComputedStyle(x).backgroundColor))
    expect(designColours).toHaveLength(2)
    for (const chart of sweepCharts) {
      const { svg } = await exportSvg(chart)
      const strokes = new Set([...svg.matchAll(/stroke="([^"]+)"/g)].map((m) => rgb(m[1])))
      for (const c of designColours) expect(strokes, `${chart}: ${c}`).toContain(c)
    }
    // Labels that carry a sweep point do not overlap (before, bar labels were drawn over each
    // other); ticks are round values of one unit family.
    const problems = await chartTextProblems([...sweepCharts, 'compare-parallel'])
    expect(problems.filter((p) => p.overlapping.length || p.ticks.length)).toEqual([])
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

    // The page's request for the time series: the store answers with buckets, not every sample.
    const seriesReply = page.waitForResponse((r) => r.url().endsWith('/api/getSeries'))
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
    // Scrolling through it: the page scrolled a step a frame from top to bottom, the longest
    // frame and main-thread block while it moves (a figure, like the draw time: no assertion).
    const scroll = await page.evaluate(async () => {
      const w = globalThis as any
      const content = w.document.querySelector('.content')
      const long: number[] = []
      const po = new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration)))
      po.observe({ entryTypes: ['longtask'] } as any)
      const frames: number[] = []
      const steps = 40
      let last = performance.now()
      for (let i = 1; i <= steps; i++) {
        content.scrollTo(0, ((content.scrollHeight - content.clientHeight) * i) / steps)
        await new Promise((ok) => w.requestAnimationFrame(ok))
        const now = performance.now()
        frames.push(now - last)
        last = now
      }
      po.disconnect()
      content.scrollTo(0, 0)
      return {
        scrollFrames: steps,
        longestScrollFrameMs: Math.round(Math.max(...frames)),
        longestScrollTaskMs: Math.round(Math.max(0, ...long))
      }
    })
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true })
    writeFileSync(join(ROOT, 'artifacts', 'compare-100-runs.json'), `${JSON.stringify({ runs: 100, ...timing, ...scroll }, null, 2)}\n`)
    console.log(
      `Compare with 100 runs: drawn in ${timing.drawMs} ms (lab answered in ${timing.loadMs} ms), longest task ${timing.longestTaskMs} ms; ` +
        `scrolled through in ${scroll.scrollFrames} frames, longest frame ${scroll.longestScrollFrameMs} ms, longest task ${scroll.longestScrollTaskMs} ms`
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
    await screenshot(page, '22-compare-100-runs', { docs: 'compare-100-runs' })
    await page.locator('[data-test=series-legend]').evaluate((el: any) => el.scrollIntoView({ block: 'start' }))
    await screenshot(page, '22-compare-100-runs-series', { docs: 'compare-100-runs-series' })
    await page.evaluate(() => (globalThis as any).document.querySelector('.content').scrollTo(0, 0))

    // The time series came decimated by the lab: at most the asked buckets per run, far fewer points than samples.
    const reply = await seriesReply
    const asked = JSON.parse(reply.request().postData()!).args as [number[], string[], number]
    const buckets = ((await reply.json()) as { value: { runId: number; totalSamples: number; tSimNs: number[] }[] }).value
    expect(asked[0]).toHaveLength(100)
    expect(asked[2]).toBeLessThanOrEqual(300)
    expect(buckets).toHaveLength(100)
    for (const s of buckets) expect(s.tSimNs.length).toBeLessThanOrEqual(asked[2])
    const sent = buckets.reduce((n, s) => n + s.tSimNs.length, 0)
    const recorded = buckets.reduce((n, s) => n + s.totalSamples, 0)
    expect(sent).toBeLessThan(recorded)
    console.log(`Compare with 100 runs: the lab sent ${sent} of ${recorded} samples (${asked[2]} buckets a run)`)
    // No two tiles alike; bar labels readable, ticks round and of one unit family.
    const { charts, titles } = await chartTiles()
    expect(new Set(titles).size).toBe(titles.length)
    const bars = charts.filter((c) => !c.startsWith('compare-sweep-') && c !== 'compare-parallel').slice(0, 3)
    const problems = await chartTextProblems(bars)
    expect(problems.filter((p) => p.overlapping.length || p.ticks.length)).toEqual([])
    // Each bar in the colour its design has in the legend: the filled shapes standing over a
    // design's label (the bar and its border) are in that design's colour, nothing else.
    const legend = await page
      .locator('[data-test=design-legend] .legend-item')
      .evaluateAll((items: any[]) =>
        items.map((i) => [
          i.dataset.design as string,
          (globalThis as any).getComputedStyle(i.querySelector('.swatch')).backgroundColor as string
        ])
      )
    for (const chart of bars) {
      const { texts, shapes } = await drawn((await exportSvg(chart)).svg)
      for (const [design, colour] of legend) {
        const label = texts.find((t) => t.text === design)
        expect(label, `${chart}: label ${design}`).toBeDefined()
        const mid = label!.x + label!.width / 2
        const over = shapes.filter((s) => s.x < mid && mid < s.x + s.width && s.y + s.height <= label!.y && s.width < 800 && s.height > 2)
        expect(over.length, `${chart}: bar of ${design}`).toBeGreaterThan(0)
        expect([...new Set(over.map((s) => s.fill))], `${chart}: ${design}`).toEqual([colour])
      }
    }

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
