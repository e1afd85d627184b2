// SVG export: Chart.js draws the app's own charts into SvgContext; the result is well-formed
// SVG with the title, the opaque background, every series in its design colour, the error
// bars and the axis labels. Also the theme's colours for charts (light and dark).
import { describe, expect, it } from 'vitest'
import { BasicPlatform, Chart } from 'chart.js'
import type { RunRecord } from '../../../experiments/api'
import { buildCompare } from '../../../experiments/compare'
import { barData, sweepLineData, variantColors } from './compareCharts'
import { compareBarOptions, sweepOptions } from './options'
import { colorAt } from './palette'
import { setupCharts } from './setup'
import { LIGHT, themed } from './theme'
import { parseFont, splitAlpha, SvgContext } from './svgContext'

const run = (id: number, variantLabel: string, point: Record<string, number> = {}): RunRecord =>
  ({ id, experimentId: 1, experimentName: 'e', variantLabel, point, status: 'done' }) as RunRecord

function compareData(sweep: boolean) {
  const runs: RunRecord[] = []
  const metrics = new Map<number, Record<string, number>>()
  let id = 1
  for (const p of sweep ? [2, 8, 32] : [2])
    for (const d of ['swap-table P4', 'vswap'])
      for (let t = 0; t < 3; t++) {
        runs.push(run(id, d, sweep ? { cpus: p } : {}))
        metrics.set(id, { sim_time_s: (d === 'vswap' ? 2 : 1) * p + t * 0.01 })
        id++
      }
  return buildCompare(runs, { metricsByRun: metrics, configsByRun: new Map() })
}

/** Checks that tags nest and close (a well-formedness check of the markup the context writes). */
function wellFormed(svg: string): void {
  const stack: string[] = []
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, name, attrs, self] = m
    expect(attrs).not.toMatch(/[<&](?!amp;|lt;|gt;|quot;)/)
    if (self) continue
    if (close) expect(stack.pop()).toBe(name)
    else stack.push(name)
  }
  expect(stack).toEqual([])
  // Text content escapes its markup characters.
  for (const t of svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)) expect(t[1]).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/)
}

function render(type: 'line' | 'barWithErrorBars', data: unknown, options: Record<string, unknown>, title: string): string {
  setupCharts()
  const ctx = new SvgContext({ width: 1600, height: 900 })
  const chart = new Chart(ctx.canvas as unknown as HTMLCanvasElement, {
    type: type as 'line',
    data: data as never,
    options: {
      ...themed(options, LIGHT),
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: { ...(options.plugins as object), swaplabTitle: { text: title } } as never
    },
    platform: BasicPlatform
  })
  const svg = ctx.toSvg(title)
  chart.destroy()
  return svg
}

describe('charts as SVG', () => {
  it('draw a sweep chart with its title, an opaque background and one line per design in its colour', () => {
    const c = compareData(true)
    const colors = variantColors(c.groups)
    const data = sweepLineData(c, 'sim_time_s', colors)
    const svg = render(
      'line',
      { ...data, datasets: data.datasets.map((d) => ({ ...d, segment: {} })) },
      sweepOptions('sim_time_s', 'cpus', 70) as Record<string, unknown>,
      'Sim time by cpus & co <mean>'
    )
    wellFormed(svg)
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1600" height="900" viewBox="0 0 1600 900">/)
    expect(svg).toContain('<title>Sim time by cpus &amp; co &lt;mean&gt;</title>')
    // The background comes first (drawn behind everything) and covers the whole image.
    const firstShape = svg.split('\n').find((l) => l.startsWith('<path'))!
    expect(firstShape).toBe('<path d="M0 0L1600 0L1600 900L0 900Z" fill="#ffffff"/>')
    // The title drawn into the image, the x axis's swept values and title.
    expect(svg).toMatch(/<text [^>]*font-size="18"[^>]*>Sim time by cpus &amp; co &lt;mean&gt;<\/text>/)
    for (const label of ['cpus=2', 'cpus=8', 'cpus=32', '>cpus<']) expect(svg).toContain(label)
    // Each design's line: a stroked path in its colour through the three points.
    for (const i of [0, 1]) {
      const lines = [...svg.matchAll(new RegExp(`<path[^>]*d="([^"]+)"[^>]*fill="none" stroke="${colorAt(i)}"`, 'g'))]
      expect(lines.length, colorAt(i)).toBeGreaterThan(0)
      expect(lines.some((l) => (l[1].match(/[ML]/g) ?? []).length >= 3)).toBe(true)
    }
    // The bands: filled paths in the design colours, translucent.
    expect(svg).toMatch(/fill="rgb\(0, 114, 178\)" fill-opacity="0\.\d+"/)
  })

  it('draw bars with their error bars, and refuse what they cannot draw instead of leaving it out', () => {
    const c = compareData(false)
    const colors = variantColors(c.groups)
    const svg = render(
      'barWithErrorBars',
      barData(c.groups, 'sim_time_s', colors),
      compareBarOptions('sim_time_s', 5) as Record<string, unknown>,
      'Sim time'
    )
    wellFormed(svg)
    // Two bars (filled paths in the two design colours) and their whiskers.
    expect(svg).toContain('swap-table P4')
    expect(svg).toContain('vswap')
    expect((svg.match(/<path [^>]*fill="rgb\(0, 114, 178\)"/g) ?? []).length).toBeGreaterThan(0)
    expect((svg.match(/<path [^>]*fill="rgb\(230, 159, 0\)"/g) ?? []).length).toBeGreaterThan(0)
    const ctx = new SvgContext({ width: 10, height: 10 })
    expect(() => ctx.drawImage()).toThrow(/images are not supported/)
    expect(() => (ctx.fillStyle = { gradient: true })).toThrow(/only plain colours/)
  })

  it('parse canvas fonts and colours with alpha', () => {
    expect(parseFont('600 18px Inter, sans-serif')).toEqual({ style: 'normal', weight: '600', size: 18, family: 'Inter, sans-serif' })
    expect(parseFont('italic bold 11px system-ui')).toEqual({ style: 'italic', weight: 'bold', size: 11, family: 'system-ui' })
    expect(splitAlpha('rgba(1, 2, 3, 0.25)')).toEqual({ rgb: 'rgb(1, 2, 3)', a: 0.25 })
    expect(splitAlpha('#0072B280')).toEqual({ rgb: '#0072B2', a: 128 / 255 })
    expect(splitAlpha('#abc')).toEqual({ rgb: '#abc', a: 1 })
  })
})

describe('chart theme', () => {
  it('colours ticks, titles, grids and legend text where the options set none, and keeps those they set', () => {
    const dark = { ...LIGHT, dark: true, text: '#c3cad5', grid: '#2a3340', axis: '#4b5563' }
    const o = themed(
      {
        scales: { x: { title: { display: true, text: 'x' }, grid: { color: 'red' } }, y: { ticks: { maxTicksLimit: 5 } } },
        plugins: { legend: { display: true } }
      },
      dark
    ) as Record<string, any>
    expect(o.color).toBe('#c3cad5')
    expect(o.scales.x.title).toEqual({ color: '#c3cad5', display: true, text: 'x' })
    expect(o.scales.x.grid.color).toBe('red')
    expect(o.scales.y.grid.color).toBe('#2a3340')
    expect(o.scales.y.ticks).toEqual({ color: '#c3cad5', maxTicksLimit: 5 })
    expect(o.plugins.legend.labels.color).toBe('#c3cad5')
  })
})
