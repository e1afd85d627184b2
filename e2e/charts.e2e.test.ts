// Compare with cost-model sensitivity runs, charts exported as SVG, the dark theme and the
// Runs table from the keyboard, in a real browser against the real lab:
// - an experiment with sensitivity runs: every delta of Compare says whether its sign survives
//   the scaled cost models, and a flipping one is never shown as a plain percentage;
// - a chart's SVG export is a valid SVG document (Chromium's own parser and image decoder) of
//   1600 x 900 with its title, an opaque background and the series in the design colours;
// - with the system in dark mode (emulated), the page and the charts (and their exports) take
//   the dark colours; a screenshot of Compare in dark mode goes to artifacts/screenshots;
// - rows of Runs are reached, moved between and opened from the keyboard.
import { describe, expect, it } from 'vitest'
import { api, browser, exportSvg, page, preset, rgb, runToEnd, screenshot, served, useLab, type ApiRun } from './harness'

async function openCompare(ids: number[]): Promise<void> {
  await page.goto(`${served.origin}/#/compare?runs=${ids.join(',')}`)
  await page.waitForSelector('[data-test=deltas]')
  await page.waitForFunction(() => (globalThis as any).document.querySelector('.compare[data-drawn-ms]') !== null)
}

/** Chromium parses the SVG and decodes it as an image; returns what it found. */
async function inspectSvg(svg: string) {
  return page.evaluate(async (text) => {
    const w = globalThis as any
    const doc = new w.DOMParser().parseFromString(text, 'image/svg+xml')
    const root = doc.documentElement
    const img = new w.Image()
    const loaded = await new Promise<boolean>((ok) => {
      img.onload = () => ok(true)
      img.onerror = () => ok(false)
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`
    })
    // svgcanvas draws inside a <g>; the opaque background is its first shape, a 800 x 450 rect.
    const paths = [...doc.querySelectorAll('svg > g path, svg > g rect')] as any[]
    const box = (e: any): string | null =>
      e?.nodeName === 'rect' ? ['x', 'y', 'width', 'height'].map((a) => e.getAttribute(a)).join(' ') : null
    return {
      parseError: doc.querySelector('parsererror')?.textContent ?? null,
      root: root.nodeName,
      width: root.getAttribute('width'),
      height: root.getAttribute('height'),
      viewBox: root.getAttribute('viewBox'),
      title: doc.querySelector('title')?.textContent ?? null,
      texts: ([...doc.querySelectorAll('text')] as any[]).map((t) => t.textContent),
      background: paths[0]?.getAttribute('fill') ?? null,
      backgroundBox: box(paths[0]),
      strokes: [...new Set(paths.map((p) => p.getAttribute('stroke')).filter(Boolean))],
      decoded: loaded ? [img.naturalWidth, img.naturalHeight] : null
    }
  }, svg)
}

/** Relative luminance of a CSS rgb() colour (0 black .. 1 white). */
function luminance(css: string): number {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css)
  if (!m) throw new Error(`not an rgb colour: ${css}`)
  const lin = (c: number): number => {
    const v = c / 255
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * lin(Number(m[1])) + 0.7152 * lin(Number(m[2])) + 0.0722 * lin(Number(m[3]))
}

useLab(async () => {
  await page.goto(served.url)
})

describe('Compare with sensitivity runs, SVG export, dark mode, keyboard', () => {
  let main: number[] = []

  it('judges every delta with the cost-model sensitivity runs and never shows a flip as a plain percentage', async () => {
    const runs = await runToEnd({
      ...(await preset('quick')),
      name: 'quick with sensitivity',
      trials: 2,
      sensitivity: { groups: ['device'], factors: [0.5, 2] }
    })
    main = runs.filter((r) => !Object.keys(r.point).some((k) => k.startsWith('sensitivity.'))).map((r) => r.id)
    expect(main).toHaveLength(4)
    expect(runs).toHaveLength(12)
    // Only the main runs are selected: the experiment's sensitivity runs judge them all the same.
    await openCompare(main)
    expect(await page.locator('[data-test=compare-count]').textContent()).toMatch(/^4 runs in 2 groups/)
    expect(await page.locator('[data-test=sensitivity-note]').textContent()).toMatch(
      /8 runs of the experiment reran each design with the device costs scaled x0\.5, x2/
    )
    const cells = await page.locator('[data-test=deltas] tbody tr:not(.baseline) td[data-metric]').evaluateAll((tds: any[]) =>
      tds.map((td) => ({
        metric: td.dataset.metric,
        text: td.textContent.trim(),
        verdict: td.querySelector('[data-sensitivity]')?.dataset.sensitivity ?? null
      }))
    )
    expect(cells.length).toBeGreaterThanOrEqual(3)
    for (const c of cells) {
      if (c.text === '–') continue
      // Every difference carries the verdict.
      expect(['robust', 'depends-on-cost-model'], `${c.metric}: ${c.text}`).toContain(c.verdict)
      if (c.verdict === 'depends-on-cost-model') expect(c.text).toMatch(/depends on the cost model \([^)]*…[^)]*\)/)
    }
    await screenshot(page, '30-compare-sensitivity')
  })

  it('exports a chart as a valid SVG with its title, an opaque background and the series in the design colours', async () => {
    const chart = (await page.locator('[data-chart^="compare-"]').first().getAttribute('data-chart'))!
    const { name, svg } = await exportSvg(chart)
    expect(name).toBe(`${chart}.svg`)
    const info = await inspectSvg(svg)
    expect(info.parseError).toBeNull()
    expect(info.root).toBe('svg')
    expect([info.width, info.height]).toEqual(['1600', '900'])
    expect(info.decoded).toEqual([1600, 900])
    const title = (await page.locator(`[data-chart="${chart}"] h3`).textContent())!.trim()
    expect(info.title).toBe(title)
    expect(info.texts).toContain(title)
    // The first shape is the opaque background over the whole image, in the light panel colour.
    expect(info.viewBox).toBe('0 0 800 450')
    expect(info.backgroundBox).toBe('0 0 800 450')
    expect(info.background).toBe('#ffffff')
    // The series: the design colours of the legend appear in the drawing.
    const designColours = await page
      .locator('[data-test=design-legend] .swatch')
      .evaluateAll((s: any[]) => s.map((x) => (globalThis as any).getComputedStyle(x).backgroundColor))
    const drawn = new Set([
      ...info.strokes.map(rgb),
      ...[...svg.matchAll(/fill="([^"]+)"/g)].map((m) => rgb(m[1])).filter((c) => c.startsWith('rgb('))
    ])
    for (const c of designColours) expect(drawn, c).toContain(c)
    // Shown as an image in a page of its own, for a look at it.
    const viewer = await browser.context.newPage()
    await viewer.setViewportSize({ width: 1600, height: 900 })
    await viewer.setContent(`<img src="data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}">`)
    await viewer.waitForFunction(() => (globalThis as any).document.querySelector('img').complete)
    await screenshot(viewer, '31-svg-export')
    await viewer.close()
  })

  it('follows the system in dark mode: page, charts and their exports take the dark colours', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.goto(served.url.replace(/\?token=.*/, ''))
    await openCompare(main)
    const colours = await page.evaluate(() => {
      const w = globalThis as any
      const css = (sel: string, prop: string): string => w.getComputedStyle(w.document.querySelector(sel))[prop]
      return {
        page: css('html', 'backgroundColor'),
        text: css('.compare h1', 'color'),
        card: css('.card', 'backgroundColor'),
        input: css('select', 'backgroundColor'),
        chartText: w.getComputedStyle(w.document.documentElement).getPropertyValue('--chart-text').trim()
      }
    })
    expect(luminance(colours.page)).toBeLessThan(0.05)
    expect(luminance(colours.card)).toBeLessThan(0.05)
    expect(luminance(colours.input)).toBeLessThan(0.05)
    expect(luminance(colours.text)).toBeGreaterThan(0.6)
    // The charts: an SVG export draws on the dark panel colour with light ticks and labels.
    const chart = (await page.locator('[data-chart^="compare-"]').first().getAttribute('data-chart'))!
    const { svg } = await exportSvg(chart)
    const info = await inspectSvg(svg)
    expect(info.parseError).toBeNull()
    expect(luminance(rgb(info.background!))).toBeLessThan(0.05)
    expect(svg).toContain(`fill="${colours.chartText}"`)
    expect(luminance(rgb(colours.chartText))).toBeGreaterThan(0.4)
    await screenshot(page, '32-compare-dark')
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('reaches, moves between and opens rows of Runs from the keyboard', async () => {
    await page.click('[data-nav=runs]')
    await page.waitForSelector('tr[data-run]')
    const ids = await page.locator('tr[data-run]').evaluateAll((rows: any[]) => rows.map((r) => Number(r.dataset.run)))
    await page.locator('tr[data-run]').first().focus()
    await page.keyboard.press('ArrowDown')
    const focused = await page.evaluate(() => Number((globalThis as any).document.activeElement?.dataset?.run))
    expect(focused).toBe(ids[1])
    await page.keyboard.press('Space')
    expect(await page.locator(`input[aria-label="select run ${ids[1]}"]`).isChecked()).toBe(true)
    await page.keyboard.press('Enter')
    await page.waitForFunction((id) => (globalThis as any).location.hash === `#/run/${id}`, ids[1])
    await page.waitForSelector(`h1:has-text("${ids[1]}")`)
  })

  it('says in aria-sort which column the rows are sorted by and which way, and sorts them so, from the keyboard', async () => {
    await page.click('[data-nav=runs]')
    await page.waitForSelector('tr[data-run]')
    const simTime = new Map((await api<ApiRun[]>('listRuns', [])).map((r) => [r.id, r.headline?.sim_time_s ?? null]))
    const shown = async (): Promise<(number | null)[]> =>
      (await page.locator('tr[data-run]').evaluateAll((rows: any[]) => rows.map((r) => Number(r.dataset.run)))).map((id) =>
        simTime.get(id)!
      )
    const sortState = (): Promise<Record<string, string>> =>
      page
        .locator('thead th[aria-sort]')
        .evaluateAll((ths: any[]) =>
          Object.fromEntries(ths.map((th) => [th.textContent.replace(/[▲▼↑↓\s]+$/u, '').trim(), th.getAttribute('aria-sort')]))
        )
    const header = page.locator('thead th[aria-sort]').filter({ hasText: 'Sim time' })
    await header.locator('button').focus()
    await page.keyboard.press('Enter')
    await page.waitForFunction(() =>
      [...(globalThis as any).document.querySelectorAll('thead th[aria-sort=ascending]')].some((th: any) =>
        th.textContent.includes('Sim time')
      )
    )
    const state = await sortState()
    expect(Object.entries(state).filter(([, v]) => v !== 'none')).toEqual([[expect.stringMatching(/^Sim time/), 'ascending']])
    const asc = await shown()
    expect(new Set(asc).size).toBeGreaterThan(1)
    expect(asc).toEqual([...asc].sort((a, b) => a! - b!))
    await header.locator('button').press('Enter')
    await page.waitForFunction(() =>
      [...(globalThis as any).document.querySelectorAll('thead th[aria-sort=descending]')].some((th: any) =>
        th.textContent.includes('Sim time')
      )
    )
    const desc = await shown()
    expect(desc).toEqual([...asc].reverse())
  })

  it('loaded without console errors or CSP violations', () => {
    expect(browser.problems).toEqual([])
  })
})
