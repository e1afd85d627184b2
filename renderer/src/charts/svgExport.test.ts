// @vitest-environment happy-dom
// SVG export through svgcanvas: the app's own charts (a sweep with bands, bars with error bars,
// a live chart with its legend) drawn by Chart.js into the SVG context are well-formed SVG
// documents with the title, the tick labels, every series in its colour, the error bars and
// the opaque background, and no style attribute (the app's CSP forbids them); a chart that
// draws nothing is refused rather than saved empty.
import { describe, expect, it, vi } from 'vitest'

// Chromium has Path2D, and Chart.js (which checks once, when it loads) then strokes lines
// through one, which no SVG context can read back: with a Path2D here too, the test draws
// lines the way the app does and fails if the export stops drawing them command by command.
vi.hoisted(() => {
  if (typeof (globalThis as { Path2D?: unknown }).Path2D !== 'function')
    (globalThis as { Path2D?: unknown }).Path2D = class {
      moveTo(): void {}
      lineTo(): void {}
      bezierCurveTo(): void {}
      closePath(): void {}
    }
})

import type { ChartConfiguration } from 'chart.js'
import type { RunRecord, CompareData } from '../../../experiments/api'
import { buildCompare } from '../../../experiments/compare'
import type { Sample } from '../../../engine/pure'
import { barData, sweepLineData, variantColors } from './compareCharts'
import { panelDatasets } from './datasets'
import { compareBarOptions, lineOptions, sweepOptions } from './options'
import { colorAt } from './palette'
import { LIGHT, themed } from './theme'
import { chartToSvg } from './svgExport'

const run = (id: number, variantLabel: string, point: Record<string, number> = {}): RunRecord =>
  ({ id, experimentId: 1, experimentName: 'e', variantLabel, point, status: 'done' }) as RunRecord

function compareData(sweep: boolean): CompareData {
  const runs: RunRecord[] = []
  const metrics = new Map<number, Record<string, number>>()
  let id = 1
  for (const p of sweep ? [2, 8, 32] : [2])
    for (const d of ['swap-table P4', 'vswap'])
      for (let t = 0; t < 3; t++) {
        runs.push(run(id, d, sweep ? { cpus: p } : {}))
        metrics.set(id, { sim_time_s: (d === 'vswap' ? 2 : 1) * p + t * 0.3 })
        id++
      }
  return buildCompare(runs, { metricsByRun: metrics, configsByRun: new Map() })
}

/** Text widths without a real canvas: about 0.55 em a character. */
const measure = {
  font: '10px sans-serif',
  measureText(text: string) {
    return { width: text.length * Number(/(\d+(?:\.\d+)?)px/.exec(this.font)?.[1] ?? 10) * 0.55 }
  }
}

function render(type: 'line' | 'barWithErrorBars', data: unknown, options: object, title: string): Document {
  const o = themed(options, LIGHT) as Record<string, unknown>
  // The app's CSP (style-src 'self') blocks style attributes: drawing must set none.
  const setAttribute = vi.spyOn(Element.prototype, 'setAttribute')
  const svg = chartToSvg(
    {
      type: type as 'line',
      data: data as ChartConfiguration['data'],
      options: { ...o, plugins: { ...(o.plugins as object), swaplabTitle: { text: title } } as never }
    },
    { width: 800, height: 450, scale: 2, title, measure }
  )
  expect(setAttribute.mock.calls.filter(([name]) => name === 'style')).toEqual([])
  setAttribute.mockRestore()
  // A standalone document: its namespace first (main's checkSvg), tags that nest and close.
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/)
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
  wellFormed(svg)
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml')
  expect(doc.querySelector('parsererror')).toBeNull()
  return doc
}

function wellFormed(svg: string): void {
  const stack: string[] = []
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, name, attrs, self] = m
    expect(attrs).not.toMatch(/[<&](?!amp;|lt;|gt;|quot;|#\d+;)/)
    if (self) continue
    if (close) expect(stack.pop()).toBe(name)
    else stack.push(name)
  }
  expect(stack).toEqual([])
}

const texts = (doc: Document): string[] => [...doc.querySelectorAll('text')].map((t) => t.textContent ?? '')
/** Drawn shapes in drawing order (clip paths in <defs> are not drawn). */
const shapes = (doc: Document): Element[] => [...doc.querySelectorAll('svg > g path, svg > g rect')]
const subpaths = (d: string | null): number => (d?.match(/M/g) ?? []).length

/** The whole image in the background colour, drawn before anything else. */
function expectBackground(doc: Document, colour: string): void {
  const first = shapes(doc)[0]
  expect(first.nodeName).toBe('rect')
  expect(['x', 'y', 'width', 'height'].map((a) => Number(first.getAttribute(a)))).toEqual([0, 0, 800, 450])
  expect(first.getAttribute('fill')).toBe(colour)
}

