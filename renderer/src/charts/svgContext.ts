// A CanvasRenderingContext2D that writes SVG (in the manner of canvas2svg): Chart.js draws
// into it exactly as into a canvas, and every path, rectangle and text becomes an SVG element,
// so an SVG export is the chart as drawn (axes, ticks, legend, bands, error bars, title,
// background), as vectors. Only what Chart.js and its error-bar plugin use is implemented;
// anything else throws, so a new kind of drawing fails loudly instead of going missing.
//
// Why not a library: the maintained one (svgcanvas, the successor of canvas2svg) is not among
// the project's dependencies and none can be added here; this covers the calls Chart.js makes.

type Matrix = [number, number, number, number, number, number]

interface State {
  m: Matrix
  fillStyle: string
  strokeStyle: string
  lineWidth: number
  lineCap: CanvasLineCap
  lineJoin: CanvasLineJoin
  miterLimit: number
  font: string
  textAlign: CanvasTextAlign
  textBaseline: CanvasTextBaseline
  globalAlpha: number
  globalCompositeOperation: string
  dash: number[]
  lineDashOffset: number
  /** id of the clip path in force, or null. */
  clip: string | null
}

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0]
const TAU = Math.PI * 2

function multiply(a: Matrix, b: Matrix): Matrix {
  return [
    a[0] * b[0] + a[2] * b[1],
    a[1] * b[0] + a[3] * b[1],
    a[0] * b[2] + a[2] * b[3],
    a[1] * b[2] + a[3] * b[3],
    a[0] * b[4] + a[2] * b[5] + a[4],
    a[1] * b[4] + a[3] * b[5] + a[5]
  ]
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const num = (n: number): string => String(Math.round(n * 100) / 100)

/** "600 18px Inter, sans-serif" -> its parts (the canvas font shorthand as Chart.js writes it). */
export function parseFont(font: string): { style: string; weight: string; size: number; family: string } {
  const m = /^\s*(.*?)\s*(\d+(?:\.\d+)?)px(?:\/\S+)?\s+(.+)$/.exec(font)
  if (!m) return { style: 'normal', weight: 'normal', size: 10, family: 'sans-serif' }
  const words = m[1].split(/\s+/).filter(Boolean)
  const style = words.find((w) => w === 'italic' || w === 'oblique') ?? 'normal'
  const weight = words.find((w) => /^(bold|bolder|lighter|\d{3})$/.test(w)) ?? 'normal'
  return { style, weight, size: Number(m[2]), family: m[3] }
}

export interface SvgContextOptions {
  /** The drawing's size (its viewBox). */
  width: number
  height: number
  /** The image's size is the drawing's times this (default 1). */
  scale?: number
  /** Measures text as the page would draw it (a real canvas' measureText); an estimate otherwise. */
  measure?: (text: string, font: string) => number
}

/** A fake canvas holding an SvgContext, for `new Chart(canvas, ...)` with the BasicPlatform. */
export interface SvgCanvas {
  width: number
  height: number
  getContext(kind: '2d'): SvgContext
  /** Chart.js sets sizes on the canvas style when it has one; this one has none to set. */
  style?: undefined
}

export class SvgContext {
  readonly canvas: SvgCanvas
  private state: State
  private readonly stack: State[] = []
  private path = ''
  /** Current point of the path (device coordinates), for arcs joined by a line. */
  private hasPoint = false
  private elements: string[] = []
  private defs: string[] = []
  private clipCount = 0
  private readonly measureWidth: (text: string, font: string) => number
  // Properties Chart.js may set but that change nothing in the SVG.
  imageSmoothingEnabled = true
  shadowBlur = 0
  shadowColor = 'transparent'
  shadowOffsetX = 0
  shadowOffsetY = 0
  direction: CanvasDirection = 'inherit'

  constructor(private readonly o: SvgContextOptions) {
    this.state = {
      m: [...IDENTITY],
      fillStyle: '#000000',
      strokeStyle: '#000000',
      lineWidth: 1,
      lineCap: 'butt',
      lineJoin: 'miter',
      miterLimit: 10,
      font: '10px sans-serif',
      textAlign: 'start',
      textBaseline: 'alphabetic',
      globalAlpha: 1,
      globalCompositeOperation: 'source-over',
      dash: [],
      lineDashOffset: 0,
      clip: null
    }
    this.measureWidth = o.measure ?? ((text, font) => text.length * parseFont(font).size * 0.55)
    const ctx = this as SvgContext
    this.canvas = { width: o.width, height: o.height, getContext: () => ctx }
  }

  // --- state
  get fillStyle(): string {
    return this.state.fillStyle
  }
  set fillStyle(v: unknown) {
    this.state.fillStyle = colorOf(v)
  }
  get strokeStyle(): string {
    return this.state.strokeStyle
  }
  set strokeStyle(v: unknown) {
    this.state.strokeStyle = colorOf(v)
  }
  get lineWidth(): number {
    return this.state.lineWidth
  }
  set lineWidth(v: number) {
    if (Number.isFinite(v) && v >= 0) this.state.lineWidth = v
  }
  get lineCap(): CanvasLineCap {
    return this.state.lineCap
  }
  set lineCap(v: CanvasLineCap) {
    this.state.lineCap = v
  }
  get lineJoin(): CanvasLineJoin {
    return this.state.lineJoin
  }
  set lineJoin(v: CanvasLineJoin) {
    this.state.lineJoin = v
  }
  get miterLimit(): number {
    return this.state.miterLimit
  }
  set miterLimit(v: number) {
    this.state.miterLimit = v
  }
  get font(): string {
    return this.state.font
  }
  set font(v: string) {
    this.state.font = v
  }
  get textAlign(): CanvasTextAlign {
    return this.state.textAlign
  }
  set textAlign(v: CanvasTextAlign) {
    this.state.textAlign = v
  }
  get textBaseline(): CanvasTextBaseline {
    return this.state.textBaseline
  }
  set textBaseline(v: CanvasTextBaseline) {
    this.state.textBaseline = v
  }
  get globalAlpha(): number {
    return this.state.globalAlpha
  }
  set globalAlpha(v: number) {
    if (Number.isFinite(v) && v >= 0 && v <= 1) this.state.globalAlpha = v
  }
  get globalCompositeOperation(): string {
    return this.state.globalCompositeOperation
  }
  set globalCompositeOperation(v: string) {
    this.state.globalCompositeOperation = v
  }
  get lineDashOffset(): number {
    return this.state.lineDashOffset
  }
  set lineDashOffset(v: number) {
    this.state.lineDashOffset = v
  }

  save(): void {
    this.stack.push({ ...this.state, m: [...this.state.m] as Matrix, dash: [...this.state.dash] })
  }
  restore(): void {
    const s = this.stack.pop()
    if (s) this.state = s
  }

  // --- transforms
  setTransform(a: number | DOMMatrix2DInit = 1, b = 0, c = 0, d = 1, e = 0, f = 0): void {
    if (typeof a === 'object') {
      const t = a
      this.state.m = [t.a ?? 1, t.b ?? 0, t.c ?? 0, t.d ?? 1, t.e ?? 0, t.f ?? 0]
    } else this.state.m = [a, b, c, d, e, f]
  }
  resetTransform(): void {
    this.state.m = [...IDENTITY]
  }
  transform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.state.m = multiply(this.state.m, [a, b, c, d, e, f])
  }
  translate(x: number, y: number): void {
    this.transform(1, 0, 0, 1, x, y)
  }
  scale(x: number, y: number): void {
    this.transform(x, 0, 0, y, 0, 0)
  }
  rotate(angle: number): void {
    const c = Math.cos(angle)
    const s = Math.sin(angle)
    this.transform(c, s, -s, c, 0, 0)
  }
  getTransform(): DOMMatrix2DInit {
    const [a, b, c, d, e, f] = this.state.m
    return { a, b, c, d, e, f }
  }

  private pt(x: number, y: number): string {
    const [a, b, c, d, e, f] = this.state.m
    return `${num(a * x + c * y + e)} ${num(b * x + d * y + f)}`
  }
  /** How much the transform scales lengths (line widths, radii). */
  private get scaleFactor(): number {
    const [a, b, c, d] = this.state.m
    return Math.sqrt(Math.abs(a * d - b * c))
  }

  // --- paths
  beginPath(): void {
    this.path = ''
    this.hasPoint = false
  }
  closePath(): void {
    if (this.path) this.path += 'Z'
  }
  moveTo(x: number, y: number): void {
    this.path += `M${this.pt(x, y)}`
    this.hasPoint = true
  }
  lineTo(x: number, y: number): void {
    this.path += `${this.hasPoint ? 'L' : 'M'}${this.pt(x, y)}`
    this.hasPoint = true
  }
  bezierCurveTo(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number): void {
    this.path += `C${this.pt(c1x, c1y)} ${this.pt(c2x, c2y)} ${this.pt(x, y)}`
    this.hasPoint = true
  }
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void {
    this.path += `Q${this.pt(cx, cy)} ${this.pt(x, y)}`
    this.hasPoint = true
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.path += `M${this.pt(x, y)}L${this.pt(x + w, y)}L${this.pt(x + w, y + h)}L${this.pt(x, y + h)}Z`
    this.hasPoint = true
  }
  arc(x: number, y: number, r: number, start: number, end: number, ccw = false): void {
    const sx = x + r * Math.cos(start)
    const sy = y + r * Math.sin(start)
    this.path += `${this.hasPoint ? 'L' : 'M'}${this.pt(sx, sy)}`
    this.hasPoint = true
    let sweep = ccw ? start - end : end - start
    if (sweep >= TAU - 1e-9) sweep = TAU
    else sweep = ((sweep % TAU) + TAU) % TAU
    if (sweep === 0) return
    const [a, b, c, d] = this.state.m
    const mirrored = a * d - b * c < 0
    const flag = (ccw ? 0 : 1) ^ (mirrored ? 1 : 0)
    const rr = num(r * this.scaleFactor)
    // A full circle is two half arcs (one SVG arc cannot end where it starts).
    const steps = sweep === TAU ? 2 : 1
    for (let i = 1; i <= steps; i++) {
      const t = start + (ccw ? -1 : 1) * sweep * (i / steps)
      const large = sweep / steps > Math.PI ? 1 : 0
      this.path += `A${rr} ${rr} 0 ${large} ${flag} ${this.pt(x + r * Math.cos(t), y + r * Math.sin(t))}`
    }
  }
  ellipse(x: number, y: number, rx: number, ry: number, rotation: number, start: number, end: number, ccw = false): void {
    if (rx !== ry || rotation !== 0) throw new Error('SvgContext: only circular ellipses are supported')
    this.arc(x, y, rx, start, end, ccw)
  }

  clip(): void {
    const id = `c${++this.clipCount}`
    const parent = this.state.clip ? ` clip-path="url(#${this.state.clip})"` : ''
    this.defs.push(`<clipPath id="${id}"><path d="${this.path}"${parent}/></clipPath>`)
    this.state.clip = id
  }

  private emit(el: string): void {
    const clip = this.state.clip ? ` clip-path="url(#${this.state.clip})"` : ''
    const s = el.replace(/^<(\w+)/, `<$1${clip}`)
    // destination-over draws behind what is there (the opaque background plugin).
    if (this.state.globalCompositeOperation === 'destination-over') this.elements.unshift(s)
    else this.elements.push(s)
  }

  private alpha(attr: string, color: string): string {
    const { rgb, a } = splitAlpha(color)
    const alpha = a * this.state.globalAlpha
    return `${attr}="${escapeXml(rgb)}"${alpha < 1 ? ` ${attr}-opacity="${Math.round(alpha * 1000) / 1000}"` : ''}`
  }

  private strokeAttrs(): string {
    const s = this.state
    const w = s.lineWidth * this.scaleFactor
    let out = `fill="none" ${this.alpha('stroke', s.strokeStyle)} stroke-width="${num(w)}"`
    if (s.lineCap !== 'butt') out += ` stroke-linecap="${s.lineCap}"`
    if (s.lineJoin !== 'miter') out += ` stroke-linejoin="${s.lineJoin}"`
    if (s.dash.length) out += ` stroke-dasharray="${s.dash.map((x) => num(x * this.scaleFactor)).join(' ')}"`
    if (s.dash.length && s.lineDashOffset) out += ` stroke-dashoffset="${num(s.lineDashOffset)}"`
    return out
  }

  fill(rule?: CanvasFillRule | Path2D): void {
    if (rule !== undefined && typeof rule !== 'string') throw new Error('SvgContext: Path2D cannot be drawn (it cannot be read back)')
    if (!this.path || isNone(this.state.fillStyle)) return
    const r = typeof rule === 'string' && rule === 'evenodd' ? ' fill-rule="evenodd"' : ''
    this.emit(`<path d="${this.path}" ${this.alpha('fill', this.state.fillStyle)}${r}/>`)
  }
  stroke(path?: Path2D): void {
    if (path !== undefined) throw new Error('SvgContext: Path2D cannot be drawn (it cannot be read back)')
    if (!this.path || isNone(this.state.strokeStyle) || this.state.lineWidth === 0) return
    this.emit(`<path d="${this.path}" ${this.strokeAttrs()}/>`)
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    if (isNone(this.state.fillStyle)) return
    const d = `M${this.pt(x, y)}L${this.pt(x + w, y)}L${this.pt(x + w, y + h)}L${this.pt(x, y + h)}Z`
    this.emit(`<path d="${d}" ${this.alpha('fill', this.state.fillStyle)}/>`)
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    const d = `M${this.pt(x, y)}L${this.pt(x + w, y)}L${this.pt(x + w, y + h)}L${this.pt(x, y + h)}Z`
    this.emit(`<path d="${d}" ${this.strokeAttrs()}/>`)
  }
  /** Clearing the whole canvas starts the drawing over (Chart.js clears before each draw). */
  clearRect(x: number, y: number, w: number, h: number): void {
    if (x <= 0 && y <= 0 && x + w >= this.o.width && y + h >= this.o.height && this.state.clip === null) {
      this.elements = []
      this.defs = []
    }
  }

  setLineDash(segments: number[]): void {
    this.state.dash = segments.every((x) => Number.isFinite(x) && x >= 0) ? [...segments] : this.state.dash
  }
  getLineDash(): number[] {
    return [...this.state.dash]
  }

  // --- text
  measureText(text: string): TextMetrics {
    const width = this.measureWidth(text, this.state.font)
    const size = parseFont(this.state.font).size
    return {
      width,
      actualBoundingBoxAscent: size * 0.8,
      actualBoundingBoxDescent: size * 0.2,
      actualBoundingBoxLeft: 0,
      actualBoundingBoxRight: width,
      fontBoundingBoxAscent: size * 0.8,
      fontBoundingBoxDescent: size * 0.2
    } as TextMetrics
  }

  private text(text: string, x: number, y: number, paint: string): void {
    const f = parseFont(this.state.font)
    const anchor = { start: 'start', left: 'start', center: 'middle', end: 'end', right: 'end' }[this.state.textAlign] ?? 'start'
    const baseline =
      {
        top: 'text-before-edge',
        hanging: 'hanging',
        middle: 'central',
        alphabetic: 'alphabetic',
        ideographic: 'ideographic',
        bottom: 'text-after-edge'
      }[this.state.textBaseline] ?? 'alphabetic'
    const [a, b, c, d, e, ff] = this.state.m
    const plain = a === 1 && b === 0 && c === 0 && d === 1
    const pos = plain
      ? `x="${num(x + e)}" y="${num(y + ff)}"`
      : `x="${num(x)}" y="${num(y)}" transform="matrix(${this.state.m.map(num).join(' ')})"`
    const font =
      `font-family="${escapeXml(f.family)}" font-size="${num(f.size)}"` +
      (f.weight !== 'normal' ? ` font-weight="${f.weight}"` : '') +
      (f.style !== 'normal' ? ` font-style="${f.style}"` : '')
    this.emit(`<text ${pos} ${font} text-anchor="${anchor}" dominant-baseline="${baseline}" ${paint}>${escapeXml(text)}</text>`)
  }
  fillText(text: string, x: number, y: number): void {
    if (isNone(this.state.fillStyle)) return
    this.text(String(text), x, y, this.alpha('fill', this.state.fillStyle))
  }
  strokeText(text: string, x: number, y: number): void {
    this.text(String(text), x, y, this.strokeAttrs())
  }

  // --- what Chart.js does not use for these charts
  drawImage(): void {
    throw new Error('SvgContext: images are not supported')
  }
  createLinearGradient(): never {
    throw new Error('SvgContext: gradients are not supported')
  }
  createRadialGradient(): never {
    throw new Error('SvgContext: gradients are not supported')
  }
  createPattern(): never {
    throw new Error('SvgContext: patterns are not supported')
  }
  isPointInPath(): boolean {
    return false
  }

  /** The drawing as an SVG document. */
  toSvg(title?: string): string {
    const { width, height } = this.o
    const k = this.o.scale ?? 1
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width * k}" height="${height * k}" viewBox="0 0 ${width} ${height}">`,
      title ? `<title>${escapeXml(title)}</title>` : '',
      this.defs.length ? `<defs>${this.defs.join('')}</defs>` : '',
      ...this.elements,
      '</svg>'
    ]
      .filter(Boolean)
      .join('\n')
  }
}

function colorOf(v: unknown): string {
  if (typeof v === 'string') return v
  throw new Error('SvgContext: only plain colours are supported (no gradients or patterns)')
}

function isNone(color: string): boolean {
  return color === 'transparent' || color === 'none' || splitAlpha(color).a === 0
}

/** "rgba(1, 2, 3, 0.5)" -> rgb(1, 2, 3) and 0.5; hex with alpha likewise; other colours as they are. */
export function splitAlpha(color: string): { rgb: string; a: number } {
  const c = color.trim()
  const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/i.exec(c)
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? Number(m[4].slice(0, -1)) / 100 : Number(m[4])
    return { rgb: `rgb(${m[1]}, ${m[2]}, ${m[3]})`, a }
  }
  const h = /^#([0-9a-f]{6})([0-9a-f]{2})$/i.exec(c)
  if (h) return { rgb: `#${h[1]}`, a: parseInt(h[2], 16) / 255 }
  return { rgb: c, a: 1 }
}
