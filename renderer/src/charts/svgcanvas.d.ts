// Types for svgcanvas 2.6.0 (it ships none): the Context the SVG export uses, and the
// internals charts/svgExport.ts relies on to give clip(), fill() and text their canvas behaviour.
declare module 'svgcanvas' {
  export interface ContextOptions {
    width?: number
    height?: number
    /** A real 2D context to measure text with (by default svgcanvas makes one from a new <canvas>). */
    ctx?: { font: string; measureText(text: string): { width: number } }
    enableMirroring?: boolean
    document?: Document
    debug?: boolean
  }

  export class Context {
    constructor(options?: ContextOptions)
    width: number
    height: number
    beginPath(): void
    moveTo(x: number, y: number): void
    lineTo(x: number, y: number): void
    rect(x: number, y: number, width: number, height: number): void
    clip(): void
    fill(): void
    /** The <svg> element drawn so far. */
    getSvg(): SVGSVGElement
    getSerializedSvg(fixNamedEntities?: boolean): string
    font: string
    textAlign: CanvasTextAlign
    textBaseline: CanvasTextBaseline
    /** Internal (2.6.0): the path commands since beginPath(). */
    protected __currentDefaultPath: string
    /** Internal (2.6.0): the element the next path command or style goes to. */
    protected __currentElement: Element
    protected __document: Document
    /** Internals (2.6.0) of drawing text: the group to draw into, a new SVG element, the current transform and style on it. */
    protected __closestGroupOrSvg(node?: Element): Element
    protected __createElement(name: string, attributes?: Record<string, string | number>, resetFill?: boolean): Element
    protected __applyTransformation(element: Element, matrix?: DOMMatrix): void
    protected __applyStyleToCurrentElement(type: 'fill' | 'stroke'): void
    protected __applyText(text: string, x: number, y: number, action: 'fill' | 'stroke'): void
  }
}