describe('charts exported as SVG through svgcanvas', () => {
  it('a sweep: title, 1600 x 900 of an 800 x 450 layout, background, ticks, a line and a band per design', () => {
    const c = compareData(true)
    const data = sweepLineData(c, 'sim_time_s', variantColors(c.groups))
    const doc = render('line', data, sweepOptions('sim_time_s', 'cpus'), 'Sim time by cpus & co <mean>')
    const root = doc.documentElement
    expect(root.nodeName).toBe('svg')
    expect([root.getAttribute('width'), root.getAttribute('height'), root.getAttribute('viewBox')]).toEqual(['1600', '900', '0 0 800 450'])
    expect(doc.querySelector('title')?.textContent).toBe('Sim time by cpus & co <mean>')
    expectBackground(doc, LIGHT.background)
    // The title drawn into the image, the swept values and the axis title, and round y ticks.
    const title = [...doc.querySelectorAll('text')].find((t) => t.textContent === 'Sim time by cpus & co <mean>')
    expect(title?.getAttribute('font-size')).toBe('18px')
    expect(title?.getAttribute('fill')).toBe(LIGHT.title)
    expect(texts(doc)).toEqual(expect.arrayContaining(['cpus', 'cpus=2', 'cpus=8', 'cpus=32', '0 s', '20 s', '40 s', '60 s']))
    // Every label in its font (the sweep's 10 px category ticks).
    const tick = [...doc.querySelectorAll('text')].find((t) => t.textContent === 'cpus=8')!
    expect([tick.getAttribute('font-size'), tick.getAttribute('font-family'), tick.getAttribute('fill')]).toEqual([
      '10px',
      'system-ui, sans-serif',
      LIGHT.text
    ])
    for (const t of doc.querySelectorAll('text')) expect(t.getAttribute('font-family')).toBeTruthy()
    // Each design: its line through the three sweep points, stroked in its colour, and its band, filled translucent.
    for (const i of [0, 1]) {
      const lines = shapes(doc).filter((p) => p.getAttribute('stroke') === colorAt(i) && p.getAttribute('fill') === 'none')
      expect(
        lines.some((l) => (l.getAttribute('d')?.match(/[ML]/g) ?? []).length >= 3),
        colorAt(i)
      ).toBe(true)
      const n = parseInt(colorAt(i).slice(1), 16)
      const band = shapes(doc).find((p) => p.getAttribute('fill') === `rgb(${n >> 16},${(n >> 8) & 255},${n & 255})`)
      expect(Number(band?.getAttribute('fill-opacity')), colorAt(i)).toBeGreaterThan(0)
      expect(Number(band?.getAttribute('fill-opacity')), colorAt(i)).toBeLessThan(1)
    }
  })

  it('bars: translucent bars with their border ring in the design colour, the error bars, the category labels', () => {
    const c = compareData(false)
    const doc = render(
      'barWithErrorBars',
      barData(c.groups, 'sim_time_s', variantColors(c.groups)),
      compareBarOptions('sim_time_s'),
      'Sim time'
    )
    expectBackground(doc, LIGHT.background)
    expect(texts(doc)).toEqual(expect.arrayContaining(['Sim time', 'swap-table P4', 'vswap', '0 s', '1 s', '4 s']))
    for (const i of [0, 1]) {
      const n = parseInt(colorAt(i).slice(1), 16)
      // The bar: its inside in the design colour at 60 %...
      const inside = shapes(doc).find((p) => p.getAttribute('fill') === `rgb(${n >> 16},${(n >> 8) & 255},${n & 255})`)
      expect(inside?.getAttribute('fill-opacity'), colorAt(i)).toBe('0.6')
      // ...and its border: a ring (outer and inner rectangle, even-odd), not the whole bar in the opaque colour.
      const border = shapes(doc).find((p) => p.getAttribute('fill') === colorAt(i))
      expect(border?.getAttribute('fill-rule'), colorAt(i)).toBe('evenodd')
      expect(subpaths(border!.getAttribute('d')), colorAt(i)).toBe(2)
    }
    // The error bars: the bar from low to high and its two whiskers, per bar, in the text colour.
    const whiskers = shapes(doc).filter((p) => p.getAttribute('stroke') === LIGHT.text)
    expect(whiskers.length).toBeGreaterThanOrEqual(2)
  })

  it('a live chart: its legend names every field, each line in its colour', () => {
    const samples: Sample[] = Array.from({ length: 50 }, (_, i) => ({
      tSimNs: i * 1e6,
      tWallMs: i,
      ops: i * 100,
      values: { swapUsedSlots: i * 10, swapCachePages: i * 3, residentPages: 4000 - i * 10 }
    })) as unknown as Sample[]
    const datasets = panelDatasets(samples, ['swapUsedSlots', 'swapCachePages', 'residentPages'], 'sim')
    const doc = render('line', { datasets }, lineOptions('Simulated time (ms)', 'swapUsedSlots', true), 'Swap usage')
    expect(texts(doc)).toEqual(expect.arrayContaining(['Swap slots used', 'Swap cache pages', 'Resident pages', 'Simulated time (ms)']))
    // Each line through its 50 samples (not only its legend swatch in the same colour).
    for (const d of datasets)
      expect(
        shapes(doc).some((p) => p.getAttribute('stroke') === d.borderColor && (p.getAttribute('d')?.match(/L/g) ?? []).length >= 40),
        d.label
      ).toBe(true)
  })

  it('refuses a chart that drew nothing but its background, instead of saving an empty picture', () => {
    expect(() =>
      chartToSvg(
        {
          type: 'line',
          data: { datasets: [] },
          options: { scales: { x: { display: false }, y: { display: false } }, plugins: { legend: { display: false } } }
        },
        { width: 800, height: 450, scale: 2, title: 'empty', measure }
      )
    ).toThrow(/drew nothing/)
  })
})
