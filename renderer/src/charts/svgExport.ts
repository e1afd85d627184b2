// A chart as an SVG document: Chart.js draws it again into svgcanvas (the maintained successor
// of canvas2svg), a CanvasRenderingContext2D that records every path, rectangle and text as
// SVG, so the export is the chart as drawn (axes, ticks, legend, bands, error bars, title and
// background) in vectors. svgcanvas is used as it is except where it falls short of a canvas
// or of the app's CSP (see ChartSvgContext), and lines are drawn command by command because
// svgcanvas cannot read a Path2D.
import { BasicPlatform, Chart, type ChartConfiguration } from 'chart.js'
import { Context, type ContextOptions } from 'svgcanvas'
import { setupCharts } from './setup'

const SVG_NS = 'http://www.w3.org/2000/svg'

/** "600 18px Inter, sans-serif" -> its parts (the canvas font shorthand as Chart.js writes it). */
export function parseFont(font: string): { style: string; weight: string; size: number; family: string } {
  const m = /^\s*(.*?)\s*(\d+(?:\.\d+)?)px(?:\/\S+)?\s+(.+)$/.exec(font)
  if (!m) return { style: 'normal', weight: 'normal', size: 10, family: 'sans-serif' }
  const words = m[1].split(/\s+/).filter(Boolean)
  const style = words.find((w) => w === 'italic' || w === 'oblique') ?? 'normal'
  const weight = words.find((w) => /^(bold|bolder|lighter|\d{3})$/.test(w)) ?? 'normal'
  return { style, weight, size: Number(m[2]), family: m[3] }
}

const TEXT_ANCHOR: Record<string, string> = { left: 'start', right: 'end', center: 'middle', start: 'start', end: 'end' }
const BASELINE: Record<string, string> = {
  alphabetic: 'alphabetic',
  hanging: 'hanging',
  top: 'text-before-edge',
  bottom: 'text-after-edge',
  middle: 'central'
}

/**
 * svgcanvas where it falls short of a canvas or of the app:
 * - clip() and fill(rule): a bar with a border (Chart.js BarElement.draw) clips to its outer
 *   rectangle, adds the inner one to the same path and fills the ring between them with
 *   fill('evenodd'). svgcanvas moves the current path into the clipPath and ignores the fill
 *   rule (canvas2svg issue #62), so the whole bar would be filled with the opaque border colour.
 *   Here the path survives the clip, as on a canvas, and the rule reaches the SVG.
 * - text: svgcanvas parses the font through a <span> given a style attribute, which the app's
 *   Content-Security-Policy (style-src 'self') blocks: a CSP violation for every label and text
 *   without its font. Here the same <text> element, with the font parsed without the DOM.
 */
class ChartSvgContext extends Context {
  /** The path a clip() used, still current until beginPath(). */
  private pathAfterClip: string | null = null

  clip(): void {
    const path = this.__currentDefaultPath
    super.clip()
    this.pathAfterClip = path || null
  }

  beginPath(): void {
    this.pathAfterClip = null
    super.beginPath()
  }

  /** Before a path command after clip(): the clipped path is still the current one, as on a canvas. */
  private resumePath(): void {
    if (this.pathAfterClip === null || this.__currentElement.nodeName === 'path') return
    const path = this.pathAfterClip
    super.beginPath()
    this.pathAfterClip = null
    this.__currentDefaultPath = path
  }

  moveTo(x: number, y: number): void {
    this.resumePath()
    super.moveTo(x, y)
  }

  lineTo(x: number, y: number): void {
    this.resumePath()
    super.lineTo(x, y)
  }

  rect(x: number, y: number, w: number, h: number): void {
    this.resumePath()
    super.rect(x, y, w, h)
  }

  protected __applyText(text: string, x: number, y: number, action: 'fill' | 'stroke'): void {
    const f = parseFont(this.font)
    const parent = this.__closestGroupOrSvg()
    const el = this.__createElement(
      'text',
      {
        'font-family': f.family,
        'font-size': `${f.size}px`,
        'font-style': f.style,
        'font-weight': f.weight,
        x,
        y,
        'text-anchor': TEXT_ANCHOR[this.textAlign] ?? 'start',
        'dominant-baseline': BASELINE[this.textBaseline] ?? 'alphabetic'
      },
      true
    )
    el.appendChild(this.__document.createTextNode(text))
    this.__currentElement = el
    this.__applyTransformation(el)
    this.__applyStyleToCurrentElement(action)
    parent.appendChild(el)
  }

  fill(rule?: CanvasFillRule): void {
    super.fill()
    if (rule === 'evenodd' && this.__currentElement.nodeName === 'path') this.__currentElement.setAttribute('fill-rule', 'evenodd')
  }
}

export interface SvgExportOptions {
  /** Layout size in CSS pixels: the viewBox. */
  width: number
  height: number
  /** The document's size is the layout's times this (1600 x 900 for an 800 x 450 layout at 2). */
  scale: number
  /** The document's <title>. */
  title: string
  /** Measures text (a page's 2D context); by default svgcanvas measures with a canvas of its own. */
  measure?: ContextOptions['ctx']
}

/** The chart of `config` drawn as a standalone SVG document; throws when nothing was drawn. */
export function chartToSvg(config: ChartConfiguration, o: SvgExportOptions): string {
  setupCharts()
  const ctx = new ChartSvgContext({ width: o.width, height: o.height, ...(o.measure ? { ctx: o.measure } : {}) })
  // A canvas for Chart.js's BasicPlatform: sizes, no style to set, and the SVG context.
  const canvas = { width: o.width, height: o.height, getContext: (kind: string) => (kind === '2d' ? ctx : null) }
  const data = config.data
  const chart = new Chart(
    canvas as unknown as HTMLCanvasElement,
    {
      ...config,
      // Chart.js strokes a line through a cached Path2D when the dataset has no `segment`
      // options, and svgcanvas cannot read a Path2D: with them it draws the line command by command.
      data: config.type === 'line' ? { ...data, datasets: data.datasets.map((d) => ({ ...d, segment: {} })) } : data,
      options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
      platform: BasicPlatform
    } as ChartConfiguration
  )
  try {
    return serialize(ctx, o)
  } finally {
    chart.destroy()
  }
}

function serialize(ctx: Context, o: SvgExportOptions): string {
  // A copy: svgcanvas keeps drawing into its own tree (Chart.js clears it on destroy).
  const root = ctx.getSvg().cloneNode(true) as SVGSVGElement
  if (!root.querySelector('g path[d], g rect') || !root.querySelector('g text')) throw new Error('the chart drew nothing into the SVG')
  root.removeAttribute('version')
  root.setAttribute('width', String(o.width * o.scale))
  root.setAttribute('height', String(o.height * o.scale))
  root.setAttribute('viewBox', `0 0 ${o.width} ${o.height}`)
  const title = root.ownerDocument.createElementNS(SVG_NS, 'title')
  title.textContent = o.title
  root.insertBefore(title, root.firstChild)
  // svgcanvas writes stroke-dasharray="" for no dash.
  for (const el of root.querySelectorAll('[stroke-dasharray=""]')) el.removeAttribute('stroke-dasharray')
  const svg = new XMLSerializer().serializeToString(root)
  // A standalone document starts with its namespace (main's checkSvg relies on it), whatever order a serializer writes attributes in.
  const open = /^<svg\b[^>]*>/.exec(svg)![0]
  return `<svg xmlns="${SVG_NS}"${open.slice(4).replace(/\sxmlns="[^"]*"/, '')}${svg.slice(open.length)}`
}
